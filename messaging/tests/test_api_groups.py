"""messaging.api.groups: the contract's Groups table as conversations of the caller (list,
create, retrieve, update, delete, join, direct conversations, read marker) over HTTP: statuses,
bodies and query counts (who may call what: tests/test_authorization.py). Members and leaving
are groups/tests/test_api.py's."""

import pytest

from groups import services
from groups.models import Group, Membership
from messaging.models import Message
from messaging.services import mark_read, message_delete, reaction_add
from messaging.tests.test_conversations import GROUP_FIELDS  # the contract's group payload

pytestmark = pytest.mark.django_db

MISSING_ID = 10**6
OVERFLOWING_ID = 10**30


# --- Group list -------------------------------------------------------------------------------


def test_group_list_shows_the_callers_groups_most_recent_activity_first(
    make_user, make_group, make_message, make_api_client
):
    # given
    alice = make_user()
    quiet = make_group(owner=alice, name="Quiet")
    busy = make_group(owner=alice, name="Busy")
    make_group(name="Someone else's")
    make_message(group=quiet, sender=alice)
    make_message(group=busy, sender=alice)

    # when
    response = make_api_client(alice).get("/api/v1/groups/")

    # then
    assert response.status_code == 200
    assert [g["name"] for g in response.json()["results"]] == ["Busy", "Quiet"]


def test_group_list_describes_each_group_for_the_caller(
    make_user, make_group, make_message, make_api_client
):
    # given
    alice, bob = make_user(), make_user()
    group = make_group(owner=alice, name="Team", members=[bob])
    message = make_message(group=group, sender=bob, body="*hi*")
    reaction_add(
        actor=alice,
        membership=Membership.objects.get(user=alice, group=group),
        message=message,
        emoji="👍",
    )

    # when
    [payload] = make_api_client(alice).get("/api/v1/groups/").json()["results"]

    # then
    assert set(payload) == GROUP_FIELDS
    assert payload["role"] == "owner"
    assert payload["kind"] == "group"
    assert payload["member_count"] == 2
    assert payload["unread_count"] == 1
    assert payload["last_message"]["id"] == message.id
    assert payload["last_message"]["html"] == "<p><em>hi</em></p>"
    assert payload["last_message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]


def test_unread_count_leaves_out_own_deleted_and_read_messages(
    make_user, make_group, make_message, make_api_client
):
    # given
    alice, bob = make_user(), make_user()
    group = make_group(owner=alice, members=[bob])
    read = make_message(group=group, sender=bob)
    mark_read(membership=Membership.objects.get(user=alice, group=group), message_id=read.id)
    make_message(group=group, sender=alice)
    deleted = make_message(group=group, sender=bob)
    message_delete(
        actor=bob, membership=Membership.objects.get(user=bob, group=group), message=deleted
    )
    make_message(group=group, sender=bob)

    # when
    [payload] = make_api_client(alice).get("/api/v1/groups/").json()["results"]

    # then
    assert payload["unread_count"] == 1


def test_public_list_shows_public_groups_joined_or_not_and_nothing_private(
    make_user, make_group, make_api_client
):
    # given
    alice = make_user()
    make_group(owner=alice, name="Mine, public", is_public=True)
    make_group(name="Theirs, public", is_public=True)
    make_group(name="Theirs, private")
    services.direct_get_or_create(user=alice, other=make_user())

    # when
    response = make_api_client(alice).get("/api/v1/groups/", {"public": "1"})

    # then
    assert response.status_code == 200
    assert {(g["name"], g["role"]) for g in response.json()["results"]} == {
        ("Mine, public", "owner"),
        ("Theirs, public", None),
    }


def test_public_groups_come_by_pages_ascending_by_id(make_user, make_group, make_api_client):
    # given: five public groups
    alice = make_user()
    ids = [make_group(name=f"Team {n}", is_public=True).id for n in range(5)]
    client = make_api_client(alice)

    # when
    first = client.get("/api/v1/groups/", {"public": "1", "limit": "2"}).json()
    second = client.get(
        "/api/v1/groups/", {"public": "1", "limit": "2", "after": first["results"][-1]["id"]}
    ).json()
    last = client.get(
        "/api/v1/groups/", {"public": "1", "limit": "2", "after": second["results"][-1]["id"]}
    ).json()

    # then
    assert [g["id"] for g in first["results"] + second["results"] + last["results"]] == ids
    assert (first["has_more"], second["has_more"], last["has_more"]) == (True, True, False)


def test_public_groups_default_to_fifty_a_page_and_search_names_in_any_case(
    make_user, make_group, make_api_client
):
    # given
    for n in range(55):
        make_group(name=f"Ops {n}", is_public=True)
    make_group(name="The DESIGN team", is_public=True)
    client = make_api_client(make_user())

    # when
    page = client.get("/api/v1/groups/", {"public": "1"}).json()
    found = client.get("/api/v1/groups/", {"public": "1", "search": "design"}).json()

    # then
    assert (len(page["results"]), page["has_more"]) == (50, True)
    assert [g["name"] for g in found["results"]] == ["The DESIGN team"]
    assert found["has_more"] is False


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "101"}, {"after": "-1"}, {"after": str(2**63)}, {"limit": "x"}],
)
def test_public_group_pages_refuse_bad_cursors(make_user, make_api_client, query):
    response = make_api_client(make_user()).get("/api/v1/groups/", {"public": "1", **query})

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_group_list_refuses_a_public_flag_that_is_not_a_boolean(make_user, make_api_client):
    response = make_api_client(make_user()).get("/api/v1/groups/", {"public": "perhaps"})

    assert response.status_code == 400
    assert "public" in response.json()


@pytest.mark.parametrize("group_count", [1, 50])
def test_group_list_costs_a_fixed_number_of_queries(
    make_user, make_group, make_message, make_api_client, django_assert_num_queries, group_count
):
    # given: named groups with a message and a reaction each, and a direct conversation
    alice, bob = make_user(), make_user()
    for _ in range(group_count):
        group = make_group(owner=alice, members=[bob])
        message = make_message(group=group, sender=bob)
        reaction_add(
            actor=bob,
            membership=Membership.objects.get(user=bob, group=group),
            message=message,
            emoji="🎉",
        )
    direct, _ = services.direct_get_or_create(user=alice, other=bob)
    make_message(group=direct, sender=bob)
    client = make_api_client(alice)

    # when / then: token, groups, memberships, member counts, unread counts, last messages,
    # their reactions and attachments, direct peers
    with django_assert_num_queries(9):
        response = client.get("/api/v1/groups/")
    assert len(response.json()["results"]) == group_count + 1


# --- Create, retrieve, update, delete ---------------------------------------------------------


def test_create_group_makes_the_caller_its_owner(make_user, make_api_client):
    # given
    alice = make_user()

    # when
    response = make_api_client(alice).post(
        "/api/v1/groups/",
        {"name": "  Ops  ", "description": "On call", "is_public": True},
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == GROUP_FIELDS
    assert body | {"id": None} == {
        "id": None,
        "name": "Ops",
        "title": "Ops",
        "description": "On call",
        "kind": "group",
        "is_public": True,
        "mention_all_by": "members",
        "role": "owner",
        "muted": False,
        "member_count": 1,
        "unread_count": 0,
        "mention_count": 0,
        "last_message": None,
    }
    assert Membership.objects.get(group_id=body["id"], user=alice).role == "owner"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 5}, "name"),
        ({"name": None}, "name"),
        ({"name": "Ok", "description": "x" * 2001}, "description"),
        ({"name": "Ok", "is_public": "yes"}, "is_public"),
        ({"name": "Ok", "is_public": 1}, "is_public"),
        ({"name": "Ok\x00"}, "name"),
        (["name"], "non_field_errors"),
    ],
)
def test_create_group_refuses_bad_input(make_user, make_api_client, body, field):
    response = make_api_client(make_user()).post("/api/v1/groups/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Group.objects.exists()


@pytest.mark.parametrize("payload", ["{", "", "null", '"text"', "[1, 2]"])
def test_create_group_answers_400_to_a_body_that_is_not_a_json_object(
    make_user, make_api_client, payload
):
    response = make_api_client(make_user()).post(
        "/api/v1/groups/", payload, content_type="application/json"
    )

    assert response.status_code == 400


def test_public_group_shows_a_non_member_no_role(make_user, make_group, make_api_client):
    # given
    group = make_group(name="Open", is_public=True)

    # when
    response = make_api_client(make_user()).get(f"/api/v1/groups/{group.id}/")

    # then
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["role"]) == ("Open", None)


def test_private_group_answers_a_non_member_as_a_missing_one(
    make_user, make_group, make_api_client
):
    # given
    group = make_group()
    client = make_api_client(make_user())

    # when
    hidden = client.get(f"/api/v1/groups/{group.id}/")
    missing = client.get(f"/api/v1/groups/{MISSING_ID}/")

    # then
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/groups/{OVERFLOWING_ID}/"),
        ("post", f"/api/v1/groups/{OVERFLOWING_ID}/join/"),
        ("get", "/api/v1/groups/abc/"),
        ("get", "/api/v1/groups/-1/"),
    ],
)
def test_ids_in_urls_that_overflow_or_are_not_numbers_are_404(
    make_user, make_group, make_api_client, method, path
):
    # given
    alice = make_user()
    make_group(owner=alice)

    # when
    response = getattr(make_api_client(alice), method)(path)

    # then
    assert response.status_code == 404


def test_update_group_changes_only_the_given_fields(make_user, make_group, make_api_client):
    # given
    alice = make_user()
    group = make_group(owner=alice, name="Old")

    # when
    response = make_api_client(alice).patch(
        f"/api/v1/groups/{group.id}/", {"description": "New words"}, format="json"
    )

    # then
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == ("Old", "New words")


def test_update_of_a_direct_conversation_is_refused(make_user, make_api_client):
    # given
    alice = make_user()
    direct, _ = services.direct_get_or_create(user=alice, other=make_user())

    # when
    response = make_api_client(alice).patch(
        f"/api/v1/groups/{direct.id}/", {"name": "Ours"}, format="json"
    )

    # then
    assert response.status_code == 403
    assert response.json() == {"detail": services.NOT_ALLOWED}


def test_delete_group_takes_its_messages_with_it(
    make_user, make_group, make_message, make_api_client
):
    # given
    alice = make_user()
    group = make_group(owner=alice)
    make_message(group=group, sender=alice)

    # when
    response = make_api_client(alice).delete(f"/api/v1/groups/{group.id}/")

    # then
    assert response.status_code == 204
    assert not Group.objects.filter(pk=group.id).exists()
    assert not Message.objects.filter(group_id=group.id).exists()


# --- Join ------------------------------------------------------------------------------------


def test_join_public_group_makes_the_caller_a_member_once(make_user, make_group, make_api_client):
    # given
    bob = make_user()
    group = make_group(is_public=True)
    client = make_api_client(bob)

    # when
    first = client.post(f"/api/v1/groups/{group.id}/join/")
    again = client.post(f"/api/v1/groups/{group.id}/join/")

    # then
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["role"], first.json()["member_count"]) == ("member", 2)
    assert again.json() == first.json()
    assert Membership.objects.filter(group=group, user=bob).count() == 1


# --- Direct conversations ---------------------------------------------------------------------


def test_direct_conversation_is_created_once_per_pair(make_user, make_api_client):
    # given
    alice, bob = make_user("alice"), make_user("bob", display_name="Bob B.")

    # when
    created = make_api_client(alice).post("/api/v1/direct/", {"user_id": bob.id}, format="json")
    found = make_api_client(bob).post("/api/v1/direct/", {"user_id": alice.id}, format="json")

    # then
    assert (created.status_code, found.status_code) == (201, 200)
    assert created.json()["id"] == found.json()["id"]
    assert created.json()["kind"] == "direct"
    assert (created.json()["member_count"], created.json()["role"]) == (2, "member")
    assert (created.json()["title"], found.json()["title"]) == ("Bob B.", "Alice")


@pytest.mark.parametrize(
    "body", [{}, {"user_id": MISSING_ID}, {"user_id": OVERFLOWING_ID}, {"user_id": "x"}]
)
def test_direct_conversation_refuses_bad_user_ids(make_user, make_api_client, body):
    response = make_api_client(make_user()).post("/api/v1/direct/", body, format="json")

    assert response.status_code == 400
    assert "user_id" in response.json()
    assert not Group.objects.exists()


def test_direct_conversation_with_an_inactive_user_is_refused(make_user, make_api_client):
    gone = make_user(is_active=False)

    response = make_api_client(make_user()).post(
        "/api/v1/direct/", {"user_id": gone.id}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"user_id": [services.USER_INACTIVE]}


# --- Read marker ------------------------------------------------------------------------------


def test_read_marker_clears_unread_messages_up_to_it(
    make_user, make_group, make_message, make_api_client
):
    # given
    alice, bob = make_user(), make_user()
    group = make_group(owner=alice, members=[bob])
    first = make_message(group=group, sender=bob)
    make_message(group=group, sender=bob)
    client = make_api_client(alice)

    # when
    response = client.post(f"/api/v1/groups/{group.id}/read/", {"message_id": first.id}, "json")

    # then
    assert response.status_code == 204
    assert client.get(f"/api/v1/groups/{group.id}/").json()["unread_count"] == 1


@pytest.mark.parametrize(
    "message_id", [None, "abc", 1.5, True, -1, 0, OVERFLOWING_ID, "{elsewhere}"]
)
def test_read_marker_refuses_bad_or_foreign_message_ids(
    make_user, make_group, make_message, make_api_client, message_id
):
    # given
    alice = make_user()
    group = make_group(owner=alice)
    elsewhere = make_message(group=make_group(owner=alice), sender=alice)
    if message_id == "{elsewhere}":
        message_id = elsewhere.id

    # when
    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/read/", {"message_id": message_id}, format="json"
    )

    # then
    assert response.status_code == 400
    assert "message_id" in response.json()
