"""messaging.search: what a search finds, in which order, for whom, and (on PostgreSQL) on which
indexes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import search
from messaging.search import QUERY_INVALID, QUERY_TOO_LONG, search_messages
from messaging.seeding import load_messages
from messaging.services import message_delete

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full text and trigram indexes are PostgreSQL's"
)


@pytest.fixture
def team(make_user, make_group):
    """alice and bob in a private group."""
    alice, bob = make_user(), make_user()
    return make_group(owner=alice, members=[bob]), alice, bob


def bodies(messages):
    return [m.body for m in messages]


def test_search_finds_a_word_in_any_case(team, make_message):
    # given
    group, alice, bob = team
    make_message(group=group, sender=bob, body="The Deployment is done")
    make_message(group=group, sender=bob, body="lunch?")

    # when
    found = search_messages(user=alice, q="deployment")

    # then
    assert bodies(found) == ["The Deployment is done"]


def test_search_finds_part_of_a_word(team, make_message):
    # given
    group, alice, bob = team
    make_message(group=group, sender=bob, body="the deployment is done")

    # when
    found = search_messages(user=alice, q="deplo")

    # then
    assert bodies(found) == ["the deployment is done"]


def test_search_answers_newest_first_up_to_the_limit(team, make_message):
    # given
    group, alice, bob = team
    for number in range(1, 6):
        make_message(group=group, sender=bob, body=f"release {number}")

    # when
    found = search_messages(user=alice, q="release", limit=3)

    # then
    assert bodies(found) == ["release 5", "release 4", "release 3"]


def test_search_answers_at_most_a_hundred_messages(team):
    # given
    group, alice, _ = team
    load_messages(group=group, total=search.SEARCH_MAX_LIMIT + 5)
    word = group.messages.order_by("id").first().body.split()[0]
    matching = group.messages.filter(body__icontains=word).count()

    # when
    found = search_messages(user=alice, q=word, limit=1000)

    # then
    assert len(found) == min(matching, search.SEARCH_MAX_LIMIT)


def test_search_leaves_out_groups_the_user_is_not_a_member_of(make_user, make_group, make_message):
    # given
    alice, stranger = make_user(), make_user()
    public = make_group(owner=stranger, is_public=True)
    private = make_group(owner=stranger)
    mine = make_group(owner=alice)
    make_message(group=public, sender=stranger, body="standup notes, public")
    make_message(group=private, sender=stranger, body="standup notes, private")
    make_message(group=mine, sender=alice, body="standup notes, mine")

    # when
    found = search_messages(user=alice, q="standup")

    # then
    assert bodies(found) == ["standup notes, mine"]


def test_search_in_one_group_leaves_out_the_others(make_user, make_group, make_message):
    # given
    alice = make_user()
    first, second = make_group(owner=alice), make_group(owner=alice)
    make_message(group=first, sender=alice, body="budget in first")
    make_message(group=second, sender=alice, body="budget in second")

    # when
    found = search_messages(user=alice, q="budget", group_id=first.id)

    # then
    assert bodies(found) == ["budget in first"]


def test_search_in_a_group_the_user_is_not_in_finds_nothing(make_user, make_group, make_message):
    # given
    alice, stranger = make_user(), make_user()
    theirs = make_group(owner=stranger, is_public=True)
    make_message(group=theirs, sender=stranger, body="budget")

    # when
    found = search_messages(user=alice, q="budget", group_id=theirs.id)

    # then
    assert found == []


def test_search_leaves_out_deleted_messages(team, make_message):
    # given
    group, alice, bob = team
    kept = make_message(group=group, sender=bob, body="invoice 1")
    gone = make_message(group=group, sender=bob, body="invoice 2")
    message_delete(actor=bob, membership=group.memberships.get(user=bob), message=gone)

    # when
    found = search_messages(user=alice, q="invoice")

    # then
    assert [m.id for m in found] == [kept.id]


@pytest.mark.parametrize("q", ["", "   ", "\n\t"])
def test_an_empty_search_finds_nothing(team, make_message, q):
    # given
    group, alice, bob = team
    make_message(group=group, sender=bob, body="anything")

    # when / then
    assert search_messages(user=alice, q=q) == []


@pytest.mark.parametrize(
    ("q", "error"),
    [("x" * (search.QUERY_MAX_LENGTH + 1), QUERY_TOO_LONG), ("dep\x00loy", QUERY_INVALID)],
)
def test_search_refuses_a_query_that_is_too_long_or_holds_null_characters(team, q, error):
    # given
    _, alice, _ = team

    # when
    with pytest.raises(ValidationError) as refused:
        search_messages(user=alice, q=q)

    # then
    assert refused.value.message_dict == {"q": [error]}


def test_search_takes_a_query_of_the_longest_length(team, make_message):
    # given
    group, alice, bob = team
    body = "y" * search.QUERY_MAX_LENGTH
    make_message(group=group, sender=bob, body=body)

    # when / then
    assert bodies(search_messages(user=alice, q=body)) == [body]


def test_search_loads_the_senders_with_the_messages(team, make_message, django_assert_num_queries):
    # given
    group, alice, bob = team
    for number in range(3):
        make_message(group=group, sender=bob, body=f"report {number}")
    found = search_messages(user=alice, q="report")

    # when / then
    with django_assert_num_queries(0):
        assert {m.sender.username for m in found} == {bob.username}


@pytest.mark.parametrize("matches", [1, 30])
def test_search_costs_a_fixed_number_of_queries(team, make_message, matches):
    # given
    group, alice, bob = team
    for number in range(matches):
        make_message(group=group, sender=bob, body=f"metrics {number}")

    # when
    with CaptureQueriesContext(connection) as queries:
        found = search_messages(user=alice, q="metrics")

    # then: the user's groups, then the messages (PostgreSQL: the matching ids, then the page)
    assert len(found) == matches
    assert len(queries) == (3 if connection.vendor == "postgresql" else 2)


@postgresql_only
def test_search_matches_whole_words_in_any_order(team, make_message):
    # given
    group, alice, bob = team
    make_message(group=group, sender=bob, body="deployment planned on Friday")

    # when
    found = search_messages(user=alice, q="friday deployment")

    # then
    assert bodies(found) == ["deployment planned on Friday"]


@postgresql_only
def test_search_understands_web_search_syntax(team, make_message):
    # given
    group, alice, bob = team
    make_message(group=group, sender=bob, body="deploy the api")
    make_message(group=group, sender=bob, body="deploy the frontend")

    # when
    found = search_messages(user=alice, q="deploy -frontend")

    # then
    assert bodies(found) == ["deploy the api"]


@postgresql_only
@pytest.mark.parametrize("q", ["a:b & (", "!!!", '"unterminated', "-", "or or"])
def test_search_takes_any_punctuation_without_error(team, make_message, q):
    # given
    group, alice, bob = team
    make_message(group=group, sender=bob, body='a:b & ( !!! "unterminated - or or')

    # when / then
    assert len(search_messages(user=alice, q=q)) <= 1


@postgresql_only
def test_search_of_a_common_word_is_still_newest_first(team, make_message, monkeypatch):
    # given: more matches than the probe collects
    group, alice, bob = team
    monkeypatch.setattr(search, "MATCH_PROBE_CAP", 3)
    for number in range(1, 6):
        make_message(group=group, sender=bob, body=f"standup {number}")

    # when
    found = search_messages(user=alice, q="standup", limit=2)

    # then
    assert bodies(found) == ["standup 5", "standup 4"]


@postgresql_only
@pytest.mark.parametrize(
    ("q", "index"), [("zanzibar", "message_body_fts_idx"), ("anzib", "message_body_trgm_idx")]
)
def test_search_of_a_rare_word_runs_on_the_gin_indexes(team, make_message, q, index):
    # given: thousands of messages, one of which holds the word
    group, alice, bob = team
    load_messages(group=group, total=20_000)
    make_message(group=group, sender=bob, body="meet me in Zanzibar")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message")

    # when
    with CaptureQueriesContext(connection) as queries:
        found = search_messages(user=alice, q=q)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries[1]["sql"])  # the probe for matching ids
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then
    assert bodies(found) == ["meet me in Zanzibar"]
    assert f"Bitmap Index Scan on {index}" in plan, plan
