"""The notifications in the admin: listed cheaply, found by user, never written by hand; the
preferences an admin changes start or end the digests like the user's own change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from notifications.models import Preferences

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_notification_changelist")


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_costs_a_fixed_number_of_queries(admin_client, make_cast, make_message, count):
    # given
    cast = make_cast()
    for i in range(count):
        make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} {i}")

    # when
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST)

    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    assert len(queries) <= 8


def test_search_by_username(admin_client, make_cast, make_message):
    # given
    cast = make_cast()
    make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username}")
    make_message(group=cast.group, sender=cast.member, body=f"@{cast.admin.username}")

    # when
    response = admin_client.get(CHANGELIST, {"q": cast.admin.username})

    # then
    assert [n.user for n in response.context["cl"].result_list] == [cast.admin]


def test_nobody_adds_a_notification_by_hand(admin_client):
    # then
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_choosing_all_in_the_admin_starts_the_users_digests(admin_client, user):
    # given
    preferences = Preferences.objects.create(user=user)
    url = reverse("admin:notifications_preferences_change", args=[preferences.pk])

    # when
    response = admin_client.post(
        url, {"user": user.pk, "email": "all", "email_delay_minutes": 5, "push": "on"}
    )

    # then
    assert response.status_code == 302
    preferences.refresh_from_db()
    assert preferences.digest_due_at is not None
    [job] = DBTaskResult.objects.filter(task_path="notifications.digests.send_digest")
    assert job.run_after == preferences.digest_due_at
