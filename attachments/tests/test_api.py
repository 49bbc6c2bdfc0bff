"""The contract's attachments through the REST API: upload, send, fetch, delete; every bad
input of issue 14 a clear 4xx, nothing served inline but the image types, no file left behind
that nothing references; a history page of image messages in a fixed number of queries."""

import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from attachments.models import Attachment
from attachments.tasks import delete_files, remove_if_unsent
from attachments.tests.uploads import UPLOADS, png, post_upload

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    root = Path(storages["attachments"].location)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def send(client, group, *, body: str = "", attachments=()):
    return client.post(
        f"/api/v1/groups/{group.id}/messages/",
        {"body": body, "attachments": list(attachments)},
        format="json",
    )


@pytest.fixture
def cast(make_cast):
    return make_cast()


@pytest.fixture
def sender(cast, make_api_client):
    return make_api_client(cast.sender)


def test_an_image_upload_answers_the_attachment(sender):
    # when
    response = post_upload(sender, png((900, 300)), name="Screenshot 2026-12-04.png")

    # then
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Screenshot 2026-12-04.png",
        "size": len(png((900, 300))),
        "content_type": "image/png",
        "url": f"/api/v1/attachments/{body['id']}/file/",
        "thumbnail_url": f"/api/v1/attachments/{body['id']}/thumbnail/",
        "width": 900,
        "height": 300,
    }
    assert len(stored_files()) == 2  # the image and its thumbnail


def test_a_sent_attachment_is_for_the_groups_members_and_404_for_anyone_else(
    cast, sender, make_api_client
):
    # given: uploaded, seen by its uploader only
    attachment = post_upload(sender, png()).json()
    before = {
        who: make_api_client(getattr(cast, who)).get(attachment["url"]).status_code
        for who in ("sender", "member")
    }

    # when
    response = send(sender, cast.group, attachments=[attachment["id"]])

    # then: the message carries it, and the group's members may fetch it, nobody else
    assert response.status_code == 201
    assert response.json()["body"] == ""
    assert response.json()["attachments"] == [attachment]
    assert before == {"sender": 200, "member": 404}
    member = make_api_client(cast.member).get(attachment["url"])
    assert member.status_code == 200
    assert member["Content-Type"] == "image/png"
    assert member["Content-Disposition"].startswith("inline;")
    assert member["X-Content-Type-Options"] == "nosniff"
    assert b"".join(member.streaming_content) == png()
    thumbnail = make_api_client(cast.member).get(attachment["thumbnail_url"])
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/webp")
    outsider = make_api_client(cast.outsider).get(attachment["url"])
    missing = make_api_client(cast.outsider).get("/api/v1/attachments/999999/file/")
    assert (outsider.status_code, outsider.content) == (404, missing.content)


def test_the_history_carries_the_attachments(cast, sender, make_api_client):
    # given
    attachment = post_upload(sender, b"%PDF-1.7\n", name="plan.pdf").json()
    send(sender, cast.group, body="the plan", attachments=[attachment["id"]])

    # when
    page = make_api_client(cast.member).get(f"/api/v1/groups/{cast.group.id}/messages/").json()

    # then
    assert page["results"][-1]["attachments"] == [attachment]
    assert page["results"][0]["attachments"] == []


@pytest.mark.parametrize("count", [1, 50])
def test_a_history_page_of_image_messages_costs_a_fixed_number_of_queries(
    cast, sender, make_api_client, django_assert_num_queries, count
):
    # given
    for _ in range(count):
        send(sender, cast.group, attachments=[post_upload(sender, png()).json()["id"]])
    member = make_api_client(cast.member)

    # when / then: the token with its user, the membership, the messages, their attachments
    # (and no reactions query: there are none)
    with django_assert_num_queries(4):
        page = member.get(f"/api/v1/groups/{cast.group.id}/messages/?limit=50").json()
    assert sum(len(m["attachments"]) for m in page["results"]) == count


def test_deleting_the_message_makes_its_attachments_404_at_once_and_a_job_removes_the_files(
    cast, sender, make_api_client
):
    # given
    attachment = post_upload(sender, png()).json()
    message = send(sender, cast.group, attachments=[attachment["id"]]).json()

    # when
    deleted = sender.delete(f"/api/v1/messages/{message['id']}/")

    # then
    assert deleted.status_code in (200, 204)
    assert make_api_client(cast.member).get(attachment["url"]).status_code == 404
    assert sender.get(attachment["url"]).status_code == 404
    [job] = DBTaskResult.objects.filter(task_path="attachments.tasks.delete_files")
    assert len(stored_files()) == 2
    delete_files.call(*job.args_kwargs["args"])
    assert stored_files() == []


def test_an_upload_never_sent_goes_after_a_day_and_a_sent_one_stays(cast, sender):
    # given
    unsent = post_upload(sender, png()).json()
    sent = post_upload(sender, png()).json()
    send(sender, cast.group, attachments=[sent["id"]])
    jobs = DBTaskResult.objects.filter(task_path="attachments.tasks.remove_if_unsent")
    assert {j.args_kwargs["args"][0] for j in jobs} == {unsent["id"], sent["id"]}
    assert all(j.run_after - timezone.now() > timedelta(hours=23) for j in jobs)
    Attachment.objects.update(created_at=timezone.now() - timedelta(hours=24))

    # when
    removed = [remove_if_unsent.call(attachment["id"]) for attachment in (unsent, sent)]

    # then
    assert removed == [1, 0]
    assert list(Attachment.objects.values_list("id", flat=True)) == [sent["id"]]


# --- Bad input ---------------------------------------------------------------------------------


def test_an_empty_file_and_no_file_are_400(sender):
    empty = post_upload(sender, b"")
    nothing = sender.post(UPLOADS, {}, format="multipart")
    assert (empty.status_code, nothing.status_code) == (400, 400)
    assert stored_files() == []


def test_one_byte_over_the_limit_is_413_and_the_limit_itself_is_taken(sender, settings):
    # given
    settings.MAX_UPLOAD_MB = 1
    limit = 1024 * 1024

    # when
    over = post_upload(sender, b"x" * (limit + 1), name="big.log", content_type="text/plain")
    at = post_upload(sender, b"x" * limit, name="big.log", content_type="text/plain")

    # then
    assert over.status_code == 413
    assert "1 MB" in over.json()["detail"]
    assert at.status_code == 201
    assert len(stored_files()) == 1


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(sender, settings):
    # given
    settings.MAX_UPLOAD_MB = 1

    # when
    response = post_upload(sender, b"x" * (3 * 1024 * 1024), name="huge.bin")

    # then
    assert response.status_code == 413


def test_the_quota_is_a_413(sender, settings):
    # given
    settings.UPLOAD_QUOTA_MB = 1
    first = post_upload(sender, b"y" * 600_000, name="one.log", content_type="text/plain")

    # when
    second = post_upload(sender, b"y" * 600_000, name="two.log", content_type="text/plain")

    # then
    assert first.status_code == 201
    assert second.status_code == 413
    assert "1 MB" in second.json()["detail"]


def test_a_decompression_bomb_is_a_400_and_leaves_nothing(sender):
    # given
    out = BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG")

    # when
    response = post_upload(sender, out.getvalue(), name="bomb.png")

    # then
    assert response.status_code == 400
    assert "too many pixels" in str(response.json())
    assert stored_files() == []


@pytest.mark.parametrize(
    ("name", "content", "claimed", "content_type"),
    [
        ("page.png", b"<html><script>alert(1)</script></html>", "image/png", "text/plain"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
            "text/plain",
        ),
        (
            "photo.jpg",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
            "image/jpeg",
            "application/octet-stream",
        ),
        ("report.pdf", png(), "application/pdf", "image/png"),
    ],
    ids=["html-named-png", "svg-with-script", "truncated-jpeg", "png-claimed-pdf"],
)
def test_the_type_comes_from_the_bytes_and_only_images_are_served_inline(
    cast, sender, make_api_client, name, content, claimed, content_type
):
    # when
    attachment = post_upload(sender, content, name=name, content_type=claimed).json()
    send(sender, cast.group, attachments=[attachment["id"]])
    served = make_api_client(cast.member).get(attachment["url"])

    # then
    assert attachment["content_type"] == content_type
    assert served["Content-Type"] == content_type
    inline = content_type == "image/png"
    assert served["Content-Disposition"].startswith("inline;" if inline else "attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("a" * 5000 + ".txt", "a" * 251 + ".txt"),
        ("bad\x07\x1b\u202etxt.exe", "badtxt.exe"),
    ],
    ids=["path", "5000-characters", "controls-and-rtl-override"],
)
def test_names_are_cleaned_and_never_a_path(sender, name, shown):
    # when
    response = post_upload(sender, b"hello", name=name, content_type="text/plain")

    # then
    assert response.status_code == 201
    assert response.json()["name"] == shown
    [stored] = stored_files()
    assert stored.name.endswith(".txt") and "passwd" not in str(stored)


def test_a_gps_location_is_not_served(cast, sender, make_api_client):
    # given
    from attachments.tests.test_files import jpeg_with_location

    # when
    attachment = post_upload(sender, jpeg_with_location(), name="holiday.jpg").json()
    served = sender.get(attachment["url"])

    # then
    exif = Image.open(BytesIO(b"".join(served.streaming_content))).getexif()
    assert 0x8825 not in exif  # GPSInfo


def test_sending_someone_elses_upload_or_a_sent_one_or_eleven_is_400(cast, sender, make_api_client):
    # given
    member = make_api_client(cast.member)
    theirs = post_upload(member, png()).json()["id"]
    mine = post_upload(sender, png()).json()["id"]
    send(sender, cast.group, attachments=[mine])
    eleven = [post_upload(sender, png()).json()["id"] for _ in range(11)]

    # when
    answers = {
        "someone else's": send(sender, cast.group, attachments=[theirs]),
        "sent already": send(sender, cast.group, attachments=[mine]),
        "eleven": send(sender, cast.group, attachments=eleven),
        "twice in one": send(sender, cast.group, attachments=[eleven[0], eleven[0]]),
        "not ids": send(sender, cast.group, attachments=["x"]),
    }

    # then: each a 400 and no message stored
    assert {why: r.status_code for why, r in answers.items()} == dict.fromkeys(answers, 400)
    assert Attachment.objects.filter(message__isnull=False).count() == 1
    assert send(sender, cast.group).status_code == 400  # no body and no attachment


def test_uploads_faster_than_the_throttle_are_429(sender, settings):
    # given: limits on, inside one minute's window (accounts/tests/test_throttles.py)
    if (left := 60 - time.time() % 60) < 5:
        time.sleep(left + 0.05)
    settings.RATE_LIMITS_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "uploads": "2/min"}

    # when
    answers = [post_upload(sender, b"hi", name="n.txt").status_code for _ in range(3)]

    # then
    assert answers == [201, 201, 429]
