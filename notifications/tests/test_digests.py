"""The daily digest for `email: all`: what it tells of (unread group messages no notification
told of), one chain of jobs per user and never two digests a day, nothing told twice, do not
disturb, a refusing SMTP server, a fixed number of queries; and a real worker sending one."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from groups import services as group_services
from groups.models import Membership
from messaging import services as messaging_services
from notifications import digests
from notifications.models import Preferences
from notifications.services import preferences_update
from tests.servers import SmtpListener, Workers

SEND_DIGEST = "notifications.digests.send_digest"
ALL = Preferences.Email.ALL


def _chain() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SEND_DIGEST).order_by("enqueued_at"))


def _run(job: DBTaskResult) -> int:
    return digests.send_digest.call(*job.args_kwargs["args"])


def _choose(user, email) -> Preferences:
    return preferences_update(user=user, changes={"email": email})


@pytest.fixture
def reader(make_user):
    return make_user("reader", email="reader@example.com")


@pytest.fixture
def team(make_group, make_user, reader):
    """Two groups the reader is in, with people who talk."""
    talker = make_user("talker")
    return {
        "design": make_group(name="Design", owner=talker, members=[reader]),
        "ops": make_group(name="Ops", owner=talker, members=[reader]),
        "talker": talker,
    }


@pytest.mark.django_db
def test_choosing_all_schedules_a_digest_a_day_ahead(api_client, reader):
    # given
    api_client.force_authenticate(reader)
    before = timezone.now()

    # when
    response = api_client.patch("/api/v1/users/me/notifications/", {"email": "all"}, format="json")

    # then
    assert response.status_code == 200
    [job] = _chain()
    assert job.args_kwargs["args"][0] == reader.id
    assert timedelta(days=1) <= job.run_after - before < timedelta(days=1, seconds=5)


@pytest.mark.django_db
def test_a_digest_tells_of_unread_group_messages_no_notification_told_of(
    smtp, team, reader, make_user, make_group, make_message
):
    # given: in Design three unread messages, one of them a mention (mailed on its own);
    # in Ops one read and one unread; the reader's own message, a muted group, a direct
    # conversation and a deleted message are left out
    talker, design, ops = team["talker"], team["design"], team["ops"]
    _choose(reader, ALL)
    for body in ("the new logo", "colours next", f"@{reader.username} your view?"):
        make_message(group=design, sender=talker, body=body)
    read = make_message(group=ops, sender=talker, body="deploy done")
    messaging_services.mark_read(
        membership=Membership.objects.get(group=ops, user=reader), message_id=read.id
    )
    make_message(group=ops, sender=talker, body="rollback at 5")
    make_message(group=ops, sender=reader, body="my own words")
    muted = make_group(name="Random", owner=talker, members=[reader])
    Membership.objects.filter(group=muted, user=reader).update(muted=True)
    make_message(group=muted, sender=talker, body="cat pictures")
    direct, _ = group_services.direct_get_or_create(user=talker, other=reader)
    make_message(group=direct, sender=talker, body="psst")
    gone = make_message(group=design, sender=talker, body="oops")
    messaging_services.message_delete(
        actor=talker, membership=Membership.objects.get(group=design, user=talker), message=gone
    )
    [job] = _chain()

    # when
    told = _run(job)

    # then
    assert told == 3
    [email] = smtp.messages
    assert email["To"] == reader.email
    assert email["Subject"] == "Your daily digest: 3 unread messages in 2 groups"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = email.get_body(("plain",)).get_content()
    assert "Design: 2 unread" in text and "Ops: 1 unread" in text
    assert text.index("Design") < text.index("Ops")  # the busiest first
    assert "colours next" in text and "rollback at 5" in text
    for left_out in ("your view", "deploy done", "my own", "cat pictures", "psst", "oops"):
        assert left_out not in text
    assert f"https://chat.example.com/groups/{design.id}/" in text
    html = email.get_body(("html",)).get_content()
    assert f'<a href="https://chat.example.com/groups/{ops.id}/">Ops</a>' in html


@pytest.mark.django_db
def test_each_run_schedules_the_next_and_tells_nothing_twice(smtp, team, reader, make_message):
    # given: a digest sent
    _choose(reader, ALL)
    make_message(group=team["design"], sender=team["talker"], body="first day")
    [first] = _chain()
    _run(first)

    # when: a new message, and the next day's run
    make_message(group=team["design"], sender=team["talker"], body="second day")
    [_, second] = _chain()
    told = _run(second)

    # then: a day after the first; it tells of the new message only
    assert second.run_after - first.run_after >= timedelta(days=1)
    assert told == 1
    text = smtp.messages[-1].get_body(("plain",)).get_content()
    assert "second day" in text and "first day" not in text
    assert len(_chain()) == 3


@pytest.mark.django_db
def test_a_day_with_nothing_unread_mails_nothing_and_the_chain_goes_on(smtp, team, reader):
    # given
    _choose(reader, ALL)
    [job] = _chain()

    # when
    told = _run(job)

    # then
    assert (told, smtp.messages) == (0, [])
    assert len(_chain()) == 2


@pytest.mark.django_db
def test_choosing_otherwise_ends_the_chain_and_choosing_all_again_starts_one(
    smtp, team, reader, make_message
):
    # given: all, then mentions, then all again: two runs are scheduled
    _choose(reader, ALL)
    _choose(reader, Preferences.Email.MENTIONS)
    _choose(reader, ALL)
    make_message(group=team["design"], sender=team["talker"], body="news")
    old, new = _chain()

    # when
    told_by_old = _run(old)
    told_by_new = _run(new)

    # then: only the newest chain mails, once, and only it goes on
    assert (told_by_old, told_by_new) == (0, 1)
    assert len(smtp.messages) == 1
    assert len(_chain()) == 3


@pytest.mark.django_db
def test_with_email_off_the_run_mails_nothing_and_schedules_nothing(
    smtp, team, reader, make_message
):
    # given
    _choose(reader, ALL)
    make_message(group=team["design"], sender=team["talker"], body="news")
    _choose(reader, Preferences.Email.OFF)
    [job] = _chain()

    # when
    told = _run(job)

    # then
    assert (told, smtp.messages) == (0, [])
    assert len(_chain()) == 1


@pytest.mark.django_db
def test_do_not_disturb_moves_the_digest_to_its_end(smtp, team, reader, make_message):
    # given
    _choose(reader, ALL)
    until = timezone.now() + timedelta(hours=3)
    preferences_update(user=reader, changes={"dnd_until": until})
    make_message(group=team["design"], sender=team["talker"], body="news")
    [job] = _chain()

    # when
    told = _run(job)
    [_, moved] = _chain()
    told_after = _run(moved)

    # then
    assert told == 0
    assert moved.run_after == until
    assert told_after == 0  # still ahead: moved again, to the same end
    Preferences.objects.filter(user=reader).update(dnd_until=None)
    assert _run(_chain()[-1]) == 1
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_refusing_smtp_server_loses_nothing_and_a_retry_sends_it(
    smtp, team, reader, make_message
):
    # given
    _choose(reader, ALL)
    make_message(group=team["design"], sender=team["talker"], body="news")
    [job] = _chain()
    smtp.refusing = True

    # when
    with pytest.raises(Exception, match="refused"):
        _run(job)
    after_refusal = len(_chain())
    smtp.refusing = False
    told = _run(job)

    # then: the refusal scheduled nothing; the retry mails and schedules the next
    assert after_refusal == 1
    assert told == 1
    assert len(smtp.messages) == 1
    assert len(_chain()) == 2


@pytest.mark.django_db
def test_collecting_a_digest_costs_two_queries_however_many_groups(
    make_group, make_user, make_message, reader
):
    # given: twelve groups with unread messages
    talker = make_user()
    for n in range(12):
        group = make_group(name=f"G{n}", owner=talker, members=[reader])
        for i in range(4):
            make_message(group=group, sender=talker, body=f"{n}.{i}")
    since = timezone.now() - digests.EVERY

    # when
    with CaptureQueriesContext(connection) as queries:
        groups = digests.collect(reader, after_id=0, since=since)

    # then
    assert len(queries) == 2
    assert len(groups) == 12
    assert all(g.unread == 4 and len(g.latest) == digests.QUOTED_PER_GROUP for g in groups)
    assert [m.body for m in groups[0].latest] == ["11.3", "11.2", "11.1"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sends_a_digest_when_it_is_due(team, reader, make_message):
    # given: a digest due now
    _choose(reader, ALL)
    make_message(group=team["design"], sender=team["talker"], body="news")
    preferences = Preferences.objects.get(user=reader)
    DBTaskResult.objects.all().delete()
    digests.schedule(preferences, at=timezone.now())
    preferences.save()

    with SmtpListener() as smtp, Workers(1, EMAIL_URL=smtp.url) as workers:
        # when
        deadline = time.monotonic() + 20
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.05)

    # then
    assert [m["To"] for m in smtp.messages] == [reader.email], workers.log_text()
    assert "Design: 1 unread" in smtp.messages[0].get_body(("plain",)).get_content()
