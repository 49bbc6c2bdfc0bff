"""The contract's `notification`: `{id, kind, message, group, created_at, read}`, with the
message as its recipient sees it; and the notification preferences' shape."""

from __future__ import annotations

from typing import Any

from messaging.payloads import for_viewer, iso

from .models import Notification, Preferences


def notification_payload(notification: Notification, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "message": for_viewer(message, notification.user_id),
        "group": notification.group_id,
        "created_at": iso(notification.created_at),
        "read": notification.read,
    }


def preferences_payload(preferences: Preferences) -> dict[str, Any]:
    return {
        "email": preferences.email,
        "email_delay_minutes": preferences.email_delay_minutes,
        "push": preferences.push,
        "dnd_until": iso(preferences.dnd_until),
    }
