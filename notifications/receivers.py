"""What the notifications do when messaging stores a message (its signals, connected in
apps.py), inside the send's or edit's transaction.

Who is notified (the contract): the members a message names, but not its sender; in a direct
conversation, the other person, for every message; for `@all`, every member but the sender
and those who muted the group, by a job (`tasks.notify_everyone`): a 1,000-member group costs
the send one enqueued job, not a thousand rows. An edit notifies the names it adds and
withdraws the unread notifications of the names it removes; a delete withdraws the message's
unread notifications.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from groups.models import Group, Membership
from messaging.models import Message

from . import services
from .models import Notification
from .tasks import notify, notify_everyone


def message_stored(
    sender: object,
    *,
    message: Message,
    created: bool,
    group_kind: str | None,
    mentioned_before: list[int],
    all_before: bool,
    **kwargs: Any,
) -> None:
    """messaging's `message_stored` receiver."""
    with transaction.atomic():
        unread = Notification.objects.filter(message=message, read=False)
        if message.deleted:
            unread.delete()
            return
        named = set(message.mentions) - {message.sender_id}
        if created:
            kinds = dict.fromkeys(named, Notification.Kind.MENTION)
            if group_kind == Group.Kind.DIRECT:
                peers = Membership.objects.filter(group_id=message.group_id).exclude(
                    user_id=message.sender_id
                )
                kinds.update(
                    dict.fromkeys(peers.values_list("user_id", flat=True), Notification.Kind.DIRECT)
                )
        else:
            if not message.mentions_all:  # nobody is mentioned but by name now
                unread.filter(kind=Notification.Kind.MENTION).exclude(user_id__in=named).delete()
            kinds = dict.fromkeys(named - set(mentioned_before), Notification.Kind.MENTION)
        notify(message, kinds)
        if message.mentions_all and (created or not all_before):
            notify_everyone.enqueue(message.id)


def group_read(sender: object, *, user_id: int, group_id: int, up_to: int, **kwargs: Any) -> None:
    """messaging's `read_up_to` receiver: reading the group reads its notifications."""
    services.read_in_group(user_id=user_id, group_id=group_id, up_to=up_to)
