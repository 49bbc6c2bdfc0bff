"""A user as every payload carries it: `{id, username, display_name}`."""

from __future__ import annotations

from typing import Any

from .models import User


def user_fields(id_: int, username: str, display_name: str) -> dict[str, Any]:
    """The payload from the columns, for readers that read rows rather than models."""
    return {"id": id_, "username": username, "display_name": display_name}


def user_payload(user: User) -> dict[str, Any]:
    return user_fields(user.id, user.username, user.display_name)
