"""Writes of notifications: made for the users a stored message concerns (receivers.py says
who), read with the group's read marker or on their own; and the preferences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from core import events
from core.ids import is_valid_id
from groups.models import Membership
from messaging.models import Message
from messaging.payloads import message_payload

from . import digests, push
from .models import Notification, Preferences, PushSubscription
from .payloads import notification_payload

BATCH = 1000  # notifications written and read back per query
UP_TO_INVALID = "up_to is the id of a notification."


def create(message: Message, kinds: Mapping[int, str]) -> list[int]:
    """Notify these users (id -> kind) of the message, each once whatever came before, and
    publish a `notification.new` to each after commit. The message's sender must be loaded.
    Returns the users notified now. A fixed number of queries per BATCH users."""
    user_ids = list(kinds)
    made: list[int] = []
    payload: dict[str, Any] | None = None
    for start in range(0, len(user_ids), BATCH):
        batch = user_ids[start : start + BATCH]
        known = set(
            Notification.objects.filter(message=message, user_id__in=batch).values_list(
                "user_id", flat=True
            )
        )
        new = [user_id for user_id in batch if user_id not in known]
        if not new:
            continue
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=user_id, message=message, group_id=message.group_id, kind=kinds[user_id]
                )
                for user_id in new
            ],
            ignore_conflicts=True,  # a concurrent writer made one meanwhile: it stands
        )
        payload = payload or message_payload(message)
        created = list(Notification.objects.filter(message=message, user_id__in=new))
        events.notifications_new_on_commit(
            [(n.user_id, notification_payload(n, payload)) for n in created]
        )
        made.extend(n.user_id for n in created)
    return made


def read_in_group(*, user_id: int, group_id: int, up_to: int) -> None:
    """The user read the group up to a message: its notifications up to there are read."""
    Notification.objects.filter(
        user_id=user_id, group_id=group_id, message_id__lte=up_to, read=False
    ).update(read=True)


def mark_read(*, user: User, up_to: object) -> int:
    """Every notification of the user with an id up to `up_to` is read; how many changed."""
    if isinstance(up_to, bool) or not isinstance(up_to, int) or not is_valid_id(up_to):
        raise ValidationError({"up_to": UP_TO_INVALID})
    return Notification.objects.filter(user=user, id__lte=up_to, read=False).update(read=True)


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).update(read=True)


def preferences_of(user: User) -> Preferences:
    """The user's preferences; the defaults (not saved) for a user who never changed them."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


def preferences_update(*, user: User, changes: Mapping[str, Any]) -> Preferences:
    with transaction.atomic():
        preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
        for field, value in changes.items():
            setattr(preferences, field, value)
        preferences.full_clean()
        digests.follow(preferences)
        preferences.save()
    return preferences


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read=False).count()


def members_to_notify_of_all(message: Message) -> Iterable[int]:
    """Who `@all` notifies: every member but the sender and those who muted the group."""
    return (
        Membership.objects.filter(group_id=message.group_id, muted=False)
        .exclude(user_id=message.sender_id)
        .values_list("user_id", flat=True)
    )


def push_subscribe(*, user: User, endpoint: str, p256dh: str, auth: str) -> bool:
    """Keep a browser's subscription for the user; True when the endpoint is new. An endpoint
    is one browser's: subscribed again (by whoever signs in there now), it is theirs."""
    push.clean_subscription(endpoint, p256dh, auth)
    _, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return created


def push_unsubscribe(*, user: User, endpoint: str) -> None:
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
