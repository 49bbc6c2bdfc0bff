"""The notifications' background jobs (run by `manage.py worker`): `@all`, e-mail, and Web
Push (the daily digest's are in digests.py)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from messaging.models import Message

from . import emails, push, services
from .models import Notification, Preferences, PushSubscription

logger = logging.getLogger(__name__)


@task()
def notify_everyone(message_id: int) -> int:
    """`@all`: notify every member the message concerns, in bulk; how many were new. Run
    again (a retry, a lost worker), it notifies nobody twice."""
    message = (
        Message.objects.select_related("sender")
        .filter(pk=message_id, deleted=False, mentions_all=True)
        .first()
    )
    if message is None:  # deleted, or edited to say @all no more, before the job ran
        return 0
    kind = Notification.Kind.MENTION
    with transaction.atomic():
        made = notify(message, dict.fromkeys(services.members_to_notify_of_all(message), kind))
    return len(made)


def notify(message: Message, kinds: Mapping[int, str]) -> list[int]:
    """Notify these users (id -> kind) of the message, and schedule what goes out of the site
    for them (e-mail, push): the users notified now."""
    made = services.create(message, kinds)
    schedule_emails(made)
    schedule_pushes(message.id, made)
    return made


EMAILS_PER_JOB = 500


def schedule_emails(user_ids: Iterable[int]) -> int:
    """Schedule the e-mails of these users who want e-mail and have an address, at their
    delay from now: one job per delay and EMAILS_PER_JOB users (an `@all` to a thousand
    members costs two or three jobs, not a thousand). One query, and one insert per job;
    returns how many users."""
    user_ids = list(user_ids)
    if not user_ids:
        return 0
    rows = (
        User.objects.filter(id__in=user_ids)
        .exclude(email="")
        .exclude(notification_preferences__email=Preferences.Email.OFF)
        .values_list("id", "notification_preferences__email_delay_minutes")
    )
    default_delay = Preferences._meta.get_field("email_delay_minutes").get_default()
    by_delay: dict[int, list[int]] = defaultdict(list)
    for user_id, delay in rows:
        by_delay[default_delay if delay is None else delay].append(user_id)
    now = timezone.now()
    for minutes, users in by_delay.items():
        job = send_emails.using(run_after=now + timedelta(minutes=minutes))
        for start in range(0, len(users), EMAILS_PER_JOB):
            job.enqueue(users[start : start + EMAILS_PER_JOB])
    return sum(len(users) for users in by_delay.values())


@task()
def send_emails(user_ids: list[int]) -> int:
    """Mail each of these users what waits for them, one e-mail each; how many notifications
    went out. Each user's e-mail commits on its own: a retry after a refusal mails only those
    not mailed yet."""
    return sum(send_email_to(user_id) for user_id in user_ids)


def send_email_to(user_id: int) -> int:
    """The user's e-mail of everything waiting (or, during do not disturb, a job at its end)."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    preferences = services.preferences_of(user)
    if preferences.email == Preferences.Email.OFF:
        return 0
    now = timezone.now()
    if preferences.dnd_until is not None and preferences.dnd_until > now:
        send_emails.using(run_after=preferences.dnd_until).enqueue([user_id])
        return 0
    with transaction.atomic():
        waiting = emails.pending(user_id)
        if not waiting:
            return 0
        emails.build(user, waiting).send()  # raises if the server refuses: all rolls back
        Notification.objects.filter(id__in=[n.id for n in waiting]).update(emailed_at=now)
    logger.info("notifications: mailed %d to user %d", len(waiting), user_id)
    return len(waiting)


def schedule_pushes(message_id: int, user_ids: Iterable[int]) -> bool:
    """Schedule the Web Push of these users' notifications of the message: one job, if any of
    them has a browser subscribed and push on (one query)."""
    user_ids = list(user_ids)
    if not user_ids or not push.configured():
        return False
    subscribed = list(
        PushSubscription.objects.filter(user_id__in=user_ids)
        .exclude(user__notification_preferences__push=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    if subscribed:
        send_pushes.enqueue(message_id, subscribed)
    return bool(subscribed)


@task()
def send_pushes(message_id: int, user_ids: list[int]) -> int:
    """Push each of these users' notification of the message to their browsers, once; how many
    notifications went out. Do not disturb moves a user's push to its end, if still unread."""
    pushed = 0
    now = timezone.now()
    for notification in Notification.objects.filter(
        message_id=message_id, user_id__in=user_ids, pushed_at__isnull=True, read=False
    ).select_related("message__sender", "user"):
        preferences = services.preferences_of(notification.user)
        if not preferences.push:
            continue
        if preferences.dnd_until is not None and preferences.dnd_until > now:
            send_pushes.using(run_after=preferences.dnd_until).enqueue(
                message_id, [notification.user_id]
            )
            continue
        with transaction.atomic():
            locked = Notification.objects.select_for_update().filter(
                pk=notification.pk, pushed_at__isnull=True
            )
            if not locked.exists():
                continue  # another run pushed it meanwhile
            data = push.payload(notification)
            for subscription in PushSubscription.objects.filter(user_id=notification.user_id):
                push.send(subscription, data)  # raises PushRefused: this one rolls back
            locked.update(pushed_at=now)
        pushed += 1
    return pushed
