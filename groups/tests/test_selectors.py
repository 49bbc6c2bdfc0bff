"""groups.selectors: fetch-and-authorize for every front door (a group the caller may not see is
the same 404 as a missing one; a public group the caller is not in is a 403 where only members
act), the lists of groups and members, and what each costs in queries."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from groups import services
from groups.models import Group
from groups.selectors import (
    NOT_A_MEMBER,
    NOT_FOUND,
    get_group_for_member,
    get_group_for_viewer,
    get_member,
    get_membership,
    group_members,
    groups_for_user,
    member_ids,
    public_groups,
    public_groups_page,
    refuse_non_member,
)

pytestmark = pytest.mark.django_db

MISSING_ID = 10**6
NOT_IDS = [0, -1, 10**30, "1", None, True]


def hidden_or_missing(cast, which) -> object:
    """The id of the cast's group, or of no group: which is "private" (the cast's group must be
    private), "missing", or a value that is no id at all."""
    if which == "private":
        return cast.group.id
    return MISSING_ID if which == "missing" else which


# --- get_group_for_viewer ---------------------------------------------------------------------


@pytest.mark.parametrize("is_public", [False, True], ids=["private", "public"])
@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_a_member_gets_the_group_and_their_membership(make_cast, is_public, role):
    # given
    cast = make_cast(is_public=is_public)

    # when
    group, membership = get_group_for_viewer(user=getattr(cast, role), group_id=cast.group.id)

    # then
    assert group == cast.group
    assert (membership.user, membership.role) == (getattr(cast, role), role)


def test_a_non_member_gets_a_public_group_without_membership(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    group, membership = get_group_for_viewer(user=cast.outsider, group_id=cast.group.id)

    # then
    assert (group, membership) == (cast.group, None)


@pytest.mark.parametrize("which", ["private", "missing", *NOT_IDS])
def test_a_group_the_viewer_may_not_see_is_not_found_like_a_missing_one(make_cast, which):
    # given
    cast = make_cast(is_public=False)

    # when
    with pytest.raises(Http404) as raised:
        get_group_for_viewer(user=cast.outsider, group_id=hidden_or_missing(cast, which))

    # then
    assert str(raised.value) == NOT_FOUND


def test_a_direct_conversation_is_not_found_by_a_third_user(make_user):
    # given
    direct, _ = services.direct_get_or_create(user=make_user(), other=make_user())

    # when / then
    with pytest.raises(Http404):
        get_group_for_viewer(user=make_user(), group_id=direct.id)


def test_a_member_gets_the_group_in_one_query(make_cast, django_assert_num_queries):
    # given
    cast = make_cast()

    # when / then: the membership, with its group
    with django_assert_num_queries(1):
        group, _ = get_group_for_viewer(user=cast.member, group_id=cast.group.id)
        assert group.name == "Team"


def test_a_non_member_costs_two_queries_whatever_the_answer(make_cast, django_assert_num_queries):
    # given
    public, private = make_cast(is_public=True), make_cast(is_public=False)

    # when / then: the membership (none), then the group
    with django_assert_num_queries(2):
        get_group_for_viewer(user=public.outsider, group_id=public.group.id)
    with django_assert_num_queries(2), pytest.raises(Http404):
        get_group_for_viewer(user=private.outsider, group_id=private.group.id)


@pytest.mark.parametrize("group_id", [0, 10**30, "1", None, True])
def test_what_is_no_id_costs_no_query(make_user, django_assert_num_queries, group_id):
    # given
    user = make_user()

    # when / then
    with django_assert_num_queries(0), pytest.raises(Http404):
        get_group_for_viewer(user=user, group_id=group_id)


# --- get_group_for_member ---------------------------------------------------------------------


@pytest.mark.parametrize("is_public", [False, True], ids=["private", "public"])
def test_a_member_acts_in_their_group(make_cast, is_public):
    # given
    cast = make_cast(is_public=is_public)

    # when
    group, membership = get_group_for_member(user=cast.member, group_id=cast.group.id)

    # then
    assert (group, membership.user) == (cast.group, cast.member)


def test_a_non_member_may_see_a_public_group_but_not_act_in_it(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    with pytest.raises(PermissionDenied) as raised:
        get_group_for_member(user=cast.outsider, group_id=cast.group.id)

    # then
    assert str(raised.value) == NOT_A_MEMBER


@pytest.mark.parametrize("which", ["private", "missing", *NOT_IDS])
def test_a_member_only_action_on_a_group_the_caller_may_not_see_is_not_found(make_cast, which):
    # given
    cast = make_cast(is_public=False)

    # when
    with pytest.raises(Http404) as raised:
        get_group_for_member(user=cast.outsider, group_id=hidden_or_missing(cast, which))

    # then
    assert str(raised.value) == NOT_FOUND


def test_a_left_member_of_a_public_group_is_refused_as_a_non_member(make_cast):
    # given
    cast = make_cast(is_public=True)
    services.group_leave(user=cast.member, group=cast.group)

    # when / then
    with pytest.raises(PermissionDenied):
        get_group_for_member(user=cast.member, group_id=cast.group.id)


# --- refuse_non_member ------------------------------------------------------------------------


def test_refusing_a_non_member_of_a_public_group_is_a_403(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    with pytest.raises(PermissionDenied) as raised:
        refuse_non_member(cast.group.id)

    # then
    assert str(raised.value) == NOT_A_MEMBER


@pytest.mark.parametrize("which", ["private", "missing", *NOT_IDS])
def test_refusing_a_non_member_of_a_group_they_may_not_see_is_the_404_of_a_missing_one(
    make_cast, which
):
    # given
    cast = make_cast(is_public=False)

    # when
    with pytest.raises(Http404) as raised:
        refuse_non_member(hidden_or_missing(cast, which))

    # then
    assert str(raised.value) == NOT_FOUND


@pytest.mark.parametrize("is_public", [True, False], ids=["public", "private"])
def test_refusing_a_non_member_costs_one_query(make_cast, django_assert_num_queries, is_public):
    # given
    cast = make_cast(is_public=is_public)

    # when / then: the group
    with django_assert_num_queries(1), pytest.raises((PermissionDenied, Http404)):
        refuse_non_member(cast.group.id)


# --- get_membership ---------------------------------------------------------------------------


@pytest.mark.parametrize("group_id", [MISSING_ID, *NOT_IDS])
def test_no_membership_for_a_group_the_user_is_not_in(make_user, group_id):
    assert get_membership(user=make_user(), group_id=group_id) is None


# --- Lists: groups_for_user, public_groups, public_groups_page --------------------------------


def test_a_users_groups_come_most_recent_activity_first(make_user, make_group, make_message):
    # given: a direct conversation, then three groups, then messages in two of them
    alice = make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=make_user())
    older, newer, _ = (make_group(owner=alice, name=name) for name in ("old", "new", "quiet"))
    make_message(group=newer, sender=alice)
    make_message(group=older, sender=alice)
    make_group(name="someone else's")

    # when
    groups = list(groups_for_user(user=alice))

    # then: a message moves its group on; the others by when they were made
    assert [group.name for group in groups] == ["old", "new", "quiet", direct.name]


def test_public_groups_are_the_named_public_ones_joined_or_not(make_user, make_group):
    # given
    alice = make_user()
    mine = make_group(owner=alice, name="mine", is_public=True)
    theirs = make_group(name="theirs", is_public=True)
    make_group(name="private")
    services.direct_get_or_create(user=alice, other=make_user())

    # when
    groups = list(public_groups())

    # then: the newest first
    assert groups == [theirs, mine]
    assert all(group.kind == Group.Kind.GROUP for group in groups)


@pytest.mark.parametrize("limit", [2, 3, 4])
def test_a_page_of_public_groups_says_whether_more_lie_beyond_it(make_group, limit):
    # given
    groups = [make_group(is_public=True) for _ in range(3)]

    # when
    page, has_more = public_groups_page(limit=limit)

    # then
    assert page == groups[:limit]
    assert has_more is (limit < 3)


def test_a_page_of_public_groups_after_one_leaves_out_the_private_and_direct_ones(
    make_user, make_group, django_assert_num_queries
):
    # given
    first = make_group(name="Alpha", is_public=True)
    make_group(name="Alpha, private")
    services.direct_get_or_create(user=make_user("alpha"), other=make_user())
    second = make_group(name="ALPHABET", is_public=True)
    make_group(name="Beta", is_public=True)

    # when / then: one query, whatever the filters
    with django_assert_num_queries(1):
        everything, _ = public_groups_page(search="alpha")
    with django_assert_num_queries(1):
        after_first, has_more = public_groups_page(after=first.id, search="alpha")
    assert everything == [first, second]
    assert (after_first, has_more) == ([second], False)


# --- Members: group_members, get_member, member_ids -------------------------------------------


def test_the_members_come_in_joining_order_with_their_users_in_one_query(
    make_cast, django_assert_num_queries
):
    # given
    cast = make_cast()

    # when / then
    with django_assert_num_queries(1):
        members = [(m.user.username, m.role) for m in group_members(group=cast.group)]
    assert members == [
        (cast.owner.username, "owner"),
        (cast.admin.username, "admin"),
        (cast.member.username, "member"),
        (cast.sender.username, "member"),
    ]


def test_one_member_comes_with_their_user(make_cast, django_assert_num_queries):
    # given
    cast = make_cast()

    # when / then
    with django_assert_num_queries(1):
        membership = get_member(group=cast.group, user_id=cast.admin.id)
        assert (membership.user.username, membership.role) == (cast.admin.username, "admin")


@pytest.mark.parametrize("user_id", ["outsider", MISSING_ID, *NOT_IDS])
def test_a_user_who_is_not_a_member_is_not_found(make_cast, user_id):
    # given
    cast = make_cast(is_public=True)
    user_id = cast.outsider.id if user_id == "outsider" else user_id

    # when
    with pytest.raises(Http404) as raised:
        get_member(group=cast.group, user_id=user_id)

    # then
    assert str(raised.value) == NOT_FOUND


def test_member_ids_are_the_ids_of_every_member(make_cast):
    # given
    cast = make_cast()

    # when
    ids = member_ids(cast.group.id)

    # then
    expected = {cast.owner.id, cast.admin.id, cast.member.id, cast.sender.id}
    assert set(ids) == expected
    assert len(ids) == len(expected)
