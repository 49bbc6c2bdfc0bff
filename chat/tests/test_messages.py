"""message.send (with attachments too), message.ack, message.new and message.updated."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments import services as attachment_services
from chat import db, frames
from groups.selectors import get_membership
from messaging import services
from messaging.models import BODY_MAX_LENGTH, Message


@pytest.fixture
def trio(make_user, make_group):
    """A group of three: `sender` and `reader` are members, `outsider` is not."""
    sender, reader, outsider = make_user(), make_user(), make_user()
    group = make_group(members=[sender, reader])
    return SimpleNamespace(group=group, sender=sender, reader=reader, outsider=outsider)


def _react(*, user, message_id: int, emoji: str) -> None:
    message = Message.objects.get(pk=message_id)
    membership = get_membership(user=user, group_id=message.group_id)
    services.reaction_add(actor=user, membership=membership, message=message, emoji=emoji)


async def test_send_is_acked_and_delivered_to_every_member_socket(connect, trio):
    # given
    sender, reader = await connect(trio.sender), await connect(trio.reader)
    await sender.ping(), await reader.ping()

    # when
    await sender.send(
        {"type": "message.send", "group": trio.group.id, "body": " *hi* ", "client_id": "c1"}
    )

    # then: the sender gets the ack and, like every member, the message.new
    got = [await sender.receive(), await sender.receive()]
    ack = next(frame for frame in got if frame["type"] == "message.ack")
    new = next(frame for frame in got if frame["type"] == "message.new")
    assert ack["client_id"] == "c1"
    assert ack["message"]["body"] == "*hi*"
    assert "<em>hi</em>" in ack["message"]["html"]
    assert new["message"] == ack["message"]
    assert await reader.receive() == new
    assert await db.run(Message.objects.filter(group=trio.group).count) == 1


async def test_send_without_client_id_is_acked_with_null(connect, trio):
    # given
    sender = await connect(trio.sender)
    await sender.ping()

    # when
    await sender.send({"type": "message.send", "group": trio.group.id, "body": "hi"})

    # then
    _, ack = await sender.receive_until("message.ack")
    assert ack["client_id"] is None
    assert ack["message"]["client_id"] is None


async def test_repeated_client_id_acks_the_original_and_broadcasts_nothing(connect, trio):
    # given
    sender, reader = await connect(trio.sender), await connect(trio.reader)
    send = {"type": "message.send", "group": trio.group.id, "body": "once", "client_id": "c1"}
    await sender.send(send)
    _, first = await sender.receive_until("message.ack")
    await reader.receive_until("message.new")

    # when
    await sender.send({**send, "body": "twice"})

    # then
    _, second = await sender.receive_until("message.ack")
    assert second == first
    assert await reader.nothing()
    assert await db.run(Message.objects.filter(group=trio.group).count) == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"group": "1", "body": "hi"}, frames.INVALID),
        ({"group": ..., "body": "hi"}, frames.INVALID),
        ({"group": True, "body": "hi"}, frames.INVALID),
        ({"group": 2**63, "body": "hi"}, frames.INVALID),
        ({"body": 5}, frames.INVALID),
        ({"body": "   "}, frames.INVALID),
        ({"body": "x" * (BODY_MAX_LENGTH + 1)}, frames.INVALID),
        ({"body": "hi", "client_id": "x" * 65}, frames.INVALID),
        ({"body": "hi", "client_id": 7}, frames.INVALID),
    ],
    ids=[
        "group-string",
        "group-missing",
        "group-bool",
        "group-too-big",
        "body-number",
        "body-blank",
        "body-too-long",
        "client-id-too-long",
        "client-id-number",
    ],
)
async def test_invalid_send_is_an_error_carrying_the_client_id(connect, trio, frame, code):
    # given
    sender = await connect(trio.sender)
    frame = {"type": "message.send", "group": trio.group.id, "client_id": "c9", **frame}
    frame = {key: value for key, value in frame.items() if value is not ...}  # ...: left out

    # when
    await sender.send(frame)

    # then: the error echoes the client_id, and the socket still works
    error = await sender.receive()
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["client_id"] == frame["client_id"]
    assert await sender.ping() == []
    assert await db.run(Message.objects.filter(group=trio.group).count) == 0


@pytest.mark.parametrize("group", ["private", "public", "missing"])
async def test_send_to_a_group_you_are_not_in_is_refused(connect, trio, make_group, group):
    # given
    other = {
        "private": lambda: make_group().id,
        "public": lambda: make_group(is_public=True).id,
        "missing": lambda: 10**12,
    }[group]
    group_id = await db.run(other)
    socket = await connect(trio.outsider)

    # when
    await socket.send({"type": "message.send", "group": group_id, "body": "hi", "client_id": "c"})

    # then: the same answer whether the group exists or not
    assert await socket.receive() == {
        "type": "error",
        "code": frames.NOT_A_MEMBER,
        "detail": frames.NOT_MEMBER_OF_GROUP,
        "client_id": "c",
    }


async def test_non_members_get_nothing_of_the_group(connect, trio):
    # given
    outsider = await connect(trio.outsider)
    await outsider.ping()

    # when
    await db.run(services.send_message, sender=trio.sender, group_id=trio.group.id, body="psst")

    # then
    assert await outsider.nothing()


async def test_edit_and_delete_reach_members_as_message_updated(connect, trio):
    # given
    message, _ = await db.run(
        services.send_message, sender=trio.sender, group_id=trio.group.id, body="draft"
    )
    reader = await connect(trio.reader)
    await reader.ping()
    membership = await db.run(get_membership, user=trio.sender, group_id=trio.group.id)

    # when
    await db.run(
        services.message_edit, actor=trio.sender, membership=membership, message=message, body="v2"
    )
    await db.run(services.message_delete, actor=trio.sender, membership=membership, message=message)

    # then
    edited, deleted = await reader.receive(), await reader.receive()
    assert edited["type"] == deleted["type"] == "message.updated"
    assert edited["message"]["body"] == "v2"
    assert edited["message"]["edited_at"] is not None
    assert deleted["message"]["deleted"] is True
    assert deleted["message"]["body"] == ""


async def test_reactions_show_me_to_the_reacting_viewer_only(connect, trio):
    # given
    message, _ = await db.run(
        services.send_message, sender=trio.sender, group_id=trio.group.id, body="hi"
    )
    sender, reader = await connect(trio.sender), await connect(trio.reader)
    await sender.ping(), await reader.ping()

    # when
    await db.run(_react, user=trio.reader, message_id=message.id, emoji="👍")

    # then
    mine, theirs = await reader.receive(), await sender.receive()
    assert mine["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    assert theirs["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]


def _upload(user) -> int:
    upload = SimpleUploadedFile("notes.txt", b"the notes")
    return attachment_services.upload(uploader=user, file=upload).id


async def test_send_with_attachments_and_no_body_is_acked_and_delivered_with_them(connect, trio):
    # given
    upload_id = await db.run(_upload, trio.sender)
    sender, reader = await connect(trio.sender), await connect(trio.reader)
    await sender.ping(), await reader.ping()

    # when
    await sender.send(
        {"type": "message.send", "group": trio.group.id, "body": "", "attachments": [upload_id]}
    )

    # then
    _, ack = await sender.receive_until("message.ack")
    _, new = await reader.receive_until("message.new")
    [attachment] = ack["message"]["attachments"]
    assert (attachment["id"], attachment["name"], attachment["content_type"]) == (
        upload_id,
        "notes.txt",
        "text/plain",
    )
    assert new["message"]["attachments"] == ack["message"]["attachments"]


async def test_sending_someone_elses_upload_is_an_error_frame(connect, trio):
    # given
    theirs = await db.run(_upload, trio.reader)
    sender = await connect(trio.sender)
    await sender.ping()

    # when
    await sender.send(
        {"type": "message.send", "group": trio.group.id, "body": "x", "attachments": [theirs]}
    )

    # then
    _, error = await sender.receive_until("error")
    assert error["code"] == frames.INVALID
    assert await db.run(Message.objects.filter(group=trio.group).count) == 0
