"""groups.services: each write's happy path, its refusals, what it publishes after commit, and
the races it must win on PostgreSQL."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from groups import services
from groups.models import Group, Membership
from groups.services import (
    ALREADY_MEMBER,
    DESCRIPTION_TOO_LONG,
    DIRECT_IS_FIXED,
    LAST_OWNER,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    NOT_A_MEMBER,
    NOT_ALLOWED,
    NOT_PUBLIC,
    ROLE_ABOVE_OWN,
    UNKNOWN_ROLE,
    USER_INACTIVE,
)
from messaging.models import Message

pytestmark = pytest.mark.django_db

Role = Membership.Role
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time: the race needs PostgreSQL's row locks",
)


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


def roles(group: Group) -> dict[str, str]:
    return dict(group.memberships.values_list("user__username", "role"))


def refused(exception: type[Exception], call, **kwargs) -> Exception:
    with pytest.raises(exception) as raised:
        call(**kwargs)
    return raised.value


# --- group_create -----------------------------------------------------------------------------


def test_group_create_makes_the_creator_its_owner(make_user, django_capture_on_commit_callbacks):
    # given
    creator = make_user("olivia")

    # when
    with django_capture_on_commit_callbacks() as published:
        group = services.group_create(
            creator=creator, name="  Platform  ", description=" infra ", is_public=True
        )

    # then
    assert (group.name, group.description, group.is_public) == ("Platform", "infra", True)
    assert (group.kind, group.created_by) == (Group.Kind.GROUP, creator)
    assert roles(group) == {"olivia": Role.OWNER}
    assert len(published) == 1  # group.added to the creator's sockets


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": ""}, {"name": [NAME_REQUIRED]}),
        ({"name": " \n "}, {"name": [NAME_REQUIRED]}),
        ({"name": "x" * 101}, {"name": [NAME_TOO_LONG]}),
        ({"name": "ok", "description": "x" * 2001}, {"description": [DESCRIPTION_TOO_LONG]}),
    ],
)
def test_group_create_refuses_bad_names_and_descriptions(make_user, fields, error):
    # when
    raised = refused(ValidationError, services.group_create, creator=make_user(), **fields)

    # then
    assert raised.message_dict == error
    assert not Group.objects.exists()


def test_group_create_takes_the_longest_name_and_description(make_user):
    # when
    group = services.group_create(creator=make_user(), name="n" * 100, description="d" * 2000)

    # then
    assert (len(group.name), len(group.description)) == (100, 2000)


def test_group_create_publishes_nothing_when_the_transaction_rolls_back(
    make_user, django_capture_on_commit_callbacks
):
    # given
    creator = make_user()

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as published,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        services.group_create(creator=creator, name="Gone")
        raise Rollback

    # then
    assert published == []
    assert not Group.objects.exists()


# --- group_update -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_group_update_lets_owners_and_admins_change_what_they_give(make_cast, role):
    # given
    cast = make_cast()

    # when
    group = services.group_update(actor=getattr(cast, role), group=cast.group, name=" Renamed ")

    # then
    group.refresh_from_db()
    assert (group.name, group.description, group.is_public) == ("Renamed", "", False)


def test_group_update_changes_description_and_visibility(make_cast):
    # given
    cast = make_cast()

    # when
    services.group_update(actor=cast.owner, group=cast.group, description="new", is_public=True)

    # then
    cast.group.refresh_from_db()
    assert (cast.group.name, cast.group.description, cast.group.is_public) == ("Team", "new", True)


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_group_update_refuses_members_and_outsiders(make_cast, who):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(
        PermissionDenied,
        services.group_update,
        actor=getattr(cast, who),
        group=cast.group,
        name="Mine",
    )

    # then
    assert str(raised) == NOT_ALLOWED
    cast.group.refresh_from_db()
    assert cast.group.name == "Team"


def test_group_update_refuses_a_bad_name(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError, services.group_update, actor=cast.owner, group=cast.group, name=" "
    )

    # then
    assert raised.message_dict == {"name": [NAME_REQUIRED]}


def test_group_update_refuses_a_direct_conversation(make_user):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=bob)

    # when
    raised = refused(
        PermissionDenied, services.group_update, actor=alice, group=direct, name="Ours"
    )

    # then
    assert str(raised) == NOT_ALLOWED


# --- group_delete -----------------------------------------------------------------------------


def test_group_delete_takes_the_messages_along_and_tells_every_member(
    make_cast, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()
    group_id = cast.group.id

    # when
    with django_capture_on_commit_callbacks() as published:
        services.group_delete(actor=cast.owner, group=cast.group)

    # then
    assert not Group.objects.filter(pk=group_id).exists()
    assert not Message.objects.filter(group_id=group_id).exists()
    assert not Membership.objects.filter(group_id=group_id).exists()
    assert len(published) == 4  # group.removed to each of the four members


@pytest.mark.parametrize("who", ["admin", "member", "outsider"])
def test_group_delete_is_for_owners_only(make_cast, who, django_capture_on_commit_callbacks):
    # given
    cast = make_cast(is_public=True)

    # when
    with django_capture_on_commit_callbacks() as published:
        raised = refused(
            PermissionDenied, services.group_delete, actor=getattr(cast, who), group=cast.group
        )

    # then
    assert str(raised) == NOT_ALLOWED
    assert Group.objects.filter(pk=cast.group.id).exists()
    assert published == []


def test_group_delete_refuses_a_direct_conversation(make_user):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=bob)

    # when
    raised = refused(PermissionDenied, services.group_delete, actor=alice, group=direct)

    # then
    assert str(raised) == NOT_ALLOWED


# --- group_join -------------------------------------------------------------------------------


def test_group_join_makes_a_member_of_a_public_group(make_cast, django_capture_on_commit_callbacks):
    # given
    cast = make_cast(is_public=True)

    # when
    with django_capture_on_commit_callbacks() as published:
        membership, created = services.group_join(user=cast.outsider, group=cast.group)

    # then
    assert created
    assert (membership.user, membership.role) == (cast.outsider, Role.MEMBER)
    assert len(published) == 1  # group.added


def test_group_join_again_changes_nothing(make_cast, django_capture_on_commit_callbacks):
    # given
    cast = make_cast(is_public=True)

    # when
    with django_capture_on_commit_callbacks() as published:
        membership, created = services.group_join(user=cast.admin, group=cast.group)

    # then
    assert not created
    assert membership.role == Role.ADMIN
    assert published == []


def test_group_join_refuses_a_private_group(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(PermissionDenied, services.group_join, user=cast.outsider, group=cast.group)

    # then
    assert str(raised) == NOT_PUBLIC
    assert not cast.group.memberships.filter(user=cast.outsider).exists()


def test_group_join_refuses_a_direct_conversation(make_user):
    # given
    alice, bob, carol = make_user(), make_user(), make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=bob)

    # when
    raised = refused(PermissionDenied, services.group_join, user=carol, group=direct)

    # then
    assert str(raised) == NOT_PUBLIC


# --- group_leave ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "admin"])
def test_group_leave_removes_the_membership(make_cast, who, django_capture_on_commit_callbacks):
    # given
    cast = make_cast()
    user = getattr(cast, who)

    # when
    with django_capture_on_commit_callbacks() as published:
        services.group_leave(user=user, group=cast.group)

    # then
    assert not cast.group.memberships.filter(user=user).exists()
    assert len(published) == 1  # group.removed


def test_group_leave_refuses_the_last_owner(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(ValidationError, services.group_leave, user=cast.owner, group=cast.group)

    # then
    assert raised.messages == [LAST_OWNER]
    assert roles(cast.group)[cast.owner.username] == Role.OWNER


def test_an_owner_leaves_once_another_owner_is_there(make_cast):
    # given
    cast = make_cast()
    services.membership_set_role(actor=cast.owner, group=cast.group, user=cast.admin, role="owner")

    # when
    services.group_leave(user=cast.owner, group=cast.group)

    # then
    assert cast.owner.username not in roles(cast.group)
    assert roles(cast.group)[cast.admin.username] == Role.OWNER


def test_group_leave_refuses_a_non_member(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(PermissionDenied, services.group_leave, user=cast.outsider, group=cast.group)

    # then
    assert str(raised) == NOT_A_MEMBER


def test_nobody_leaves_a_direct_conversation(make_user):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=bob)

    # when
    raised = refused(ValidationError, services.group_leave, user=alice, group=direct)

    # then
    assert raised.messages == [DIRECT_IS_FIXED]


# --- membership_add ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("owner", "member"),
        ("owner", "admin"),
        ("owner", "owner"),
        ("admin", "member"),
        ("admin", "admin"),
    ],
)
def test_membership_add_gives_a_role_up_to_the_actors_own(
    make_cast, actor, role, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()

    # when
    with django_capture_on_commit_callbacks() as published:
        membership = services.membership_add(
            actor=getattr(cast, actor), group=cast.group, user=cast.candidate, role=role
        )

    # then
    assert (membership.user, membership.role) == (cast.candidate, role)
    assert len(published) == 1  # group.added to the new member


def test_membership_add_refuses_a_role_above_the_actors(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        PermissionDenied,
        services.membership_add,
        actor=cast.admin,
        group=cast.group,
        user=cast.candidate,
        role="owner",
    )

    # then
    assert str(raised) == ROLE_ABOVE_OWN
    assert not cast.group.memberships.filter(user=cast.candidate).exists()


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_membership_add_refuses_members_and_outsiders(make_cast, who):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(
        PermissionDenied,
        services.membership_add,
        actor=getattr(cast, who),
        group=cast.group,
        user=cast.candidate,
    )

    # then
    assert str(raised) == NOT_ALLOWED


def test_membership_add_refuses_an_unknown_role(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.membership_add,
        actor=cast.owner,
        group=cast.group,
        user=cast.candidate,
        role="king",
    )

    # then
    assert raised.message_dict == {"role": [UNKNOWN_ROLE]}


def test_membership_add_refuses_an_inactive_user(make_cast):
    # given
    cast = make_cast()
    cast.candidate.is_active = False
    cast.candidate.save()

    # when
    raised = refused(
        ValidationError,
        services.membership_add,
        actor=cast.owner,
        group=cast.group,
        user=cast.candidate,
    )

    # then
    assert raised.message_dict == {"user_id": [USER_INACTIVE]}


def test_membership_add_refuses_a_member_twice(make_cast, django_capture_on_commit_callbacks):
    # given
    cast = make_cast()

    # when
    with django_capture_on_commit_callbacks() as published:
        raised = refused(
            ValidationError,
            services.membership_add,
            actor=cast.owner,
            group=cast.group,
            user=cast.member,
        )

    # then
    assert raised.message_dict == {"user_id": [ALREADY_MEMBER]}
    assert published == []


def test_membership_add_refuses_a_direct_conversation(make_user):
    # given
    alice, bob, carol = make_user(), make_user(), make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=bob)

    # when
    raised = refused(
        PermissionDenied, services.membership_add, actor=alice, group=direct, user=carol
    )

    # then
    assert str(raised) == NOT_ALLOWED


# --- membership_set_role ----------------------------------------------------------------------


@pytest.mark.parametrize(("who", "role"), [("member", "admin"), ("admin", "member")])
def test_membership_set_role_lets_the_owner_change_roles(make_cast, who, role):
    # given
    cast = make_cast()

    # when
    membership = services.membership_set_role(
        actor=cast.owner, group=cast.group, user=getattr(cast, who), role=role
    )

    # then
    assert membership.role == role
    assert roles(cast.group)[getattr(cast, who).username] == role


@pytest.mark.parametrize("who", ["admin", "member"])
def test_membership_set_role_is_for_owners_only(make_cast, who):
    # given
    cast = make_cast()

    # when
    raised = refused(
        PermissionDenied,
        services.membership_set_role,
        actor=getattr(cast, who),
        group=cast.group,
        user=cast.sender,
        role="admin",
    )

    # then
    assert str(raised) == NOT_ALLOWED


def test_membership_set_role_refuses_to_demote_the_last_owner(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.membership_set_role,
        actor=cast.owner,
        group=cast.group,
        user=cast.owner,
        role="admin",
    )

    # then
    assert raised.message_dict == {"role": [LAST_OWNER]}


def test_an_owner_steps_down_once_another_owner_is_there(make_cast):
    # given
    cast = make_cast()
    services.membership_set_role(actor=cast.owner, group=cast.group, user=cast.admin, role="owner")

    # when
    services.membership_set_role(actor=cast.owner, group=cast.group, user=cast.owner, role="member")

    # then
    assert roles(cast.group)[cast.owner.username] == Role.MEMBER


@pytest.mark.parametrize(
    ("target", "role", "error"),
    [
        ("candidate", "admin", {"user_id": [NOT_A_MEMBER]}),
        ("member", "king", {"role": [UNKNOWN_ROLE]}),
    ],
)
def test_membership_set_role_refuses_non_members_and_unknown_roles(make_cast, target, role, error):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.membership_set_role,
        actor=cast.owner,
        group=cast.group,
        user=getattr(cast, target),
        role=role,
    )

    # then
    assert raised.message_dict == error


# --- membership_remove ------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_membership_remove_lets_owners_and_admins_remove_members(
    make_cast, actor, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()

    # when
    with django_capture_on_commit_callbacks() as published:
        services.membership_remove(actor=getattr(cast, actor), group=cast.group, user=cast.member)

    # then
    assert cast.member.username not in roles(cast.group)
    assert len(published) == 1  # group.removed to the removed member


def test_membership_remove_never_removes_an_owner(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        PermissionDenied,
        services.membership_remove,
        actor=cast.admin,
        group=cast.group,
        user=cast.owner,
    )

    # then
    assert str(raised) == NOT_ALLOWED
    assert roles(cast.group)[cast.owner.username] == Role.OWNER


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_membership_remove_refuses_members_and_outsiders(make_cast, who):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(
        PermissionDenied,
        services.membership_remove,
        actor=getattr(cast, who),
        group=cast.group,
        user=cast.sender,
    )

    # then
    assert str(raised) == NOT_ALLOWED
    assert cast.sender.username in roles(cast.group)


def test_membership_remove_refuses_a_non_member(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.membership_remove,
        actor=cast.owner,
        group=cast.group,
        user=cast.candidate,
    )

    # then
    assert raised.message_dict == {"user_id": [NOT_A_MEMBER]}


def test_membership_remove_refuses_a_direct_conversation(make_user):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=bob)

    # when
    raised = refused(
        PermissionDenied, services.membership_remove, actor=alice, group=direct, user=bob
    )

    # then
    assert str(raised) == NOT_ALLOWED


# --- direct_get_or_create ---------------------------------------------------------------------


def test_direct_get_or_create_makes_one_conversation_per_pair(
    make_user, django_capture_on_commit_callbacks
):
    # given
    alice, bob = make_user("alice"), make_user("bob")

    # when
    with django_capture_on_commit_callbacks() as published:
        direct, created = services.direct_get_or_create(user=alice, other=bob)
    again, created_again = services.direct_get_or_create(user=bob, other=alice)

    # then
    assert (created, created_again) == (True, False)
    assert again == direct
    assert (direct.kind, direct.is_public) == (Group.Kind.DIRECT, False)
    assert roles(direct) == {"alice": Role.MEMBER, "bob": Role.MEMBER}
    assert len(published) == 2  # group.added to each of the pair


def test_a_user_alone_has_a_conversation_with_themselves(make_user):
    # given
    alice = make_user("alice")

    # when
    notes, created = services.direct_get_or_create(user=alice, other=alice)

    # then
    assert created
    assert roles(notes) == {"alice": Role.MEMBER}


def test_direct_get_or_create_refuses_an_inactive_user(make_user):
    # given
    alice, gone = make_user(), make_user(is_active=False)

    # when
    raised = refused(ValidationError, services.direct_get_or_create, user=alice, other=gone)

    # then
    assert raised.message_dict == {"user_id": [USER_INACTIVE]}
    assert not Group.objects.exists()


def test_direct_get_or_create_takes_the_longest_usernames(make_user):
    # given
    first, second = (make_user(name * 150, display_name=name) for name in "ab")

    # when
    direct, _ = services.direct_get_or_create(user=first, other=second)

    # then
    assert len(direct.name) == 100


# --- Races (PostgreSQL) -----------------------------------------------------------------------


@postgresql_only
def test_concurrent_direct_get_or_create_for_a_pair_makes_one_group(make_user, run_concurrently):
    # given
    alice, bob = make_user(), make_user()

    # when
    outcomes = run_concurrently(
        *(
            lambda first=first, second=second: services.direct_get_or_create(
                user=first, other=second
            )
            for first, second in [(alice, bob), (bob, alice)] * 4
        )
    )

    # then
    assert [type(outcome) for outcome in outcomes] == [tuple] * 8, outcomes
    assert len({group.id for group, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
    assert Group.objects.filter(kind=Group.Kind.DIRECT).count() == 1
    assert Membership.objects.count() == 2


@postgresql_only
@pytest.mark.parametrize("attempt", range(3))
def test_two_owners_leaving_at_once_leave_the_group_an_owner(
    make_user, make_group, run_concurrently, attempt
):
    # given
    first, second = make_user(), make_user()
    group = make_group(owner=first)
    services.membership_add(actor=first, group=group, user=second, role="owner")

    # when
    outcomes = run_concurrently(
        lambda: services.group_leave(user=first, group=group),
        lambda: services.group_leave(user=second, group=group),
    )

    # then: one left, the other was told to hand over first
    assert sorted(map(type, outcomes), key=str) == sorted([type(None), ValidationError], key=str)
    assert group.memberships.filter(role=Role.OWNER).count() == 1


@postgresql_only
@pytest.mark.parametrize("attempt", range(3))
def test_two_owners_demoting_each_other_at_once_leave_the_group_an_owner(
    make_user, make_group, run_concurrently, attempt
):
    # given
    first, second = make_user(), make_user()
    group = make_group(owner=first)
    services.membership_add(actor=first, group=group, user=second, role="owner")

    # when
    outcomes = run_concurrently(
        lambda: services.membership_set_role(actor=first, group=group, user=second, role="member"),
        lambda: services.membership_set_role(actor=second, group=group, user=first, role="member"),
    )

    # then: one was demoted; the other's turn came when it was no longer an owner
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Membership",
        "PermissionDenied",
    ]
    assert group.memberships.filter(role=Role.OWNER).count() == 1
