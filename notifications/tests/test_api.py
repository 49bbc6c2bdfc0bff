"""The notification endpoints: the list, reading, the preferences; and a group's mute."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Membership
from messaging.services import mark_read, reaction_add
from notifications.models import Notification

pytestmark = pytest.mark.django_db

NOTIFICATION_FIELDS = {"id", "kind", "message", "group", "created_at", "read"}


def _mention(cast, make_message, who: str = "owner", body: str = "look"):
    return make_message(
        group=cast.group, sender=cast.member, body=f"@{getattr(cast, who).username} {body}"
    )


def test_the_list_is_the_callers_newest_first_with_the_unread_count(
    make_cast, make_message, make_api_client
):
    # given: three mentions of the owner, one of the admin
    cast = make_cast()
    messages = [_mention(cast, make_message, body=str(i)) for i in range(3)]
    _mention(cast, make_message, who="admin")

    # when
    body = make_api_client(cast.owner).get("/api/v1/notifications/").json()

    # then
    assert [n["message"]["id"] for n in body["results"]] == [m.id for m in reversed(messages)]
    assert set(body["results"][0]) == NOTIFICATION_FIELDS
    first = body["results"][0]
    assert (first["kind"], first["group"], first["read"]) == ("mention", cast.group.id, False)
    assert first["message"]["mentions"] == [cast.owner.id]
    assert (body["has_more"], body["unread"]) == (False, 3)


def test_the_list_pages_with_before(make_cast, make_message, make_api_client):
    # given
    cast = make_cast()
    for i in range(5):
        _mention(cast, make_message, body=str(i))
    client = make_api_client(cast.owner)

    # when
    first = client.get("/api/v1/notifications/?limit=2").json()
    second = client.get(f"/api/v1/notifications/?limit=2&before={first['results'][-1]['id']}")

    # then
    ids = [n["id"] for n in first["results"] + second.json()["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    assert first["has_more"] is True


@pytest.mark.parametrize("count", [1, 20])
def test_a_page_costs_a_fixed_number_of_queries(make_cast, make_message, make_api_client, count):
    # given: mentions whose messages have reactions
    cast = make_cast()
    for i in range(count):
        message = _mention(cast, make_message, body=str(i))
        reaction_add(
            actor=cast.owner,
            membership=Membership.objects.get(user=cast.owner, group=cast.group),
            message=message,
            emoji="👍",
        )
    client = make_api_client(cast.owner)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/notifications/")

    # then: the token, the notifications, their messages, their reactions, the unread count
    assert len(response.json()["results"]) == count
    assert len(queries) == 5


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "before=0", "before=" + "9" * 30]
)
def test_bad_paging_is_a_400(make_user, make_api_client, query):
    # when
    response = make_api_client(make_user()).get(f"/api/v1/notifications/?{query}")

    # then
    assert response.status_code == 400


def test_reading_up_to_a_notification_reads_it_and_those_before(
    make_cast, make_message, make_api_client
):
    # given
    cast = make_cast()
    for i in range(3):
        _mention(cast, make_message, body=str(i))
    client = make_api_client(cast.owner)
    ids = [n["id"] for n in client.get("/api/v1/notifications/").json()["results"]]

    # when
    answer = client.post("/api/v1/notifications/read/", {"up_to": ids[1]}, format="json")

    # then
    assert answer.status_code == 204
    page = client.get("/api/v1/notifications/").json()
    assert [n["read"] for n in page["results"]] == [False, True, True]
    assert page["unread"] == 1


def test_reading_someone_elses_notification_id_reads_nothing_of_theirs(
    make_cast, make_message, make_api_client
):
    # given: the admin's notification has a higher id than any of the owner's
    cast = make_cast()
    _mention(cast, make_message, who="admin")

    # when
    make_api_client(cast.owner).post(
        "/api/v1/notifications/read/", {"up_to": Notification.objects.get().id}, format="json"
    )

    # then
    assert Notification.objects.get().read is False


@pytest.mark.parametrize("body", [{}, {"up_to": "one"}, {"up_to": 0}, {"up_to": 10**30}])
def test_a_bad_read_is_a_400(make_user, make_api_client, body):
    # when
    response = make_api_client(make_user()).post("/api/v1/notifications/read/", body, format="json")

    # then
    assert response.status_code == 400


def test_the_read_marker_reads_the_groups_notifications_up_to_it(make_cast, make_message):
    # given
    cast = make_cast()
    first, second = (_mention(cast, make_message, body=str(i)) for i in range(2))

    # when
    mark_read(
        membership=Membership.objects.get(user=cast.owner, group=cast.group),
        message_id=first.id,
    )

    # then
    read = dict(Notification.objects.values_list("message_id", "read"))
    assert read == {first.id: True, second.id: False}


def test_preferences_have_the_contracts_defaults(make_user, make_api_client):
    # when
    body = make_api_client(make_user()).get("/api/v1/users/me/notifications/").json()

    # then
    assert body == {"email": "mentions", "email_delay_minutes": 5, "push": True, "dnd_until": None}


def test_preferences_change_and_stay_changed(make_user, make_api_client):
    # given
    client = make_api_client(make_user())

    # when
    answer = client.patch(
        "/api/v1/users/me/notifications/",
        {"email": "all", "email_delay_minutes": 0, "dnd_until": "2030-01-01T08:00:00Z"},
        format="json",
    )

    # then
    expected = {
        "email": "all",
        "email_delay_minutes": 0,
        "push": True,
        "dnd_until": "2030-01-01T08:00:00Z",
    }
    assert answer.json() == expected
    assert client.get("/api/v1/users/me/notifications/").json() == expected


@pytest.mark.parametrize(
    "change",
    [
        {"email": "sometimes"},
        {"email_delay_minutes": 1441},
        {"email_delay_minutes": -1},
        {"email_delay_minutes": "5"},
        {"push": "yes"},
        {"dnd_until": "tomorrow"},
    ],
    ids=["email", "delay-high", "delay-negative", "delay-string", "push-string", "dnd"],
)
def test_bad_preferences_are_a_400(make_user, make_api_client, change):
    # when
    response = make_api_client(make_user()).patch(
        "/api/v1/users/me/notifications/", change, format="json"
    )

    # then
    assert response.status_code == 400


def test_a_member_mutes_a_group_and_the_group_says_so(make_cast, make_api_client):
    # given
    cast = make_cast()
    client = make_api_client(cast.member)

    # when
    answer = client.patch(
        f"/api/v1/groups/{cast.group.id}/preferences/", {"muted": True}, format="json"
    )

    # then
    assert answer.json() == {"muted": True}
    assert client.get(f"/api/v1/groups/{cast.group.id}/preferences/").json() == {"muted": True}
    assert client.get(f"/api/v1/groups/{cast.group.id}/").json()["muted"] is True
    owner_view = make_api_client(cast.owner).get(f"/api/v1/groups/{cast.group.id}/").json()
    assert owner_view["muted"] is False


@pytest.mark.parametrize("body", [{"muted": "yes"}, {"muted": 1}, {"muted": None}])
def test_a_bad_mute_is_a_400(make_cast, make_api_client, body):
    # given
    cast = make_cast()

    # when
    response = make_api_client(cast.member).patch(
        f"/api/v1/groups/{cast.group.id}/preferences/", body, format="json"
    )

    # then
    assert response.status_code == 400
