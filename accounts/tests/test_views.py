"""The account pages through Django's test client, as a browser uses them."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.forms import PASSWORDS_DIFFER
from accounts.models import User
from accounts.services import USERNAME_TAKEN
from accounts.views import PROFILE_SAVED
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def signed_in_user_id(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


@pytest.fixture
def csrf_client(client):
    """A browser that must send the CSRF token, as real ones must."""
    client.handler.enforce_csrf_checks = True
    return client


def csrf_token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


# --- Sign up ------------------------------------------------------------------------------


def test_signup_page_has_the_contracts_inputs(client):
    # when
    response = client.get(reverse("signup"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("username", "password", "password2", "display_name", "email"):
        assert f'name="{name}"' in html
    assert html.count('type="submit"') == 1
    assert 'name="csrfmiddlewaretoken"' in html


def test_signup_creates_the_user_and_signs_them_in(client):
    # when
    response = client.post(
        reverse("signup"),
        {"username": "dora", "password": PASSWORD, "password2": PASSWORD, "display_name": "Dora"},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(username="dora")
    assert user.display_name == "Dora"
    assert signed_in_user_id(client) == user.id


def test_signup_refuses_two_different_passwords(client):
    # when
    response = client.post(
        reverse("signup"), {"username": "dora", "password": PASSWORD, "password2": PASSWORD + "x"}
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": [PASSWORDS_DIFFER]}
    assert not User.objects.exists()


def test_signup_refuses_a_taken_name_whatever_its_case(client, user):
    # when
    response = client.post(
        reverse("signup"), {"username": "Alice", "password": PASSWORD, "password2": PASSWORD}
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"username": [USERNAME_TAKEN]}
    assert signed_in_user_id(client) is None


def test_signup_refuses_a_weak_password_and_says_why(client):
    # when
    response = client.post(
        reverse("signup"), {"username": "dora", "password": "123", "password2": "123"}
    )

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password"]
    assert b'aria-invalid="true"' in response.content
    assert not User.objects.exists()


def test_signup_needs_the_csrf_token(csrf_client):
    # given
    body = {"username": "dora", "password": PASSWORD, "password2": PASSWORD}

    # when
    refused = csrf_client.post(reverse("signup"), body)
    token = csrf_token_of(csrf_client.get(reverse("signup")))
    accepted = csrf_client.post(reverse("signup"), {**body, "csrfmiddlewaretoken": token})

    # then
    assert refused.status_code == 403
    assert accepted.status_code == 302


def test_signup_sends_a_signed_in_user_home(client, user):
    # given
    client.force_login(user)

    # when
    response = client.get(reverse("signup"))

    # then
    assert response.status_code == 302
    assert response.url == reverse("home")


# --- Log in and out -----------------------------------------------------------------------


def test_login_page_has_the_contracts_inputs(client):
    # when
    html = client.get(reverse("login")).content.decode()

    # then
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert html.count('type="submit"') == 1


def test_login_signs_the_user_in_and_goes_home(client, user):
    # when
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
    assert signed_in_user_id(client) == user.id


def test_login_follows_a_local_next_but_not_a_foreign_one(client, user):
    # when
    local = client.post(
        reverse("login") + "?next=/profile/", {"username": "alice", "password": PASSWORD}
    )
    client.logout()
    foreign = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": "alice", "password": PASSWORD},
    )

    # then
    assert local.url == "/profile/"
    assert foreign.url == reverse("home")


def test_login_refuses_a_wrong_password(client, user):
    # when
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert signed_in_user_id(client) is None


def test_logout_signs_the_user_out(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(reverse("logout"))

    # then
    assert response.status_code == 302
    assert response.url == reverse(settings.LOGOUT_REDIRECT_URL)
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302


def test_logout_refuses_get(client, user):
    # given
    client.force_login(user)

    # when
    response = client.get(reverse("logout"))

    # then
    assert response.status_code == 405
    assert signed_in_user_id(client) == user.id


# --- Password change and reset ------------------------------------------------------------


def test_password_change_takes_the_new_password_and_keeps_the_user_signed_in(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in_user_id(client) == user.id


def test_password_change_refuses_a_wrong_old_password(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_a_signed_in_user(client):
    # when
    response = client.get(reverse("password_change"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_reset_mails_a_link_that_sets_a_new_password(client, make_user):
    # given
    user = make_user("erin", email="erin@example.com")

    # when
    response = client.post(reverse("password_reset"), {"email": "erin@example.com"})
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 302
    assert mail.outbox[0].to == ["erin@example.com"]
    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_says_the_same_for_an_unknown_address(client):
    # when
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    # then
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


# --- Profile ------------------------------------------------------------------------------


def test_profile_shows_the_current_values(client, make_user):
    # given
    user = make_user("finn", display_name="Finn", email="finn@example.com")
    client.force_login(user)

    # when
    response = client.get(reverse("profile"))

    # then
    assert response.context["form"].initial == {"display_name": "Finn", "email": "finn@example.com"}


def test_profile_saves_display_name_and_email(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(
        reverse("profile"), {"display_name": "Alice L.", "email": "alice@example.com"}, follow=True
    )

    # then
    assert response.redirect_chain == [(reverse("profile"), 302)]
    assert PROFILE_SAVED in response.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Alice L.", "alice@example.com")


def test_profile_refuses_an_invalid_email(client, user):
    # given
    client.force_login(user)

    # when
    response = client.post(reverse("profile"), {"display_name": "A", "email": "nope"})

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    user.refresh_from_db()
    assert user.display_name == "Alice"


def test_profile_needs_a_signed_in_user(client):
    # when
    response = client.get(reverse("profile"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- The base template --------------------------------------------------------------------


def test_pages_carry_no_inline_script_or_style(client, user):
    # given
    client.force_login(user)

    # when
    pages = [client.get(reverse(name)).content.decode() for name in ("home", "profile")]
    client.logout()
    pages += [client.get(reverse(name)).content.decode() for name in ("login", "signup")]

    # then
    for html in pages:
        assert "<style" not in html
        assert " style=" not in html
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_the_header_shows_the_admin_link_to_staff_only(client, make_user):
    # given
    staff = make_user("root", is_staff=True)
    member = make_user("bob")
    admin_link = f'href="{reverse("admin:index")}"'

    # when
    client.force_login(member)
    member_page = client.get(reverse("home")).content.decode()
    client.force_login(staff)
    staff_page = client.get(reverse("home")).content.decode()

    # then
    assert admin_link not in member_page
    assert admin_link in staff_page
    assert f'action="{reverse("logout")}"' in staff_page
