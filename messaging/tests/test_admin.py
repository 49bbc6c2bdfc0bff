"""The messages admin: a list that stays cheap on a large table, search, read-only pages, and
moderation by tombstone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.admin import EstimatedCountPaginator
from messaging.models import Message
from messaging.seeding import load_messages
from messaging.services import reaction_add

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:messaging_message_changelist")


@pytest.fixture
def chatter(make_user, make_group, make_message):
    """A group whose owner wrote two messages."""
    owner = make_user("olivia")
    group = make_group(owner=owner, name="Platform")
    make_message(group=group, sender=owner, body="the deployment went fine")
    make_message(group=group, sender=owner, body="lunch at noon?")
    return group, owner


def listed(response) -> list[str]:
    return [message.body for message in response.context["cl"].result_list]


def test_the_message_list_answers_a_superuser_newest_first(admin_client, chatter):
    # when
    response = admin_client.get(CHANGELIST)

    # then
    assert response.status_code == 200
    assert listed(response) == ["lunch at noon?", "the deployment went fine"]


def test_the_message_list_searches_bodies(admin_client, chatter):
    # when
    response = admin_client.get(CHANGELIST, {"q": "deploy"})

    # then
    assert listed(response) == ["the deployment went fine"]


def test_the_message_list_narrows_to_one_group(admin_client, chatter, make_group, make_message):
    # given
    group, owner = chatter
    other = make_group(owner=owner, name="Other")
    make_message(group=other, sender=owner, body="elsewhere")

    # when
    response = admin_client.get(CHANGELIST, {"group__id__exact": other.id})

    # then
    assert listed(response) == ["elsewhere"]


@pytest.mark.parametrize("query", [{"deleted__exact": "0"}, {"group__kind__exact": "group"}])
def test_the_message_list_filters(admin_client, chatter, query):
    # when
    response = admin_client.get(CHANGELIST, query)

    # then
    assert response.status_code == 200
    assert len(listed(response)) == 2


def test_the_message_list_costs_the_same_queries_for_few_and_many_messages(admin_client, chatter):
    # given
    group, _ = chatter
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)
    load_messages(group=group, total=150)

    # when
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(CHANGELIST)

    # then: a full page of 100, each with its group and sender, in as many queries as 2
    assert len(listed(response)) == 100
    assert len(many) == len(few) <= 8


def test_the_paginator_counts_exactly_below_its_limit(chatter):
    # when
    paginator = EstimatedCountPaginator(Message.objects.order_by("-id"), 100)

    # then
    assert paginator.count == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates are PostgreSQL's")
def test_the_paginator_estimates_a_large_table_without_counting_it_whole(chatter, monkeypatch):
    # given: more rows than the paginator counts exactly
    group, _ = chatter
    load_messages(group=group, total=40)
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_COUNT_LIMIT", 10)

    # when
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Message.objects.order_by("-id"), 100).count

    # then: one count, of at most 11 rows, then the estimate (the loader ran ANALYZE)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 11" in counts[0]
    assert count == 40


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL estimates")
def test_the_paginator_counts_exactly_elsewhere(chatter, monkeypatch):
    # given
    group, _ = chatter
    load_messages(group=group, total=40)
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_COUNT_LIMIT", 10)

    # when
    count = EstimatedCountPaginator(Message.objects.order_by("-id"), 100).count

    # then
    assert count == 40


def test_the_message_page_shows_a_message_read_only(admin_client, chatter):
    # given
    message = Message.objects.get(body="lunch at noon?")

    # when
    response = admin_client.get(reverse("admin:messaging_message_change", args=[message.id]))

    # then
    assert response.status_code == 200
    assert "lunch at noon?" in response.content.decode()
    assert not response.context["has_change_permission"]


@pytest.mark.parametrize("page", ["add", "delete"])
def test_messages_cannot_be_added_or_deleted_whole_in_the_admin(admin_client, chatter, page):
    # given
    args = [] if page == "add" else [Message.objects.first().id]

    # when
    response = admin_client.get(reverse(f"admin:messaging_message_{page}", args=args))

    # then
    assert response.status_code == 403


def test_the_delete_action_leaves_tombstones(admin_client, chatter):
    # given
    group, owner = chatter
    message = Message.objects.get(body="lunch at noon?")
    reaction_add(
        actor=owner, membership=group.memberships.get(user=owner), message=message, emoji="👍"
    )

    # when
    response = admin_client.post(
        CHANGELIST, {"action": "delete_as_tombstones", "_selected_action": [message.id]}
    )

    # then
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.deleted, message.body, message.html) == (True, "", "")
    assert not message.reactions.exists()
    assert Message.objects.filter(group=group).count() == 2


def test_the_reaction_list_answers_a_superuser(admin_client, chatter):
    # given
    group, owner = chatter
    message = Message.objects.first()
    reaction_add(
        actor=owner, membership=group.memberships.get(user=owner), message=message, emoji="🎉"
    )

    # when
    response = admin_client.get(reverse("admin:messaging_reaction_changelist"))

    # then
    assert response.status_code == 200
    assert [r.emoji for r in response.context["cl"].result_list] == ["🎉"]
