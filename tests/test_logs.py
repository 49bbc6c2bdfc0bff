"""Logs never hold message bodies, passwords, tokens or cookies: a secret goes through every door
(pages, the admin, REST) while each logs what it logs for a refusal (400, 401, 403, 404,
throttled sign-ins), and the whole log is searched for it. The websocket's own logged failures
are tried in chat/tests/test_abuse.py (a failing frame) and chat/tests/test_database_away.py
(PostgreSQL away, in a server process's log)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from conftest import PASSWORD

SECRET = "s3cret-that-must-never-be-logged"


@pytest.fixture
def log(caplog):
    """Everything every logger writes, from DEBUG up, formatted as the site's handler would."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_no_door_logs_a_secret(log, settings, make_user, make_group, make_api_client):
    # given: sign-in throttles on, a member of one group and a stranger to another
    settings.RATE_LIMITS_ENABLED = True
    member = make_user("member")
    group = make_group(members=[member])
    hidden = make_group(owner=make_user())
    api = make_api_client(member)
    browser = Client()

    # when: a password, a body, a token and a cookie go through every door, refused
    for _ in range(12):  # past the sign-in throttle
        browser.post("/login/", {"username": "member", "password": SECRET})
        browser.post("/admin/login/", {"username": "member", "password": SECRET})
        Client().post("/api/v1/auth/token/", {"username": "member", "password": SECRET})
    api.post(f"/api/v1/groups/{hidden.id}/messages/", {"body": SECRET}, format="json")
    api.post(f"/api/v1/groups/{group.id}/messages/", {"body": SECRET * 2000}, format="json")
    api.post(
        f"/api/v1/groups/{group.id}/messages/",
        f'{{"body": "{SECRET}"',
        content_type="application/json",
    )
    api.post(
        "/api/v1/users/me/password/",
        {"old_password": SECRET, "new_password": SECRET},
        format="json",
    )
    Client().get("/api/v1/groups/", HTTP_AUTHORIZATION=f"Token {SECRET}")
    Client().get(f"/groups/{hidden.id}/", HTTP_COOKIE=f"sessionid={SECRET}")
    signed_in = Client()
    signed_in.login(username="member", password=PASSWORD)
    signed_in.post("/password/change/", {"old_password": SECRET, "new_password1": SECRET})

    # then
    assert log.records, "the refusals were logged"
    assert SECRET not in log.text
    assert all(SECRET not in str(record.args) for record in log.records)
