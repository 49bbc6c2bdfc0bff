"""Notification e-mails through a real SMTP server (aiosmtpd): one e-mail for what waits, a
link to each message, the RFC 8058 one-click unsubscribe, nothing twice, nothing during do not
disturb, an SMTP server that refuses (retried, nothing lost); and the same end to end through
a real worker process."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import emails
from notifications.models import Notification, Preferences
from notifications.tasks import send_emails
from tests.servers import SmtpListener, Workers

SEND_EMAIL = "notifications.tasks.send_emails"


@pytest.fixture
def team(make_cast):
    cast = make_cast()
    cast.owner.email = "owner@example.com"
    cast.owner.save(update_fields=["email"])
    return cast


def _mention(team, make_message, body: str = "look"):
    return make_message(group=team.group, sender=team.member, body=f"@{team.owner.username} {body}")


def _scheduled() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SEND_EMAIL).order_by("enqueued_at"))


@pytest.mark.django_db
def test_a_mention_schedules_an_email_at_the_users_delay(team, make_message):
    # given
    Preferences.objects.create(user=team.owner, email_delay_minutes=15)

    # when
    before = timezone.now()
    _mention(team, make_message)

    # then: for the owner (who has an address), not for the others
    [job] = _scheduled()
    assert job.args_kwargs["args"] == [[team.owner.id]]
    wait = job.run_after - before
    assert timedelta(minutes=15) <= wait < timedelta(minutes=15, seconds=5)


@pytest.mark.django_db
def test_nothing_is_scheduled_with_email_off(team, make_message):
    # given
    Preferences.objects.create(user=team.owner, email=Preferences.Email.OFF)

    # when
    _mention(team, make_message)

    # then
    assert _scheduled() == []


@pytest.mark.django_db
def test_what_waits_goes_in_one_email_with_links_and_the_one_click_unsubscribe(
    smtp, team, make_message
):
    # given: three mentions, unread
    messages = [_mention(team, make_message, body=f"number {i}") for i in range(3)]

    # when: the first job runs, then the others
    sent = [send_emails.call([team.owner.id]) for _ in range(3)]

    # then: one e-mail, with everything
    assert sent == [3, 0, 0]
    [email] = smtp.messages
    assert email["To"] == "owner@example.com"
    assert email["Subject"] == "3 messages are waiting for you"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    for message in messages:
        link = f"https://chat.example.com/groups/{team.group.id}/#message-{message.id}"
        assert link in text and link in html
    assert "number 2" in text
    unsubscribe = email["List-Unsubscribe"].strip()  # (folded: the URL is long)
    assert unsubscribe.startswith("<https://chat.example.com/notifications/unsubscribe/")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_what_was_read_meanwhile_is_not_mailed(smtp, team, make_message):
    # given
    _mention(team, make_message)
    Notification.objects.update(read=True)

    # when
    sent = send_emails.call([team.owner.id])

    # then
    assert (sent, smtp.messages) == (0, [])


@pytest.mark.django_db
def test_do_not_disturb_moves_the_email_to_its_end(smtp, team, make_message):
    # given
    until = timezone.now() + timedelta(hours=2)
    Preferences.objects.create(user=team.owner, dnd_until=until)
    _mention(team, make_message)
    DBTaskResult.objects.all().delete()

    # when
    sent = send_emails.call([team.owner.id])

    # then: nothing now, a job at the end of the quiet time
    assert (sent, smtp.messages) == (0, [])
    [job] = _scheduled()
    assert job.run_after == until


@pytest.mark.django_db
def test_a_refusing_smtp_server_loses_nothing_and_a_retry_sends_it(smtp, team, make_message):
    # given
    _mention(team, make_message)
    smtp.refusing = True

    # when
    with pytest.raises(Exception, match="refused"):
        send_emails.call([team.owner.id])
    after_refusal = Notification.objects.filter(emailed_at__isnull=True).count()
    smtp.refusing = False
    sent = send_emails.call([team.owner.id])

    # then
    assert after_refusal == 1
    assert sent == 1
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_one_click_unsubscribe_turns_email_off_without_signing_in(team, client):
    # given
    url = emails.unsubscribe_url(team.owner.id).removeprefix("http://127.0.0.1:8000")

    # when: a GET (a mail scanner) changes nothing; the mail client's POST does
    shown = client.get(url)
    after_get = Preferences.objects.filter(user=team.owner).exists()
    clicked = client.post(url, {"List-Unsubscribe": "One-Click"})

    # then
    assert shown.status_code == 200 and not after_get
    assert clicked.status_code == 200
    assert Preferences.objects.get(user=team.owner).email == Preferences.Email.OFF


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nonsense", "1", "MQ:1sX:forged"])
def test_a_forged_unsubscribe_link_changes_nothing(team, client, token):
    # when
    response = client.post(f"/notifications/unsubscribe/{token}/")

    # then
    assert response.status_code == 404
    assert not Preferences.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_mails_a_mention_through_smtp(make_cast, make_message):
    # given: a worker that mails through a real SMTP server, and no delay
    cast = make_cast()
    cast.owner.email = "owner@example.com"
    cast.owner.save(update_fields=["email"])
    Preferences.objects.create(user=cast.owner, email_delay_minutes=0)
    with SmtpListener() as smtp, Workers(1, EMAIL_URL=smtp.url) as workers:
        # when
        make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} hi")
        deadline = time.monotonic() + 20
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.05)

    # then
    assert [m["To"] for m in smtp.messages] == ["owner@example.com"], workers.log_text()
    assert mail.outbox == []  # nothing went through the test process's own backend


@pytest.mark.django_db
def test_at_all_schedules_one_email_job_per_delay_for_everyone(smtp, team, make_message):
    # given: three members with addresses, one of them with another delay
    from notifications.tasks import notify_everyone

    for who in ("admin", "sender"):
        member = getattr(team, who)
        member.email = f"{who}@example.com"
        member.save(update_fields=["email"])
    Preferences.objects.create(user=team.sender, email_delay_minutes=0)

    # when
    message = make_message(group=team.group, sender=team.member, body="@all ship it")
    notify_everyone.call(message.id)

    # then: two jobs (5 min: owner and admin; now: sender), and each mails its users once
    jobs = _scheduled()
    assert sorted(len(job.args_kwargs["args"][0]) for job in jobs) == [1, 2]
    for job in jobs:
        send_emails.call(*job.args_kwargs["args"])
    assert sorted(m["To"] for m in smtp.messages) == [
        "admin@example.com",
        "owner@example.com",
        "sender@example.com",
    ]
