"""notification.new: a notification created for a user reaches their sockets, and only theirs."""

from types import SimpleNamespace

import pytest

from chat import db


@pytest.fixture
def trio(make_user, make_group):
    sender, named, other = make_user(), make_user(), make_user()
    group = make_group(members=[sender, named, other])
    return SimpleNamespace(group=group, sender=sender, named=named, other=other)


async def test_a_mention_reaches_the_named_members_sockets_as_a_notification(connect, trio):
    # given
    sender, named, other = [await connect(u) for u in (trio.sender, trio.named, trio.other)]
    for socket in (sender, named, other):
        await socket.ping()

    # when
    await sender.send(
        {
            "type": "message.send",
            "group": trio.group.id,
            "body": f"@{trio.named.username} look",
            "client_id": "n1",
        }
    )

    # then
    _, frame = await named.receive_until("notification.new")
    notification = frame["notification"]
    assert (notification["kind"], notification["group"], notification["read"]) == (
        "mention",
        trio.group.id,
        False,
    )
    assert notification["message"]["mentions"] == [trio.named.id]
    assert notification["id"] == await db.run(
        lambda: trio.named.notifications.get().id  # the one in the database
    )
    _, new = await other.receive_until("message.new")
    assert await other.nothing()
    assert new["message"]["id"] == notification["message"]["id"]
