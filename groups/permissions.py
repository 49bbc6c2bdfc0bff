"""Who may do what in a group, from the caller's membership (None for a non-member)."""

from __future__ import annotations

from .models import Group, Membership

Role = Membership.Role
ROLE_RANK: dict[str, int] = {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def can_view(group: Group, membership: Membership | None) -> bool:
    """Members see their groups; anyone signed in sees a public named group."""
    return membership is not None or (group.is_public and group.kind == Group.Kind.GROUP)


def can_manage(membership: Membership | None) -> bool:
    """Rename, describe, change visibility, add and remove members."""
    return membership is not None and membership.role in (Role.OWNER, Role.ADMIN)


def is_owner(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.OWNER


def can_moderate_message(membership: Membership | None) -> bool:
    """Delete other people's messages."""
    return can_manage(membership)
