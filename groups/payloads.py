"""The contract's `member` as a plain JSON-safe dict. (The `group` payload carries the viewer's
unread count and last message: messaging.conversations builds it.)"""

from __future__ import annotations

from typing import Any

from accounts.payloads import user_payload

from .models import Membership


def member_payload(membership: Membership) -> dict[str, Any]:
    """`{user, role, joined_at}`; needs `user` select_related."""
    return {
        "user": user_payload(membership.user),
        "role": membership.role,
        "joined_at": membership.joined_at.isoformat().replace("+00:00", "Z"),
    }
