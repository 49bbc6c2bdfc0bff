"""Reads of notifications, for the caller only: their list, newest first, a page at a time."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from messaging.models import Message
from messaging.payloads import payloads_of

from .models import Notification
from .payloads import notification_payload


def notification_page(
    *, user: User, before: int | None = None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """The user's newest `limit` notifications (with an id below `before`), and whether more
    lie beyond. A fixed number of queries: the notifications, their messages (with senders),
    and those messages' reactions when any has some."""
    query = Notification.objects.filter(user=user).order_by("-id")
    if before is not None:
        query = query.filter(id__lt=before)
    rows = list(query[: limit + 1])
    page = rows[:limit]
    messages = {
        payload["id"]: payload
        for payload in payloads_of(Message.objects.filter(id__in=[n.message_id for n in page]))
    }
    return [notification_payload(n, messages[n.message_id]) for n in page], len(rows) > limit
