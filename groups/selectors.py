"""Reads of groups and memberships. `get_group_for_viewer` fetches and authorizes in one place for
every front door: a caller who may not see a group gets the same 404 as for a missing one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Group, Membership
from .permissions import can_view

NOT_FOUND = "Not found."
NOT_A_MEMBER = "Join this group first."


def get_membership(*, user, group_id: int) -> Membership | None:
    return Membership.objects.select_related("group").filter(user=user, group_id=group_id).first()


def get_group_for_viewer(*, user, group_id: int) -> tuple[Group, Membership | None]:
    """The group and the caller's membership (None for a non-member of a public group).

    Raises Http404 for a missing group and for one the caller may not see, with the same text.
    """
    membership = get_membership(user=user, group_id=group_id)
    if membership is not None:
        return membership.group, membership
    group = Group.objects.filter(pk=group_id).first()
    if group is None or not can_view(group, None):
        raise Http404(NOT_FOUND)
    return group, None


def get_group_for_member(*, user, group_id: int) -> tuple[Group, Membership]:
    """Like `get_group_for_viewer`, for actions only members may take on groups they can see.

    A non-member of a public group gets PermissionDenied (403): they can see it, not act in it.
    """
    group, membership = get_group_for_viewer(user=user, group_id=group_id)
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    return group, membership


def member_ids(group_id: int) -> list[int]:
    return list(Membership.objects.filter(group_id=group_id).values_list("user_id", flat=True))


def group_ids_for_user(user_id: int) -> list[int]:
    return list(Membership.objects.filter(user_id=user_id).values_list("group_id", flat=True))
