"""The notifications' background jobs (run by `manage.py worker`): `@all`, and e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from messaging.models import Message

from . import emails, services
from .models import Notification, Preferences

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
        made = services.create(
            message, dict.fromkeys(services.members_to_notify_of_all(message), kind)
        )
        schedule_emails(made)
    return len(made)


def schedule_emails(user_ids: Iterable[int]) -> int:
    """Schedule the e-mail job of each of these users who wants e-mail and has an address, at
    their delay from now; how many were scheduled. One query, and one insert per job."""
    user_ids = list(user_ids)
    if not user_ids:
        return 0
    rows = (
        User.objects.filter(id__in=user_ids)
        .exclude(email="")
        .exclude(notification_preferences__email=Preferences.Email.OFF)
        .values_list("id", "notification_preferences__email_delay_minutes")
    )
    now = timezone.now()
    default_delay = Preferences._meta.get_field("email_delay_minutes").get_default()
    scheduled = 0
    for user_id, delay in rows:
        minutes = default_delay if delay is None else delay
        send_email.using(run_after=now + timedelta(minutes=minutes)).enqueue(user_id)
        scheduled += 1
    return scheduled


@task()
def send_email(user_id: int) -> int:
    """Mail the user what waits for them, in one e-mail; how many notifications it held."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    preferences = services.preferences_of(user)
    if preferences.email == Preferences.Email.OFF:
        return 0
    now = timezone.now()
    if preferences.dnd_until is not None and preferences.dnd_until > now:
        send_email.using(run_after=preferences.dnd_until).enqueue(user_id)
        return 0
    with transaction.atomic():
        waiting = emails.pending(user_id)
        if not waiting:
            return 0
        emails.build(user, waiting).send()  # raises if the server refuses: all rolls back
        Notification.objects.filter(id__in=[n.id for n in waiting]).update(emailed_at=now)
    logger.info("notifications: mailed %d to user %d", len(waiting), user_id)
    return len(waiting)
