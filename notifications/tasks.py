"""The notifications' background jobs (run by `manage.py worker`)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from messaging.models import Message

from . import services
from .models import Notification


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
        return services.create(
            message, dict.fromkeys(services.members_to_notify_of_all(message), kind)
        )
