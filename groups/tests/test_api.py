"""groups.api: the contract's Groups endpoints that answer no `group` payload (members and
leaving) over HTTP: statuses, bodies and query counts (who may call what:
tests/test_authorization.py). The endpoints that answer
the `group` payload are messaging/tests/test_api_groups.py's."""

import pytest

from groups import services
from groups.models import Membership
from groups.serializers import UNKNOWN_USER

pytestmark = pytest.mark.django_db

MISSING_ID = 10**6
OVERFLOWING_ID = 10**30


# --- Ids in URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", f"/api/v1/groups/{OVERFLOWING_ID}/leave/"),
        ("get", f"/api/v1/groups/{OVERFLOWING_ID}/members/"),
        ("patch", f"/api/v1/groups/{{group}}/members/{OVERFLOWING_ID}/"),
        ("delete", f"/api/v1/groups/{{group}}/members/{OVERFLOWING_ID}/"),
        ("delete", "/api/v1/groups/{group}/members/abc/"),
    ],
)
def test_ids_in_urls_that_overflow_or_are_not_numbers_are_404(
    make_user, make_group, make_api_client, method, path
):
    # given
    alice = make_user()
    group = make_group(owner=alice)

    # when
    response = getattr(make_api_client(alice), method)(
        path.format(group=group.id), {"role": "admin"}, format="json"
    )

    # then
    assert response.status_code == 404


# --- Leave ------------------------------------------------------------------------------------


def test_last_owner_must_hand_ownership_over_before_leaving(make_user, make_group, make_api_client):
    # given
    alice, bob = make_user(), make_user()
    group = make_group(owner=alice, members=[bob])
    client = make_api_client(alice)

    # when
    refused = client.post(f"/api/v1/groups/{group.id}/leave/")
    client.patch(f"/api/v1/groups/{group.id}/members/{bob.id}/", {"role": "owner"}, format="json")
    left = client.post(f"/api/v1/groups/{group.id}/leave/")

    # then
    assert refused.status_code == 400
    assert refused.json() == {"detail": services.LAST_OWNER}
    assert left.status_code == 204
    assert not Membership.objects.filter(group=group, user=alice).exists()


# --- Members ----------------------------------------------------------------------------------


def test_member_list_shows_users_roles_and_join_times(make_user, make_group, make_api_client):
    # given
    alice, bob = make_user("alice"), make_user("bob")
    group = make_group(owner=alice, admins=[bob])

    # when
    response = make_api_client(bob).get(f"/api/v1/groups/{group.id}/members/")

    # then
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(m["user"], m["role"]) for m in results] == [
        ({"id": alice.id, "username": "alice", "display_name": "Alice"}, "owner"),
        ({"id": bob.id, "username": "bob", "display_name": "Bob"}, "admin"),
    ]
    assert all(m["joined_at"].endswith("Z") for m in results)


@pytest.mark.parametrize("member_count", [1, 30])
def test_member_list_costs_a_fixed_number_of_queries(
    make_user, make_group, make_api_client, django_assert_num_queries, member_count
):
    # given
    alice = make_user()
    group = make_group(owner=alice, members=[make_user() for _ in range(member_count - 1)])
    client = make_api_client(alice)

    # when / then: token, the caller's membership with the group, the members with their users
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/groups/{group.id}/members/")
    assert len(response.json()["results"]) == member_count


def test_add_member_answers_the_new_membership(make_user, make_group, make_api_client):
    # given
    alice, carol = make_user(), make_user("carol")
    group = make_group(owner=alice)

    # when
    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/members/", {"user_id": carol.id, "role": "admin"}, format="json"
    )

    # then
    assert response.status_code == 201
    assert response.json()["user"] == {"id": carol.id, "username": "carol", "display_name": "Carol"}
    assert response.json()["role"] == "admin"
    assert Membership.objects.get(group=group, user=carol).role == "admin"


def test_add_member_twice_is_refused(make_user, make_group, make_api_client):
    # given
    alice, bob = make_user(), make_user()
    group = make_group(owner=alice, members=[bob])

    # when
    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/members/", {"user_id": bob.id}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"user_id": [services.ALREADY_MEMBER]}


def test_admin_cannot_add_an_owner(make_user, make_group, make_api_client):
    # given
    admin, carol = make_user(), make_user()
    group = make_group(admins=[admin])

    # when
    response = make_api_client(admin).post(
        f"/api/v1/groups/{group.id}/members/", {"user_id": carol.id, "role": "owner"}, format="json"
    )

    # then
    assert response.status_code == 403
    assert response.json() == {"detail": services.ROLE_ABOVE_OWN}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "user_id"),
        ({"user_id": MISSING_ID}, "user_id"),
        ({"user_id": OVERFLOWING_ID}, "user_id"),
        ({"user_id": -1}, "user_id"),
        ({"user_id": "abc"}, "user_id"),
        ({"user_id": True}, "user_id"),
        ({"user_id": 1.5}, "user_id"),
        ({"user_id": None}, "user_id"),
        ({"user_id": "{candidate}", "role": "king"}, "role"),
    ],
)
def test_add_member_refuses_bad_input(make_cast, make_api_client, body, error):
    # given
    cast = make_cast()
    body = {k: cast.candidate.id if v == "{candidate}" else v for k, v in body.items()}

    # when
    response = make_api_client(cast.owner).post(
        f"/api/v1/groups/{cast.group.id}/members/", body, format="json"
    )

    # then
    assert response.status_code == 400
    assert error in response.json()


def test_unknown_user_id_is_named_in_the_error(make_user, make_group, make_api_client):
    alice = make_user()
    group = make_group(owner=alice)

    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/members/", {"user_id": MISSING_ID}, format="json"
    )

    assert response.json() == {"user_id": [UNKNOWN_USER]}


def test_set_role_changes_the_members_role(make_cast, make_api_client):
    # given
    cast = make_cast()

    # when
    response = make_api_client(cast.owner).patch(
        f"/api/v1/groups/{cast.group.id}/members/{cast.member.id}/",
        {"role": "admin"},
        format="json",
    )

    # then
    assert response.status_code == 200
    assert (response.json()["user"]["id"], response.json()["role"]) == (cast.member.id, "admin")


def test_the_last_owner_cannot_step_down(make_cast, make_api_client):
    # given
    cast = make_cast()

    # when
    response = make_api_client(cast.owner).patch(
        f"/api/v1/groups/{cast.group.id}/members/{cast.owner.id}/", {"role": "admin"}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"role": [services.LAST_OWNER]}


@pytest.mark.parametrize("body", [{}, {"role": "king"}, {"role": 3}, {"role": None}])
def test_set_role_refuses_bad_input(make_cast, make_api_client, body):
    cast = make_cast()

    response = make_api_client(cast.owner).patch(
        f"/api/v1/groups/{cast.group.id}/members/{cast.member.id}/", body, format="json"
    )

    assert response.status_code == 400
    assert "role" in response.json()


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_user_who_is_not_a_member_is_404_in_the_member_urls(make_cast, make_api_client, method):
    cast = make_cast()

    response = getattr(make_api_client(cast.owner), method)(
        f"/api/v1/groups/{cast.group.id}/members/{cast.candidate.id}/", {"role": "admin"}, "json"
    )

    assert response.status_code == 404


def test_remove_member_takes_them_out(make_cast, make_api_client):
    # given
    cast = make_cast()

    # when
    response = make_api_client(cast.admin).delete(
        f"/api/v1/groups/{cast.group.id}/members/{cast.member.id}/"
    )

    # then
    assert response.status_code == 204
    assert not Membership.objects.filter(group=cast.group, user=cast.member).exists()


def test_nobody_removes_an_owner(make_cast, make_api_client):
    # given
    cast = make_cast()

    # when
    response = make_api_client(cast.admin).delete(
        f"/api/v1/groups/{cast.group.id}/members/{cast.owner.id}/"
    )

    # then
    assert response.status_code == 403
    assert Membership.objects.filter(group=cast.group, user=cast.owner).exists()


# --- mention autocomplete: members by the start of their name ------------------------------


def test_members_whose_name_starts_so_in_one_query(
    make_user, make_group, make_api_client, django_assert_num_queries
):
    # given
    owner = make_user("olga")
    group = make_group(owner=owner, members=[make_user("bob"), make_user("bobby"), make_user("al")])
    make_user("bogdan")  # not a member
    client = make_api_client(owner)
    client.get("/api/v1/users/me/")  # (the token's lookup is not the endpoint's)

    # when
    with django_assert_num_queries(2):  # the token, then the members
        response = client.get(f"/api/v1/groups/{group.id}/members/?q=BO")

    # then
    assert [m["user"]["username"] for m in response.json()["results"]] == ["bob", "bobby"]


def test_members_by_display_name_too_and_limited(make_user, make_group, make_api_client):
    # given
    owner = make_user("olga")
    group = make_group(
        owner=owner,
        members=[make_user(f"u{i}", display_name=f"Zed {i}") for i in range(5)],
    )

    # when
    response = make_api_client(owner).get(f"/api/v1/groups/{group.id}/members/?q=ze&limit=3")

    # then
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize("query", ["limit=0", "limit=51", f"q={'x' * 151}"])
def test_a_bad_member_query_is_a_400(make_user, make_group, make_api_client, query):
    # given
    owner = make_user()
    group = make_group(owner=owner)

    # when
    response = make_api_client(owner).get(f"/api/v1/groups/{group.id}/members/?q=a&{query}")

    # then
    assert response.status_code == 400


def test_a_non_member_searching_members_gets_what_any_members_endpoint_gives(
    make_user, make_group, make_api_client
):
    # given
    owner, stranger = make_user(), make_user()
    private = make_group(owner=owner)
    public = make_group(owner=owner, is_public=True)
    client = make_api_client(stranger)

    # then
    assert client.get(f"/api/v1/groups/{private.id}/members/?q=").status_code == 404
    assert client.get(f"/api/v1/groups/{public.id}/members/?q=").status_code == 403
    assert client.get("/api/v1/groups/99999999/members/?q=").status_code == 404


@pytest.mark.parametrize(
    ("who", "value", "status"),
    [("owner", "admins", 200), ("admin", "admins", 403), ("owner", "everyone", 400)],
)
def test_only_an_owner_restricts_at_all(make_cast, make_api_client, who, value, status):
    # given
    cast = make_cast()

    # when
    response = make_api_client(getattr(cast, who)).patch(
        f"/api/v1/groups/{cast.group.id}/", {"mention_all_by": value}, format="json"
    )

    # then
    assert response.status_code == status
    if status == 200:
        assert response.json()["mention_all_by"] == "admins"
