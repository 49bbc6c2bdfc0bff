"""Reads of groups and memberships. `get_group_for_viewer` fetches and authorizes in one place for
every front door: a caller who may not see a group gets the same 404 as for a missing one."""

from __future__ import annotations

from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from core.ids import is_valid_id

from .models import Group, Membership
from .permissions import can_view

NOT_FOUND = "Not found."
NOT_A_MEMBER = "Join this group first."
PUBLIC_PAGE_DEFAULT = 50
PUBLIC_PAGE_MAX = 100


def get_membership(*, user: User, group_id: int) -> Membership | None:
    if not is_valid_id(group_id):
        return None
    return Membership.objects.select_related("group").filter(user=user, group_id=group_id).first()


def get_group_for_viewer(*, user: User, group_id: int) -> tuple[Group, Membership | None]:
    """The group and the caller's membership (None for a non-member of a public group).

    Raises Http404 for a missing group and for one the caller may not see, with the same text.
    """
    membership = get_membership(user=user, group_id=group_id)
    if membership is not None:
        return membership.group, membership
    return _group_for_non_member(group_id), None


def get_group_for_member(*, user: User, group_id: int) -> tuple[Group, Membership]:
    """Like `get_group_for_viewer`, for actions only members may take on groups they can see.

    A non-member of a public group gets PermissionDenied (403): they can see it, not act in it.
    """
    membership = get_membership(user=user, group_id=group_id)
    if membership is None:
        refuse_non_member(group_id)
    return membership.group, membership


def refuse_non_member(group_id: int) -> NoReturn:
    """The answer to a caller who is not a member of the group and wants to act in it: the
    404 of a missing group when they may not see it, else 403."""
    _group_for_non_member(group_id)
    raise PermissionDenied(NOT_A_MEMBER)


def _group_for_non_member(group_id: int) -> Group:
    """The group as a non-member sees it: Http404 (as for a missing one) if they may not."""
    group = Group.objects.filter(pk=group_id).first() if is_valid_id(group_id) else None
    if group is None or not can_view(group, None):
        raise Http404(NOT_FOUND)
    return group


def groups_for_user(*, user: User) -> QuerySet[Group]:
    """The user's groups, most recent activity first."""
    return Group.objects.filter(memberships__user=user).order_by("-last_activity_at", "-id")


def public_groups() -> QuerySet[Group]:
    """Public named groups, joined or not, most recent activity first."""
    return Group.objects.filter(is_public=True, kind=Group.Kind.GROUP).order_by(
        "-last_activity_at", "-id"
    )


def public_groups_page(
    *, after: int | None = None, limit: int = PUBLIC_PAGE_DEFAULT, search: str = ""
) -> tuple[list[Group], bool]:
    """A page of public named groups ascending by id (keyset: one query, never OFFSET), whose
    name contains `search` in any case; and whether more lie beyond."""
    groups = Group.objects.filter(is_public=True, kind=Group.Kind.GROUP)
    if after:
        groups = groups.filter(id__gt=after)
    if search:
        groups = groups.filter(name__icontains=search)
    page = list(groups.order_by("id")[: limit + 1])
    return page[:limit], len(page) > limit


def group_members(*, group: Group) -> QuerySet[Membership]:
    return Membership.objects.filter(group=group).select_related("user").order_by("id")


def members_named_like(*, user: User, group_id: int, prefix: str, limit: int) -> list[Membership]:
    """The group's members whose username or display name starts with `prefix` (any case),
    by username, for mention autocomplete: one query, which also checks that the caller is a
    member. When it finds nobody, the group is looked at again, so that a caller who is not a
    member gets the 404 or 403 any members' endpoint gives."""
    if not is_valid_id(group_id):
        raise Http404(NOT_FOUND)
    found = list(
        Membership.objects.filter(group_id=group_id, group__memberships__user=user)
        .filter(Q(user__username__istartswith=prefix) | Q(user__display_name__istartswith=prefix))
        .select_related("user")
        .order_by("user__username")[:limit]
    )
    if not found:
        get_group_for_member(user=user, group_id=group_id)
    return found


def get_member(*, group: Group, user_id: int) -> Membership:
    """One member of the group, with the user; Http404 when that user is not a member."""
    membership = (
        group_members(group=group).filter(user_id=user_id).first() if is_valid_id(user_id) else None
    )
    if membership is None:
        raise Http404(NOT_FOUND)
    return membership


def member_ids(group_id: int) -> list[int]:
    return list(Membership.objects.filter(group_id=group_id).values_list("user_id", flat=True))
