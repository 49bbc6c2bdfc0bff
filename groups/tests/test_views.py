"""The group pages through Django's test client, as a browser without JavaScript uses them:
create, join, leave, settings, members, delete, direct conversations. (Home, the
conversation list, is messaging/tests/test_views.py's.)"""

import re

import pytest
from django.urls import reverse

from groups import services
from groups.models import Group, Membership
from groups.services import LAST_OWNER
from groups.views import GROUP_CREATED, GROUP_SAVED, MEMBER_ADDED

pytestmark = pytest.mark.django_db

OVERFLOWING_ID = 10**30


@pytest.fixture
def csrf_client(client):
    client.handler.enforce_csrf_checks = True
    return client


def flashes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def is_member(user, group) -> bool:
    return Membership.objects.filter(user=user, group=group).exists()


# --- Create, join, leave ----------------------------------------------------------------------


def test_creating_a_group_makes_me_its_owner_and_opens_it(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(
        reverse("group_create"), {"name": "Book club", "description": "Books", "is_public": "on"}
    )

    # then
    group = Group.objects.get(name="Book club")
    assert response.status_code == 302
    assert response.url == reverse("conversation", args=[group.id])
    assert group.is_public and group.description == "Books"
    assert Membership.objects.get(group=group, user=user).role == Membership.Role.OWNER
    assert GROUP_CREATED in flashes(client.get(response.url))


def test_creating_a_group_without_a_name_shows_the_form_again(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(reverse("group_create"), {"name": "  "})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not Group.objects.exists()


def test_joining_a_public_group_makes_me_a_member(client, user, make_group):
    # given
    group = make_group(is_public=True)
    client.force_login(user)

    # when
    response = client.post(reverse("group_join", args=[group.id]))

    # then
    assert response.url == reverse("conversation", args=[group.id])
    assert is_member(user, group)


def test_a_private_group_cannot_be_joined_and_is_not_found(client, user, make_group):
    # given
    group = make_group(is_public=False)
    client.force_login(user)

    # when
    response = client.post(reverse("group_join", args=[group.id]))

    # then
    assert response.status_code == 404
    assert not is_member(user, group)


def test_leaving_a_group_goes_home(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.member)

    # when
    response = client.post(reverse("group_leave", args=[cast.group.id]))

    # then
    assert response.url == reverse("home")
    assert not is_member(cast.member, cast.group)


def test_the_last_owner_is_told_to_hand_ownership_over_before_leaving(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.owner)

    # when
    response = client.post(reverse("group_leave", args=[cast.group.id]), follow=True)

    # then
    assert LAST_OWNER in flashes(response)
    assert is_member(cast.owner, cast.group)


# --- Settings ---------------------------------------------------------------------------------


def test_settings_offer_each_role_only_what_it_may_do(client, make_cast):
    # given
    cast = make_cast()
    url = reverse("group_settings", args=[cast.group.id])
    remove_sender = reverse("member_remove", args=[cast.group.id, cast.sender.id])
    change_role = reverse("member_role", args=[cast.group.id, cast.sender.id])
    delete = reverse("group_delete", args=[cast.group.id])

    # when
    pages = {}
    for role in ("member", "admin", "owner"):
        client.force_login(getattr(cast, role))
        pages[role] = client.get(url).content.decode()

    # then
    for role, may_edit, may_change_roles in (
        ("member", False, False),
        ("admin", True, False),
        ("owner", True, True),
    ):
        html = pages[role]
        assert (f'action="{url}"' in html) is may_edit
        assert (f'action="{remove_sender}"' in html) is may_edit
        assert (f'action="{change_role}"' in html) is may_change_roles
        assert (f'href="{delete}"' in html) is may_change_roles
        assert f'action="{reverse("group_leave", args=[cast.group.id])}"' in html


def test_an_admin_renames_and_describes_the_group(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.admin)

    # when
    response = client.post(
        reverse("group_settings", args=[cast.group.id]),
        {"name": "Renamed", "description": "About us"},
        follow=True,
    )

    # then
    cast.group.refresh_from_db()
    assert (cast.group.name, cast.group.description, cast.group.is_public) == (
        "Renamed",
        "About us",
        False,
    )
    assert GROUP_SAVED in flashes(response)


def test_an_owner_keeps_at_all_for_admins_and_an_admin_is_not_offered_the_choice(client, make_cast):
    # given
    cast = make_cast()
    url = reverse("group_settings", args=[cast.group.id])
    client.force_login(cast.admin)
    admins_page = client.get(url).content.decode()
    client.force_login(cast.owner)

    # when
    owners_page = client.get(url).content.decode()
    response = client.post(url, {"name": "Team", "mention_all_by": "admins"}, follow=True)

    # then
    assert 'name="mention_all_by"' in owners_page
    assert 'name="mention_all_by"' not in admins_page
    cast.group.refresh_from_db()
    assert cast.group.mention_all_by == "admins"
    assert GROUP_SAVED in flashes(response)


def test_an_admin_posting_the_at_all_choice_changes_nothing(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.admin)

    # when
    client.post(
        reverse("group_settings", args=[cast.group.id]),
        {"name": "Team", "mention_all_by": "admins"},
    )

    # then
    cast.group.refresh_from_db()
    assert cast.group.mention_all_by == "members"


def test_a_plain_member_cannot_change_the_group(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.member)

    # when
    response = client.post(reverse("group_settings", args=[cast.group.id]), {"name": "Mine"})

    # then
    assert response.status_code == 403
    cast.group.refresh_from_db()
    assert cast.group.name == "Team"


@pytest.mark.parametrize(
    ("is_public", "status"), [(False, 404), (True, 403)], ids=["private", "public"]
)
def test_settings_are_for_members_only(client, make_cast, is_public, status):
    # given
    cast = make_cast(is_public=is_public)
    client.force_login(cast.outsider)

    # when
    response = client.get(reverse("group_settings", args=[cast.group.id]))

    # then
    assert response.status_code == status


def test_the_people_search_offers_only_users_who_are_not_members(client, make_cast, make_user):
    # given
    cast = make_cast()
    make_user("zed-outside")
    make_user("zed-inside")
    services.membership_add(
        actor=cast.owner, group=cast.group, user=make_user("zed-member"), role="member"
    )
    client.force_login(cast.admin)

    # when
    response = client.get(reverse("group_settings", args=[cast.group.id]), {"q": "zed"})

    # then
    assert [u.username for u in response.context["candidates"]] == ["zed-inside", "zed-outside"]


# --- Members ----------------------------------------------------------------------------------


def test_an_admin_adds_a_member(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.admin)

    # when
    response = client.post(
        reverse("member_add", args=[cast.group.id]),
        {"user_id": cast.candidate.id, "role": "member"},
        follow=True,
    )

    # then
    assert Membership.objects.get(group=cast.group, user=cast.candidate).role == "member"
    assert MEMBER_ADDED.format(name=cast.candidate.shown_name, role="Member") in flashes(response)


@pytest.mark.parametrize(
    ("actor", "role", "status"),
    [("member", "member", 403), ("admin", "owner", 403)],
    ids=["member-adds", "admin-gives-owner"],
)
def test_adding_is_refused_to_roles_that_may_not(client, make_cast, actor, role, status):
    # given
    cast = make_cast()
    client.force_login(getattr(cast, actor))

    # when
    response = client.post(
        reverse("member_add", args=[cast.group.id]), {"user_id": cast.candidate.id, "role": role}
    )

    # then
    assert response.status_code == status
    assert not is_member(cast.candidate, cast.group)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"user_id": "abc"}, 400),
        ({"user_id": str(OVERFLOWING_ID)}, 400),
        ({"user_id": "999999", "role": "member"}, 404),
        ({"user_id": "1", "role": "emperor"}, 400),
    ],
    ids=["not-a-number", "overflowing", "unknown-user", "unknown-role"],
)
def test_a_malformed_add_is_a_client_error(client, make_cast, data, status):
    # given
    cast = make_cast()
    client.force_login(cast.owner)

    # when
    response = client.post(reverse("member_add", args=[cast.group.id]), data)

    # then
    assert response.status_code == status


def test_the_owner_changes_a_members_role(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.owner)

    # when
    client.post(reverse("member_role", args=[cast.group.id, cast.sender.id]), {"role": "admin"})

    # then
    assert Membership.objects.get(group=cast.group, user=cast.sender).role == "admin"


def test_an_admin_cannot_change_roles(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.admin)

    # when
    response = client.post(
        reverse("member_role", args=[cast.group.id, cast.sender.id]), {"role": "admin"}
    )

    # then
    assert response.status_code == 403
    assert Membership.objects.get(group=cast.group, user=cast.sender).role == "member"


def test_an_admin_removes_a_member_but_not_an_owner(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.admin)

    # when
    removed = client.post(reverse("member_remove", args=[cast.group.id, cast.sender.id]))
    refused = client.post(reverse("member_remove", args=[cast.group.id, cast.owner.id]))

    # then
    assert removed.status_code == 302
    assert not is_member(cast.sender, cast.group)
    assert refused.status_code == 403
    assert is_member(cast.owner, cast.group)


def test_removing_someone_who_is_not_a_member_is_not_found(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.owner)

    # when
    response = client.post(reverse("member_remove", args=[cast.group.id, cast.candidate.id]))

    # then
    assert response.status_code == 404


# --- Delete -----------------------------------------------------------------------------------


def test_the_owner_confirms_then_deletes_the_group(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.owner)
    url = reverse("group_delete", args=[cast.group.id])

    # when
    confirmation = client.get(url)
    response = client.post(url)

    # then
    assert confirmation.status_code == 200
    assert f'action="{url}"' in confirmation.content.decode()
    assert response.url == reverse("home")
    assert not Group.objects.filter(pk=cast.group.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_admin_cannot_delete_the_group(client, make_cast, method):
    # given
    cast = make_cast()
    client.force_login(cast.admin)

    # when
    response = getattr(client, method)(reverse("group_delete", args=[cast.group.id]))

    # then
    assert response.status_code == 403
    assert Group.objects.filter(pk=cast.group.pk).exists()


# --- Direct conversations ---------------------------------------------------------------------


def test_searching_people_lists_them_with_a_button_to_message_them(client, user, make_user):
    # given
    bob = make_user("bob", display_name="Bobby")
    make_user("carol")
    client.force_login(user)

    # when
    response = client.get(reverse("direct"), {"q": "bo"})

    # then
    assert response.context["people"] == [bob]
    assert f'name="user_id" value="{bob.id}"' in response.content.decode()


def test_messaging_someone_opens_the_same_direct_conversation_each_time(client, user, make_user):
    # given
    bob = make_user("bob")
    client.force_login(user)

    # when
    first = client.post(reverse("direct"), {"user_id": bob.id})
    second = client.post(reverse("direct"), {"user_id": bob.id})

    # then
    group = Group.objects.get(kind=Group.Kind.DIRECT)
    assert first.url == second.url == reverse("conversation", args=[group.id])
    assert set(group.members.all()) == {user, bob}


def test_a_direct_conversation_has_no_settings_to_change(client, user, make_user):
    # given
    group, _ = services.direct_get_or_create(user=user, other=make_user("bob"))
    client.force_login(user)

    # when
    response = client.get(reverse("group_settings", args=[group.id]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="name"' not in html
    assert reverse("group_leave", args=[group.id]) not in html


# --- Every form -------------------------------------------------------------------------------


def test_every_form_of_the_group_pages_carries_a_csrf_token(client, make_cast):
    # given
    cast = make_cast(is_public=True)
    client.force_login(cast.owner)
    paths = [
        reverse("home"),
        reverse("group_settings", args=[cast.group.id]) + "?q=user",
        reverse("group_delete", args=[cast.group.id]),
        reverse("direct") + "?q=user",
    ]

    # when
    pages = [client.get(path).content.decode() for path in paths]

    # then
    for html in pages:
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S):
            assert 'name="csrfmiddlewaretoken"' in form


def test_a_post_without_the_csrf_token_is_refused(csrf_client, user):
    # given
    csrf_client.force_login(user)

    # when
    response = csrf_client.post(reverse("group_create"), {"name": "Sneaky"})

    # then
    assert response.status_code == 403
    assert not Group.objects.exists()


def test_a_member_mutes_and_unmutes_a_group_from_its_page(client, make_user, make_group):
    # given
    owner, member = make_user(), make_user()
    group = make_group(owner=owner, members=[member])
    client.force_login(member)

    # when
    muted = client.post(f"/groups/{group.id}/mute/", {"muted": "1"})
    page = client.get(f"/groups/{group.id}/").content.decode()
    client.post(f"/groups/{group.id}/mute/", {"muted": "0"})

    # then
    assert muted.status_code == 302
    assert 'aria-pressed="true"' in page
    assert Membership.objects.get(user=member, group=group).muted is False


def test_a_non_member_cannot_mute(client, make_user, make_group):
    # given
    group = make_group(owner=make_user())
    client.force_login(make_user())

    # then
    assert client.post(f"/groups/{group.id}/mute/", {"muted": "1"}).status_code == 404
