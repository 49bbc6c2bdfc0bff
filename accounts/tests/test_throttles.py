"""Rate limits: per username and per client address on sign-in, per address on sign-up, per
e-mail and per address on password reset, per user on writes; 429 with Retry-After; one switch
turns them all off."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from accounts.views import TOO_MANY_ATTEMPTS
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("api:auth-token")
REGISTER_URL = reverse("api:auth-register")
ME_URL = reverse("api:users-me")


@pytest.fixture
def rate_limits_on(settings):
    """Throttles on with small rates (conftest turns them off for every other test). The
    counts run in fixed windows (a minute, an hour): a test that began in a window's last
    seconds would see its count start again halfway, so it waits for the next window."""
    if (left := 60 - time.time() % 60) < 5:
        time.sleep(left + 0.05)
    settings.RATE_LIMITS_ENABLED = True
    settings.THROTTLE_RATES = {
        "login_user": "2/min",
        "login_ip": "4/min",
        "register_ip": "2/hour",
        "password_reset": "2/hour",
        "writes": "2/min",
    }


def token_attempt(client, username, address="10.0.0.1", password="wrong", **headers):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def assert_throttled(response, within_seconds: int) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= within_seconds


# --- Sign-in: per username ----------------------------------------------------------------


def test_token_attempts_are_limited_per_username_from_any_address(rate_limits_on, api_client, user):
    # given
    token_attempt(api_client, "alice", address="10.0.0.1")
    token_attempt(api_client, "alice", address="10.0.0.2")

    # when
    third = token_attempt(api_client, "ALICE", address="10.0.0.3", password=PASSWORD)
    other_user = token_attempt(api_client, "bob", address="10.0.0.3")

    # then
    assert_throttled(third, within_seconds=60)
    assert other_user.status_code == 400


# --- Sign-in: per client address ----------------------------------------------------------


def test_token_attempts_are_limited_per_address_whatever_the_username(rate_limits_on, api_client):
    # given
    for number in range(4):
        assert token_attempt(api_client, f"user{number}").status_code == 400

    # when
    fifth = token_attempt(api_client, "user9")
    other_address = token_attempt(api_client, "user9", address="10.0.0.2")

    # then
    assert_throttled(fifth, within_seconds=60)
    assert other_address.status_code == 400


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(
    rate_limits_on, api_client
):
    # given
    for number in range(4):
        token_attempt(api_client, f"user{number}", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    # when
    response = token_attempt(api_client, "user9", HTTP_X_FORWARDED_FOR="203.0.113.99")

    # then
    assert_throttled(response, within_seconds=60)


@pytest.mark.parametrize(
    "raw",
    [b"[1, 2]", b"{not json", b'{"username": 5, "password": "x"}', b"null"],
    ids=["list", "truncated", "number-username", "null"],
)
def test_malformed_sign_in_bodies_are_answered_400_with_limits_on(rate_limits_on, api_client, raw):
    # when
    response = api_client.post(TOKEN_URL, raw, content_type="application/json")

    # then
    assert response.status_code == 400


def test_revoking_a_token_is_not_a_sign_in_attempt(rate_limits_on, user, api_client):
    # given: a browser session, which may revoke the user's token as often as it likes
    api_client.force_login(user)

    # when
    answers = [api_client.delete(TOKEN_URL, REMOTE_ADDR="10.0.0.1").status_code for _ in range(6)]

    # then
    assert answers == [204] * 6


# --- The login page shares the API's counts -----------------------------------------------


def test_login_page_attempts_count_with_api_attempts_for_the_same_username(
    rate_limits_on, api_client, client, user
):
    # given
    token_attempt(api_client, "alice", address="10.0.0.1")
    client.post(
        reverse("login"), {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.2"
    )

    # when: the right password, but too late
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3"
    )

    # then
    assert_throttled(response, within_seconds=60)
    assert response.context["throttled"] == TOO_MANY_ATTEMPTS.format(
        seconds=response["Retry-After"]
    )
    assert TOO_MANY_ATTEMPTS.format(seconds=response["Retry-After"]) in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_is_limited_per_address(rate_limits_on, client):
    # given
    for number in range(4):
        client.post(reverse("login"), {"username": f"user{number}", "password": "x"})

    # when
    response = client.post(reverse("login"), {"username": "user9", "password": "x"})

    # then
    assert_throttled(response, within_seconds=60)


def test_viewing_the_login_page_is_not_an_attempt(rate_limits_on, client):
    # when
    answers = [client.get(reverse("login")).status_code for _ in range(6)]

    # then
    assert answers == [200] * 6


# --- Sign-up ------------------------------------------------------------------------------


def test_registrations_are_limited_per_address(rate_limits_on, api_client):
    # given
    for name in ("ann", "ben"):
        body = {"username": name, "password": PASSWORD}
        assert api_client.post(REGISTER_URL, body, format="json").status_code == 201

    # when
    third = api_client.post(REGISTER_URL, {"username": "cat", "password": PASSWORD}, format="json")

    # then
    assert_throttled(third, within_seconds=3600)


def test_signup_page_counts_with_the_api(rate_limits_on, api_client, client):
    # given
    for name in ("ann", "ben"):
        api_client.post(REGISTER_URL, {"username": name, "password": PASSWORD}, format="json")

    # when
    response = client.post(
        reverse("signup"), {"username": "cat", "password": PASSWORD, "password2": PASSWORD}
    )

    # then
    assert_throttled(response, within_seconds=3600)
    assert not client.session.get("_auth_user_id")


# --- Writes -------------------------------------------------------------------------------


# --- Password reset ---------------------------------------------------------------------------


def reset_request(client, email: str, address: str = "10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_requests_are_limited_per_email_address_from_any_address(
    rate_limits_on, client, make_user
):
    # given
    make_user("erin", email="erin@example.com")
    reset_request(client, "erin@example.com", address="10.0.0.1")
    reset_request(client, "erin@example.com", address="10.0.0.2")

    # when
    third = reset_request(client, "ERIN@example.com", address="10.0.0.3")
    other = reset_request(client, "frank@example.com", address="10.0.0.3")

    # then
    assert_throttled(third, within_seconds=3600)
    assert TOO_MANY_ATTEMPTS.format(seconds=third["Retry-After"]) in third.content.decode()
    assert len(mail.outbox) == 2
    assert other.status_code == 302


def test_password_reset_requests_are_limited_per_address(rate_limits_on, client):
    # given
    reset_request(client, "a@example.com")
    reset_request(client, "b@example.com")

    # when
    response = reset_request(client, "c@example.com")

    # then
    assert_throttled(response, within_seconds=3600)


def test_writes_are_limited_per_user_and_reads_are_not_counted(
    rate_limits_on, user, make_user, make_api_client
):
    # given
    client = make_api_client(user)
    for _ in range(3):
        assert client.get(ME_URL).status_code == 200
    for name in ("A", "B"):
        assert client.patch(ME_URL, {"display_name": name}, format="json").status_code == 200

    # when
    third = client.patch(ME_URL, {"display_name": "C"}, format="json")
    someone_else = make_api_client(make_user()).patch(ME_URL, {"display_name": "D"}, format="json")

    # then
    assert_throttled(third, within_seconds=60)
    assert someone_else.status_code == 200


# --- The switch ---------------------------------------------------------------------------


def test_switched_off_no_limit_applies(settings, api_client, client):
    # given
    settings.RATE_LIMITS_ENABLED = False
    settings.THROTTLE_RATES = dict.fromkeys(settings.THROTTLE_RATES, "1/hour")

    # when
    api_answers = [token_attempt(api_client, "alice").status_code for _ in range(3)]
    page_answers = [
        client.post(reverse("login"), {"username": "alice", "password": "x"}).status_code
        for _ in range(3)
    ]

    # then
    assert api_answers == [400] * 3
    assert page_answers == [200] * 3


@pytest.mark.parametrize(("value", "enabled"), [("off", False), ("on", True), ("", True)])
def test_django_rate_limits_environment_variable_is_the_switch(value, enabled):
    # given
    env = {**os.environ, "DJANGO_RATE_LIMITS": value}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.RATE_LIMITS_ENABLED)"

    # when
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )

    # then
    assert result.stdout.strip() == str(enabled)


# --- Counting is atomic, and every door shares it ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_writes_cannot_race_past_the_limit(rate_limits_on, user):
    # given: 32 writers at once against a budget of 2 (the count is one INCR on the cache:
    # Redis with REDIS_URL, else the process's memory)
    from concurrent.futures import ThreadPoolExecutor

    from accounts.throttles import write_allowed

    barrier = threading.Barrier(32)

    def write() -> bool:
        barrier.wait(timeout=10)
        return write_allowed(user.pk) is None

    # when
    with ThreadPoolExecutor(max_workers=32) as pool:
        allowed = list(pool.map(lambda _: write(), range(32)))

    # then
    assert allowed.count(True) == 2


def test_the_websocket_budget_is_the_rest_budget(rate_limits_on, user, make_api_client):
    # given: one write through REST
    from accounts.throttles import write_allowed

    assert (
        make_api_client(user).patch(ME_URL, {"display_name": "A"}, format="json").status_code == 200
    )

    # when: two more writes through the websocket's door
    second, third = write_allowed(user.pk), write_allowed(user.pk)

    # then
    assert second is None
    assert third is not None and 0 < third <= 60


# --- The admin and the password change count as sign-in attempts -------------------------------


def test_admin_sign_in_attempts_are_limited_with_the_sites(rate_limits_on, client, make_user):
    # given: a superuser, and one wrong attempt on the site's own sign-in page
    make_user("root", is_staff=True, is_superuser=True)
    client.post(reverse("login"), {"username": "root", "password": "wrong"})
    client.post("/admin/login/", {"username": "root", "password": "wrong"})

    # when: the right password, on the third attempt for that username
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_still_signs_in_within_the_limit(rate_limits_on, client, make_user):
    # given
    make_user("root", is_staff=True, is_superuser=True)

    # when
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_wrong_old_passwords_on_the_change_page_are_sign_in_attempts(rate_limits_on, client, user):
    # given
    client.force_login(user)
    form = {
        "old_password": "wrong",
        "new_password1": "n3w-passphrase!",
        "new_password2": "n3w-passphrase!",
    }
    assert client.post(reverse("password_change"), form).status_code == 200
    assert client.post(reverse("password_change"), form).status_code == 200

    # when: the right old password, on the third attempt
    response = client.post(reverse("password_change"), {**form, "old_password": PASSWORD})

    # then
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
