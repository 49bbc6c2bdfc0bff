"""The contract's Messages table over HTTP: statuses, bodies, keyset pagination, bad input and
query counts (who may call what: tests/test_authorization.py)."""

from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Membership
from messaging import services
from messaging.models import Message, Reaction
from messaging.selectors import BOTH_CURSORS

pytestmark = pytest.mark.django_db

MISSING_ID = 10**6
OVERFLOWING_ID = 10**30
MESSAGE_FIELDS = {
    "id",
    "group",
    "seq",
    "sender",
    "body",
    "html",
    "created_at",
    "edited_at",
    "deleted",
    "client_id",
    "reactions",
    "mentions",
    "mentions_all",
    "attachments",
}


# --- History ----------------------------------------------------------------------------------


@pytest.fixture
def make_history(make_user, make_group, make_message):
    """A group, its owner, and `count` messages of theirs in it (oldest first)."""

    def make(count: int = 5) -> SimpleNamespace:
        owner = make_user()
        group = make_group(owner=owner)
        messages = [make_message(group=group, sender=owner, body=f"#{n}") for n in range(count)]
        return SimpleNamespace(group=group, owner=owner, messages=messages)

    return make


def _history(client, group, **params):
    return client.get(f"/api/v1/groups/{group.id}/messages/", params)


def _ids(response) -> list[int]:
    return [m["id"] for m in response.json()["results"]]


def test_history_without_cursor_is_the_newest_page_ascending(make_history, make_api_client):
    # given
    history = make_history()
    ids = [m.id for m in history.messages]

    # when
    response = _history(make_api_client(history.owner), history.group, limit=3)

    # then
    assert response.status_code == 200
    assert _ids(response) == ids[2:]
    assert response.json()["has_more"] is True


def test_history_before_a_message_is_the_newest_page_below_it(make_history, make_api_client):
    # given
    history = make_history()
    ids = [m.id for m in history.messages]
    client = make_api_client(history.owner)

    # when
    middle = _history(client, history.group, before=ids[3], limit=2)
    first = _history(client, history.group, before=ids[1], limit=2)

    # then
    assert (_ids(middle), middle.json()["has_more"]) == (ids[1:3], True)
    assert (_ids(first), first.json()["has_more"]) == (ids[:1], False)


def test_history_after_a_message_is_the_oldest_page_above_it(make_history, make_api_client):
    # given
    history = make_history()
    ids = [m.id for m in history.messages]
    client = make_api_client(history.owner)

    # when
    from_start = _history(client, history.group, after=0, limit=2)
    last = _history(client, history.group, after=ids[2], limit=2)
    beyond = _history(client, history.group, after=ids[4])

    # then
    assert (_ids(from_start), from_start.json()["has_more"]) == (ids[:2], True)
    assert (_ids(last), last.json()["has_more"]) == (ids[3:], False)
    assert (_ids(beyond), beyond.json()["has_more"]) == ([], False)


def test_history_defaults_to_fifty_messages(make_history, make_api_client):
    history = make_history(51)

    response = _history(make_api_client(history.owner), history.group)

    assert _ids(response) == [m.id for m in history.messages[1:]]
    assert response.json()["has_more"] is True


def test_history_refuses_both_cursors(make_history, make_api_client):
    history = make_history(1)

    response = _history(make_api_client(history.owner), history.group, before=5, after=1)

    assert response.status_code == 400
    assert response.json() == {"detail": [BOTH_CURSORS]}


@pytest.mark.parametrize(
    "params",
    [
        {"before": "abc"},
        {"before": "-1"},
        {"before": "1.5"},
        {"after": str(OVERFLOWING_ID)},
        {"after": "1e3"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"limit": "-5"},
    ],
)
def test_history_refuses_bad_cursors_and_limits(make_history, make_api_client, params):
    history = make_history(1)

    response = _history(make_api_client(history.owner), history.group, **params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("message_count", [1, 100])
def test_history_costs_a_fixed_number_of_queries(
    make_history, make_api_client, django_assert_num_queries, message_count
):
    # given: messages with reactions
    history = make_history(message_count)
    membership = Membership.objects.get(group=history.group, user=history.owner)
    for message in history.messages:
        services.reaction_add(
            actor=history.owner, membership=membership, message=message, emoji="✅"
        )
    client = make_api_client(history.owner)

    # when / then: token, membership with group, messages with senders, reactions
    with django_assert_num_queries(4):
        response = _history(client, history.group, limit=100)
    assert len(response.json()["results"]) == message_count


def test_history_without_reactions_skips_the_reactions_query(
    make_history, make_api_client, django_assert_num_queries
):
    # given
    history = make_history(30)
    client = make_api_client(history.owner)

    # when / then: token, membership with group, messages with senders (and whether any has
    # reactions)
    with django_assert_num_queries(3):
        response = _history(client, history.group, limit=50)
    assert [m["reactions"] for m in response.json()["results"]] == [[]] * 30


def test_history_of_an_unknown_group_is_404(make_user, make_api_client):
    client = make_api_client(make_user())

    assert client.get(f"/api/v1/groups/{MISSING_ID}/messages/").status_code == 404
    assert client.get(f"/api/v1/groups/{OVERFLOWING_ID}/messages/").status_code == 404


# --- Send -------------------------------------------------------------------------------------


def test_send_stores_and_answers_the_message(make_user, make_group, make_api_client):
    # given
    alice = make_user("alice")
    group = make_group(owner=alice)

    # when
    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/messages/",
        {"body": "  **hello**  ", "client_id": "c-1"},
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MESSAGE_FIELDS
    assert body | {"id": None, "created_at": None} == {
        "id": None,
        "group": group.id,
        "seq": 1,
        "sender": {"id": alice.id, "username": "alice", "display_name": "Alice"},
        "body": "**hello**",
        "html": "<p><strong>hello</strong></p>",
        "created_at": None,
        "edited_at": None,
        "deleted": False,
        "client_id": "c-1",
        "reactions": [],
        "mentions": [],
        "mentions_all": False,
        "attachments": [],
    }
    assert Message.objects.get(pk=body["id"]).body == "**hello**"


def test_send_again_with_the_same_client_id_answers_the_same_message(
    make_user, make_group, make_api_client
):
    # given
    alice = make_user()
    group, other_group = make_group(owner=alice), make_group(owner=alice)
    client = make_api_client(alice)
    first = client.post(
        f"/api/v1/groups/{group.id}/messages/", {"body": "once", "client_id": "k"}, format="json"
    )

    # when
    again = client.post(
        f"/api/v1/groups/{group.id}/messages/", {"body": "once", "client_id": "k"}, format="json"
    )
    elsewhere = client.post(
        f"/api/v1/groups/{other_group.id}/messages/", {"body": "x", "client_id": "k"}, "json"
    )

    # then: the key is the sender's in its own group; elsewhere it opens nothing
    assert (first.status_code, again.status_code, elsewhere.status_code) == (201, 200, 404)
    assert again.json() == first.json()
    assert elsewhere.json() == {"detail": "Not found."}
    assert Message.objects.count() == 1


@pytest.mark.parametrize("body", ["x" * 10_000, "\n  " + "x" * 10_000 + "  \n"])
def test_send_takes_up_to_ten_thousand_characters_without_surrounding_whitespace(
    make_user, make_group, make_api_client, body
):
    alice = make_user()
    group = make_group(owner=alice)

    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/messages/", {"body": body}, format="json"
    )

    assert response.status_code == 201
    assert len(response.json()["body"]) == 10_000


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": " \n\t "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": 5}, "body"),
        ({"body": None}, "body"),
        ({"body": ["hi"]}, "body"),
        ({"body": {"text": "hi"}}, "body"),
        ({"body": "nul \x00"}, "body"),
        ({"body": "hi", "client_id": "c" * 65}, "client_id"),
        ({"body": "hi", "client_id": ""}, "client_id"),
        ({"body": "hi", "client_id": 7}, "client_id"),
        (["hi"], "non_field_errors"),
    ],
)
def test_send_refuses_bad_input(make_user, make_group, make_api_client, data, field):
    # given
    alice = make_user()
    group = make_group(owner=alice)

    # when
    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/messages/", data, format="json"
    )

    # then
    assert response.status_code == 400
    assert field in response.json()
    assert not Message.objects.exists()


@pytest.mark.parametrize("payload", ['{"body": "hi"', "", "null", "42"])
def test_send_answers_400_to_a_body_that_is_not_a_json_object(
    make_user, make_group, make_api_client, payload
):
    alice = make_user()
    group = make_group(owner=alice)

    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/messages/", payload, content_type="application/json"
    )

    assert response.status_code == 400


def test_send_takes_a_client_id_of_64_characters(make_user, make_group, make_api_client):
    alice = make_user()
    group = make_group(owner=alice)

    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/messages/", {"body": "hi", "client_id": "c" * 64}, "json"
    )

    assert (response.status_code, response.json()["client_id"]) == (201, "c" * 64)


@pytest.mark.parametrize("group_id", [MISSING_ID, OVERFLOWING_ID])
def test_send_to_an_unknown_group_is_404(make_user, make_api_client, group_id):
    response = make_api_client(make_user()).post(
        f"/api/v1/groups/{group_id}/messages/", {"body": "hi"}, format="json"
    )

    assert response.status_code == 404


# --- One message ------------------------------------------------------------------------------


def test_retrieve_answers_the_message_with_the_callers_reactions(make_cast, make_api_client):
    # given
    cast = make_cast()
    membership = Membership.objects.get(group=cast.group, user=cast.member)
    services.reaction_add(actor=cast.member, membership=membership, message=cast.message, emoji="A")

    # when
    as_member = make_api_client(cast.member).get(f"/api/v1/messages/{cast.message.id}/")
    as_owner = make_api_client(cast.owner).get(f"/api/v1/messages/{cast.message.id}/")

    # then
    assert as_member.status_code == 200
    assert set(as_member.json()) == MESSAGE_FIELDS
    assert as_member.json()["reactions"] == [{"emoji": "A", "count": 1, "me": True}]
    assert as_owner.json()["reactions"] == [{"emoji": "A", "count": 1, "me": False}]


def test_a_message_in_a_private_group_answers_a_non_member_as_a_missing_one(
    make_cast, make_api_client
):
    # given
    cast = make_cast()
    client = make_api_client(cast.outsider)

    # when
    hidden = client.get(f"/api/v1/messages/{cast.message.id}/")
    missing = client.get(f"/api/v1/messages/{MISSING_ID}/")
    overflowing = client.get(f"/api/v1/messages/{OVERFLOWING_ID}/")

    # then
    assert hidden.status_code == missing.status_code == overflowing.status_code == 404
    assert hidden.content == missing.content == overflowing.content


def test_edit_changes_the_body_renders_it_again_and_sets_edited_at(make_cast, make_api_client):
    # given
    cast = make_cast()

    # when
    response = make_api_client(cast.sender).patch(
        f"/api/v1/messages/{cast.message.id}/", {"body": " _fixed_ "}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["body"] == "_fixed_"
    assert response.json()["html"] == "<p><em>fixed</em></p>"
    assert response.json()["edited_at"] is not None


@pytest.mark.parametrize("data", [{}, {"body": "   "}, {"body": "x" * 10_001}, {"body": 1}])
def test_edit_refuses_bad_bodies(make_cast, make_api_client, data):
    cast = make_cast()

    response = make_api_client(cast.sender).patch(
        f"/api/v1/messages/{cast.message.id}/", data, format="json"
    )

    assert response.status_code == 400
    assert "body" in response.json()


def test_edit_of_a_deleted_message_is_refused(make_cast, make_api_client):
    # given
    cast = make_cast()
    client = make_api_client(cast.sender)
    client.delete(f"/api/v1/messages/{cast.message.id}/")

    # when
    response = client.patch(f"/api/v1/messages/{cast.message.id}/", {"body": "back"}, "json")

    # then
    assert response.status_code == 400
    assert response.json() == {"body": [services.MESSAGE_DELETED]}


@pytest.mark.parametrize("deleter", ["sender", "admin", "owner"])
def test_delete_leaves_a_tombstone_in_history(make_cast, make_api_client, deleter):
    # given
    cast = make_cast()

    # when
    client = make_api_client(getattr(cast, deleter))
    response = client.delete(f"/api/v1/messages/{cast.message.id}/")

    # then
    assert response.status_code == 204
    history = make_api_client(cast.member).get(f"/api/v1/groups/{cast.group.id}/messages/")
    [tombstone] = history.json()["results"]
    assert (tombstone["id"], tombstone["deleted"]) == (cast.message.id, True)
    assert (tombstone["body"], tombstone["html"]) == ("", "")


# --- Reactions --------------------------------------------------------------------------------


def test_react_answers_201_then_200_and_stores_one_reaction(make_cast, make_api_client):
    # given
    cast = make_cast()
    client = make_api_client(cast.member)
    url = f"/api/v1/messages/{cast.message.id}/reactions/"

    # when
    first = client.post(url, {"emoji": "🎉"}, format="json")
    again = client.post(url, {"emoji": "🎉"}, format="json")

    # then: each answer is the state after its write
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reactions"] == [{"emoji": "🎉", "count": 1, "me": True}]
    assert again.json()["reactions"] == [{"emoji": "🎉", "count": 1, "me": True}]
    assert Reaction.objects.filter(message=cast.message).count() == 1


def test_unreact_takes_the_callers_reaction_back(make_cast, make_api_client):
    # given
    cast = make_cast()
    client = make_api_client(cast.member)
    client.post(f"/api/v1/messages/{cast.message.id}/reactions/", {"emoji": "🎉"}, format="json")

    # when
    response = client.delete(f"/api/v1/messages/{cast.message.id}/reactions/{quote('🎉')}/")

    # then
    assert response.status_code == 204
    assert not Reaction.objects.exists()


@pytest.mark.parametrize(
    "data", [{}, {"emoji": ""}, {"emoji": "a b"}, {"emoji": "x" * 33}, {"emoji": 1}, {"emoji": "/"}]
)
def test_react_refuses_bad_emoji(make_cast, make_api_client, data):
    cast = make_cast()

    response = make_api_client(cast.member).post(
        f"/api/v1/messages/{cast.message.id}/reactions/", data, format="json"
    )

    assert response.status_code == 400
    assert "emoji" in response.json()


def test_react_to_a_deleted_message_is_refused(make_cast, make_api_client):
    cast = make_cast()
    make_api_client(cast.sender).delete(f"/api/v1/messages/{cast.message.id}/")

    response = make_api_client(cast.member).post(
        f"/api/v1/messages/{cast.message.id}/reactions/", {"emoji": "👍"}, format="json"
    )

    assert response.status_code == 400


# --- Search -----------------------------------------------------------------------------------


def test_search_finds_messages_of_the_callers_groups_newest_first(
    make_user, make_group, make_message, make_api_client
):
    # given
    alice = make_user()
    mine, other = make_group(owner=alice), make_group(owner=alice)
    older = make_message(group=mine, sender=alice, body="deploy the api")
    newer = make_message(group=other, sender=alice, body="the deploy went fine")
    stranger = make_user()
    make_message(group=make_group(owner=stranger), sender=stranger, body="deploy elsewhere")

    # when
    response = make_api_client(alice).get("/api/v1/search/", {"q": "deploy"})

    # then
    assert response.status_code == 200
    assert _ids(response) == [newer.id, older.id]
    assert set(response.json()["results"][0]) == MESSAGE_FIELDS


def test_search_in_one_group(make_user, make_group, make_message, make_api_client):
    # given
    alice = make_user()
    mine, other = make_group(owner=alice), make_group(owner=alice)
    wanted = make_message(group=mine, sender=alice, body="deploy")
    make_message(group=other, sender=alice, body="deploy")

    # when
    response = make_api_client(alice).get("/api/v1/search/", {"q": "deploy", "group": mine.id})

    # then
    assert _ids(response) == [wanted.id]


def test_search_costs_as_many_queries_for_fifty_results_as_for_one(
    make_user, make_group, make_message, make_api_client
):
    # given: one message with "rare", fifty with "common", each with a reaction
    alice = make_user()
    group = make_group(owner=alice)
    membership = Membership.objects.get(group=group, user=alice)
    for body in ["rare"] + ["common"] * 50:
        message = make_message(group=group, sender=alice, body=body)
        services.reaction_add(actor=alice, membership=membership, message=message, emoji="👀")
    client = make_api_client(alice)

    # when
    with CaptureQueriesContext(connection) as one:
        rare = client.get("/api/v1/search/", {"q": "rare"})
    with CaptureQueriesContext(connection) as fifty:
        common = client.get("/api/v1/search/", {"q": "common"})

    # then
    assert (len(_ids(rare)), len(_ids(common))) == (1, 50)
    assert len(one) == len(fifty)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 201},
        {"q": "hi", "group": "abc"},
        {"q": "hi", "group": "1.5"},
        {"q": "hi", "group": str(OVERFLOWING_ID)},
    ],
)
def test_search_refuses_bad_queries(make_user, make_api_client, params):
    response = make_api_client(make_user()).get("/api/v1/search/", params)

    assert response.status_code == 400


# --- Limits -----------------------------------------------------------------------------------


def test_writes_are_throttled_per_user_and_reads_are_not(
    make_user, make_group, make_api_client, settings
):
    # given
    settings.RATE_LIMITS_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "writes": "2/min"}
    alice = make_user()
    group = make_group(owner=alice)
    client = make_api_client(alice)
    url = f"/api/v1/groups/{group.id}/messages/"

    # when
    sends = [client.post(url, {"body": f"#{n}"}, format="json") for n in range(3)]
    read = client.get(url)

    # then
    assert [r.status_code for r in sends] == [201, 201, 429]
    assert int(sends[-1]["Retry-After"]) > 0
    assert read.status_code == 200


def test_a_body_beyond_the_upload_limit_is_refused_with_400(
    make_user, make_group, make_api_client, settings
):
    # given
    alice = make_user()
    group = make_group(owner=alice)
    body = '{"body": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'

    # when
    response = make_api_client(alice).post(
        f"/api/v1/groups/{group.id}/messages/", body, content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert not Message.objects.exists()
