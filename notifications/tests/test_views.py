"""The notifications page and the notification settings page."""

import pytest

from notifications.models import Notification, Preferences

pytestmark = pytest.mark.django_db


def test_the_page_lists_the_callers_notifications_with_links(client, make_cast, make_message):
    # given
    cast = make_cast()
    message = make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} hi")
    client.force_login(cast.owner)

    # when
    response = client.get("/notifications/")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="/groups/{cast.group.id}/#message-{message.id}"' in page
    assert "mentioned you" in page
    assert 'aria-label="1 unread"' in page


def test_mark_all_read(client, make_cast, make_message):
    # given
    cast = make_cast()
    for i in range(2):
        make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} {i}")
    client.force_login(cast.owner)

    # when
    response = client.post("/notifications/")

    # then
    assert response.status_code == 302
    assert not Notification.objects.filter(read=False).exists()


def test_the_pages_need_a_signed_in_user(client):
    # then
    for path in ("/notifications/", "/settings/notifications/"):
        assert client.get(path).status_code == 302


def test_the_settings_page_saves_the_preferences(client, user):
    # given
    client.force_login(user)

    # when
    shown = client.get("/settings/notifications/")
    saved = client.post(
        "/settings/notifications/",
        {"email": "off", "email_delay_minutes": "30", "push": "", "dnd_until": ""},
    )

    # then
    assert shown.status_code == 200 and 'name="email"' in shown.content.decode()
    assert saved.status_code == 302
    preferences = Preferences.objects.get(user=user)
    assert (preferences.email, preferences.email_delay_minutes, preferences.push) == (
        "off",
        30,
        False,
    )


def test_choosing_all_on_the_settings_page_shows_when_the_digest_is_due(client, user):
    # given
    client.force_login(user)

    # when
    client.post(
        "/settings/notifications/",
        {"email": "all", "email_delay_minutes": "5", "push": "on", "dnd_until": ""},
    )
    page = client.get("/settings/notifications/").content.decode()

    # then
    due = Preferences.objects.get(user=user).digest_due_at
    assert due is not None
    assert f'<time datetime="{due.isoformat()}">' in page


def test_the_settings_page_refuses_bad_values(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(
        "/settings/notifications/", {"email": "sometimes", "email_delay_minutes": "5000"}
    )

    # then
    assert response.status_code == 200
    assert "field--invalid" in response.content.decode()
    assert not Preferences.objects.exists()


def test_the_service_worker_is_served_at_the_root(client):
    # when
    response = client.get("/sw.js")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("push"' in b"".join(response.streaming_content)
