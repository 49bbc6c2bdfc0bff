"""Writes on groups and memberships. Each takes the acting user, checks permissions inside the
transaction, publishes after commit through chat.events, and returns models.

The caller has already fetched the group through `groups.selectors.get_group_for_viewer`, so a
group the actor may not see never reaches these functions (that is a 404 at the front door);
here an insufficient role is PermissionDenied (403) and invalid input ValidationError (400).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from core import events

from .models import Group, Membership
from .permissions import ROLE_RANK, can_manage, is_owner

Role = Membership.Role

NAME_REQUIRED = "A group needs a name."
NAME_TOO_LONG = "A group name has at most 100 characters."
DESCRIPTION_TOO_LONG = "A description has at most 2000 characters."
NOT_ALLOWED = "Your role in this group does not allow that."
NOT_PUBLIC = "Only public groups can be joined."
ALREADY_MEMBER = "That user is already a member."
NOT_A_MEMBER = "That user is not a member of this group."
LAST_OWNER = "You are the last owner: make someone else owner first."
DIRECT_IS_FIXED = "A direct conversation's members cannot change."
ONLY_OWNERS_DECIDE_ALL = "Only an owner decides who may use @all."
MENTION_ALL_BY_INVALID = "mention_all_by is members or admins."
ROLE_ABOVE_OWN = "You cannot give a role above your own."
UNKNOWN_ROLE = "Unknown role."
USER_INACTIVE = "That user cannot be added."

DIRECT_NAME_MAX_LENGTH = Group._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": NAME_REQUIRED})
    if len(name) > 100:
        raise ValidationError({"name": NAME_TOO_LONG})
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationError({"description": DESCRIPTION_TOO_LONG})
    return description


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise ValidationError({"role": UNKNOWN_ROLE})
    return role


def _actor_membership(*, actor: User, group: Group) -> Membership | None:
    return Membership.objects.filter(user=actor, group=group).first()


def _lock_owner_ids(group: Group) -> list[int]:
    """The user ids of the group's owners, their rows locked (in id order, so two callers cannot
    deadlock) until the transaction ends: two owners leaving or demoting each other at once
    cannot leave the group without an owner."""
    return list(
        Membership.objects.select_for_update()
        .filter(group=group, role=Role.OWNER)
        .order_by("id")
        .values_list("user_id", flat=True)
    )


def _add_member(*, group: Group, user: User, role: str) -> Membership:
    membership = Membership.objects.create(group=group, user=user, role=role)
    events.group_added_on_commit(group_id=group.id, user_id=user.id)
    return membership


# --- Groups -----------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *, creator: User, name: str, description: str = "", is_public: bool = False
) -> Group:
    group = Group.objects.create(
        name=_clean_name(name),
        description=_clean_description(description),
        is_public=bool(is_public),
        created_by=creator,
    )
    _add_member(group=group, user=creator, role=Role.OWNER)
    return group


@transaction.atomic
def group_update(
    *,
    actor: User,
    group: Group,
    name: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
    mention_all_by: str | None = None,
) -> Group:
    membership = _actor_membership(actor=actor, group=group)
    if group.kind == Group.Kind.DIRECT or not can_manage(membership):
        raise PermissionDenied(NOT_ALLOWED)
    if mention_all_by is not None:
        if not is_owner(membership):
            raise PermissionDenied(ONLY_OWNERS_DECIDE_ALL)
        if mention_all_by not in Group.MentionAllBy.values:
            raise ValidationError({"mention_all_by": MENTION_ALL_BY_INVALID})
        group.mention_all_by = mention_all_by
    if name is not None:
        group.name = _clean_name(name)
    if description is not None:
        group.description = _clean_description(description)
    if is_public is not None:
        group.is_public = bool(is_public)
    group.save(update_fields=["name", "description", "is_public", "mention_all_by", "updated_at"])
    return group


@transaction.atomic
def group_delete(*, actor: User, group: Group) -> None:
    """Owners delete a group; its messages go with it and every member's sockets let go of it."""
    if group.kind == Group.Kind.DIRECT or not is_owner(_actor_membership(actor=actor, group=group)):
        raise PermissionDenied(NOT_ALLOWED)
    user_ids = list(group.memberships.values_list("user_id", flat=True))
    events.group_removed_on_commit(group_id=group.id, user_ids=user_ids)
    group.delete()


@transaction.atomic
def group_join(*, user: User, group: Group) -> tuple[Membership, bool]:
    """Join a public group; joining again is not an error. Returns (membership, created)."""
    existing = _actor_membership(actor=user, group=group)
    if existing is not None:
        return existing, False
    if not group.is_public or group.kind != Group.Kind.GROUP:
        raise PermissionDenied(NOT_PUBLIC)
    try:
        with transaction.atomic():
            return _add_member(group=group, user=user, role=Role.MEMBER), True
    except IntegrityError:  # a concurrent join won the race
        return Membership.objects.get(user=user, group=group), False


@transaction.atomic
def group_leave(*, user: User, group: Group) -> None:
    membership = _actor_membership(actor=user, group=group)
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if group.kind == Group.Kind.DIRECT:
        raise ValidationError(DIRECT_IS_FIXED)
    owner_ids = _lock_owner_ids(group)
    if owner_ids == [user.id]:
        raise ValidationError(LAST_OWNER)
    membership.delete()
    events.group_removed_on_commit(group_id=group.id, user_ids=[user.id])


# --- Members ----------------------------------------------------------------------------------


@transaction.atomic
def membership_add(*, actor: User, group: Group, user: User, role: str = Role.MEMBER) -> Membership:
    actor_membership = _actor_membership(actor=actor, group=group)
    if (
        group.kind == Group.Kind.DIRECT
        or actor_membership is None
        or not can_manage(actor_membership)
    ):
        raise PermissionDenied(NOT_ALLOWED)
    role = _clean_role(role)
    if ROLE_RANK[role] > ROLE_RANK[actor_membership.role]:
        raise PermissionDenied(ROLE_ABOVE_OWN)
    if not user.is_active:
        raise ValidationError({"user_id": USER_INACTIVE})
    try:
        with transaction.atomic():
            return _add_member(group=group, user=user, role=role)
    except IntegrityError:
        raise ValidationError({"user_id": ALREADY_MEMBER}) from None


@transaction.atomic
def membership_set_role(*, actor: User, group: Group, user: User, role: str) -> Membership:
    owner_ids = _lock_owner_ids(group)
    if actor.id not in owner_ids:
        raise PermissionDenied(NOT_ALLOWED)
    role = _clean_role(role)
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is None:
        raise ValidationError({"user_id": NOT_A_MEMBER})
    if role != Role.OWNER and owner_ids == [user.id]:
        raise ValidationError({"role": LAST_OWNER})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, group: Group, user: User) -> None:
    """Owners and admins remove members; nobody removes an owner (owners leave themselves)."""
    if group.kind == Group.Kind.DIRECT or not can_manage(
        _actor_membership(actor=actor, group=group)
    ):
        raise PermissionDenied(NOT_ALLOWED)
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is None:
        raise ValidationError({"user_id": NOT_A_MEMBER})
    if membership.role == Role.OWNER:
        raise PermissionDenied(NOT_ALLOWED)
    membership.delete()
    events.group_removed_on_commit(group_id=group.id, user_ids=[user.id])


# --- Direct conversations -------------------------------------------------------------------


def membership_set_muted(*, membership: Membership, muted: bool) -> Membership:
    """The member's own choice: `@all` in this group notifies them, or not."""
    membership.muted = muted
    membership.save(update_fields=["muted"])
    return membership


def direct_get_or_create(*, user: User, other: User) -> tuple[Group, bool]:
    """The one direct conversation of a pair (a user alone: notes to self). Race-safe: the pair's
    key is unique, so of two concurrent calls one creates and the other finds it."""
    if not other.is_active:
        raise ValidationError({"user_id": USER_INACTIVE})
    low, high = sorted((user.id, other.id))
    key = f"{low}:{high}"
    existing = Group.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            group = Group.objects.create(
                name=f"{user.username}, {other.username}"[:DIRECT_NAME_MAX_LENGTH],
                kind=Group.Kind.DIRECT,
                direct_key=key,
                created_by=user,
            )
            for member in {user.id: user, other.id: other}.values():
                _add_member(group=group, user=member, role=Role.MEMBER)
            return group, True
    except IntegrityError:
        return Group.objects.get(direct_key=key), False
