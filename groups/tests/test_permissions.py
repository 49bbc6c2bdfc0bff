"""groups.permissions: who may do what in a group, from the caller's membership (None for a
non-member). Pure functions of unsaved models: no database."""

import pytest

from groups.models import Group, Membership
from groups.permissions import (
    ROLE_RANK,
    can_manage,
    can_moderate_message,
    can_view,
    is_owner,
)

Role = Membership.Role
ROLES = [Role.OWNER, Role.ADMIN, Role.MEMBER]


def membership(role: str | None) -> Membership | None:
    return None if role is None else Membership(role=role)


# --- can_view ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "group",
    [
        Group(kind=Group.Kind.GROUP, is_public=False),
        Group(kind=Group.Kind.GROUP, is_public=True),
        Group(kind=Group.Kind.DIRECT, is_public=False),
    ],
    ids=["private", "public", "direct"],
)
def test_members_see_their_groups_whatever_they_are(group, role):
    assert can_view(group, membership(role)) is True


@pytest.mark.parametrize(
    ("group", "visible"),
    [
        (Group(kind=Group.Kind.GROUP, is_public=True), True),
        (Group(kind=Group.Kind.GROUP, is_public=False), False),
        (Group(kind=Group.Kind.DIRECT, is_public=False), False),
        # a direct conversation is never public, whatever its flag says
        (Group(kind=Group.Kind.DIRECT, is_public=True), False),
    ],
    ids=["public", "private", "direct", "direct-flagged-public"],
)
def test_a_non_member_sees_only_public_named_groups(group, visible):
    assert can_view(group, None) is visible


# --- can_manage, can_moderate_message, is_owner -----------------------------------------------


@pytest.mark.parametrize(
    ("role", "manages"),
    [(Role.OWNER, True), (Role.ADMIN, True), (Role.MEMBER, False), (None, False)],
)
def test_owners_and_admins_manage_the_group_and_moderate_its_messages(role, manages):
    # given
    caller = membership(role)

    # then
    assert can_manage(caller) is manages
    assert can_moderate_message(caller) is manages


@pytest.mark.parametrize(
    ("role", "owner"),
    [(Role.OWNER, True), (Role.ADMIN, False), (Role.MEMBER, False), (None, False)],
)
def test_only_an_owner_is_an_owner(role, owner):
    assert is_owner(membership(role)) is owner


def test_roles_rank_member_below_admin_below_owner():
    assert sorted(ROLE_RANK, key=ROLE_RANK.get) == [Role.MEMBER, Role.ADMIN, Role.OWNER]
    assert set(ROLE_RANK) == set(Role)
