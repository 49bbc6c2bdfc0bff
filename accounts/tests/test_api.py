"""The REST account endpoints, as the contract's Accounts table states them."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.services import INVALID_CREDENTIALS, USERNAME_TAKEN
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER_URL = reverse("api:auth-register")
TOKEN_URL = reverse("api:auth-token")
ME_URL = reverse("api:users-me")
USERS_URL = reverse("api:users")


# --- POST auth/register/ ------------------------------------------------------------------


def test_register_creates_the_user_and_answers_with_a_working_token(api_client):
    # given
    body = {"username": "dora", "password": PASSWORD, "display_name": "Dora E.", "email": "d@x.io"}

    # when
    response = api_client.post(REGISTER_URL, body, format="json")

    # then
    assert response.status_code == 201
    user = User.objects.get(username="dora")
    assert response.json() == {
        "id": user.id,
        "username": "dora",
        "display_name": "Dora E.",
        "token": Token.objects.get(user=user).key,
    }
    assert user.email == "d@x.io"
    assert user.check_password(PASSWORD)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get(ME_URL).json()["username"] == "dora"


def test_register_needs_only_username_and_password(api_client):
    # when
    response = api_client.post(
        REGISTER_URL, {"username": "eve", "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 201
    assert response.json()["display_name"] == ""


@pytest.mark.parametrize("taken", ["alice", "ALICE", "Alice"])
def test_register_refuses_a_taken_username_whatever_its_case(api_client, user, taken):
    # when
    response = api_client.post(
        REGISTER_URL, {"username": taken, "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"username": [USERNAME_TAKEN]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901", "frankfrank-1"],
    ids=["too-short", "common", "numeric", "like-the-username"],
)
def test_register_refuses_a_password_django_validators_refuse(api_client, password):
    # when
    response = api_client.post(
        REGISTER_URL, {"username": "frankfrank", "password": password}, format="json"
    )

    # then
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "gus"}, "password"),
        ({"username": ["gus"], "password": PASSWORD}, "username"),
        ({"username": {"a": 1}, "password": PASSWORD}, "username"),
        ({"username": "gus", "password": True}, "password"),
        ({"username": "gus", "password": None}, "password"),
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "gus\x00", "password": PASSWORD}, "username"),
        ({"username": "gus bus", "password": PASSWORD}, "username"),
        ({"username": "g" * 151, "password": PASSWORD}, "username"),
        ({"username": "gus", "password": PASSWORD, "email": "not-an-address"}, "email"),
        ({"username": "gus", "password": PASSWORD, "display_name": "d" * 101}, "display_name"),
        ({"username": "gus", "password": PASSWORD, "display_name": []}, "display_name"),
    ],
    ids=[
        "no-username",
        "no-password",
        "username-list",
        "username-object",
        "password-bool",
        "password-null",
        "username-empty",
        "username-nul",
        "username-space",
        "username-too-long",
        "bad-email",
        "display-name-too-long",
        "display-name-list",
    ],
)
def test_register_answers_bad_input_with_a_field_error(api_client, body, field):
    # when
    response = api_client.post(REGISTER_URL, body, format="json")

    # then
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [b'{"username": "gus", "password":', b"[1, 2]", b'"text"', b"\xff\xfe", b"null"],
    ids=["truncated", "list", "string", "not-utf8", "null"],
)
def test_register_answers_malformed_json_with_400(api_client, raw):
    # when
    response = api_client.post(REGISTER_URL, raw, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json()


def test_register_refuses_other_content_types_with_415(api_client):
    # when
    response = api_client.post(REGISTER_URL, "username=gus", content_type="text/plain")

    # then
    assert response.status_code == 415


# --- POST auth/token/ ---------------------------------------------------------------------


def test_token_obtain_answers_the_users_one_token(api_client, user):
    # when
    first = api_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")
    second = api_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")

    # then
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"token": Token.objects.get(user=user).key}


def test_token_obtain_answers_the_same_for_unknown_user_and_wrong_password(api_client, user):
    # when
    unknown = api_client.post(
        TOKEN_URL, {"username": "nobody", "password": PASSWORD}, format="json"
    )
    wrong = api_client.post(TOKEN_URL, {"username": "alice", "password": "nope"}, format="json")

    # then
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json() == {"detail": INVALID_CREDENTIALS}
    assert not Token.objects.exists()


def test_token_obtain_refuses_an_inactive_user_like_a_wrong_password(api_client, make_user):
    # given
    make_user("ghost", is_active=False)

    # when
    response = api_client.post(
        TOKEN_URL, {"username": "ghost", "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"detail": INVALID_CREDENTIALS}


def test_token_obtain_ignores_a_stale_token_sent_along(api_client, user):
    # given
    api_client.credentials(HTTP_AUTHORIZATION="Token revoked-long-ago")

    # when
    response = api_client.post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "alice"}, {"password": PASSWORD}, {"username": 1.5, "password": []}],
    ids=["empty", "no-password", "no-username", "wrong-types"],
)
def test_token_obtain_answers_missing_or_wrong_typed_fields_with_a_field_error(
    api_client, user, body
):
    # when
    response = api_client.post(TOKEN_URL, body, format="json")

    # then
    assert response.status_code == 400
    assert set(response.json()) <= {"username", "password"}
    assert response.json()


def test_token_obtain_answers_malformed_json_with_400(api_client):
    # when
    response = api_client.post(TOKEN_URL, b"{not json", content_type="application/json")

    # then
    assert response.status_code == 400
    assert "detail" in response.json()


# --- DELETE auth/token/ -------------------------------------------------------------------


def test_token_revoke_stops_the_token_at_once(user, make_api_client):
    # given
    client = make_api_client(user)
    assert client.get(ME_URL).status_code == 200

    # when
    response = client.delete(TOKEN_URL)

    # then
    assert response.status_code == 204
    assert not Token.objects.filter(user=user).exists()
    assert client.get(ME_URL).status_code == 401


def test_token_revoke_needs_credentials(api_client):
    # when
    response = api_client.delete(TOKEN_URL)

    # then
    assert response.status_code == 401


def test_a_new_token_after_revoking_differs_from_the_old_one(user, make_api_client, api_client):
    # given
    old_key = Token.objects.get_or_create(user=user)[0].key
    make_api_client(user).delete(TOKEN_URL)

    # when
    response = api_client.post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["token"] != old_key


# --- users/me/ ----------------------------------------------------------------------------


def test_me_answers_the_signed_in_user(make_user, make_api_client):
    # given
    user = make_user("hana", display_name="Hana", email="hana@example.com")

    # when
    response = make_api_client(user).get(ME_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "username": "hana",
        "display_name": "Hana",
        "email": "hana@example.com",
    }


def test_me_accepts_the_session_cookie(client, user):
    # given
    client.force_login(user)

    # when
    response = client.get(ME_URL)

    # then
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_me_needs_credentials(api_client):
    # given
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    # when
    response = api_client.get(ME_URL)

    # then
    assert response.status_code == 401


def test_me_patch_changes_display_name_and_email(user, make_api_client):
    # when
    response = make_api_client(user).patch(
        ME_URL, {"display_name": "Alice L.", "email": "alice@Example.COM"}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "username": "alice",
        "display_name": "Alice L.",
        "email": "alice@example.com",
    }
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Alice L.", "alice@example.com")


def test_me_patch_leaves_fields_it_was_not_given(make_user, make_api_client):
    # given
    user = make_user("ivy", display_name="Ivy", email="ivy@example.com")

    # when
    response = make_api_client(user).patch(ME_URL, {"display_name": "Ivy R."}, format="json")

    # then
    assert response.json()["email"] == "ivy@example.com"


def test_me_patch_cannot_change_the_username(user, make_api_client):
    # when
    response = make_api_client(user).patch(ME_URL, {"username": "mallory"}, format="json")

    # then
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username == "alice"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"email": 12}, "email"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"display_name": ["x"]}, "display_name"),
        ({"display_name": "a\x00b"}, "display_name"),
    ],
    ids=["bad-email", "email-number", "name-too-long", "name-list", "name-nul"],
)
def test_me_patch_answers_bad_input_with_a_field_error(user, make_api_client, body, field):
    # when
    response = make_api_client(user).patch(ME_URL, body, format="json")

    # then
    assert response.status_code == 400
    assert field in response.json()


def test_me_patch_answers_malformed_json_with_400(user, make_api_client):
    # when
    response = make_api_client(user).patch(ME_URL, b"{", content_type="application/json")

    # then
    assert response.status_code == 400


# --- GET users/?search= -------------------------------------------------------------------


def test_user_search_matches_the_start_of_username_or_display_name_ignoring_case(
    make_user, make_api_client
):
    # given
    me = make_user("zed")
    alice = make_user("alice", display_name="Alice")
    ali = make_user("xavier", display_name="Ali X")
    make_user("malia", display_name="Malia")

    # when
    response = make_api_client(me).get(USERS_URL, {"search": "ALI"})

    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"id": alice.id, "username": "alice", "display_name": "Alice"},
            {"id": ali.id, "username": "xavier", "display_name": "Ali X"},
        ]
    }


def test_user_search_leaves_out_inactive_users(make_user, make_api_client):
    # given
    me = make_user("zed")
    make_user("alina", is_active=False)

    # when
    response = make_api_client(me).get(USERS_URL, {"search": "ali"})

    # then
    assert response.json() == {"results": []}


def test_user_search_answers_at_most_20_in_a_fixed_number_of_queries(
    make_user, make_api_client, django_assert_num_queries
):
    # given
    me = make_user("zed")
    for number in range(25):
        make_user(f"sam{number:02}")
    client = make_api_client(me)

    # when
    with django_assert_num_queries(2):  # the token with its user, the search
        response = client.get(USERS_URL, {"search": "sam"})

    # then
    assert response.status_code == 200
    assert [found["username"] for found in response.json()["results"]] == [
        f"sam{number:02}" for number in range(20)
    ]


def test_user_search_treats_like_wildcards_as_plain_text(make_user, make_api_client):
    # given
    me = make_user("zed")
    make_user("sam")

    # when
    response = make_api_client(me).get(USERS_URL, {"search": "%"})

    # then
    assert response.json() == {"results": []}


def test_user_search_refuses_a_nul_character_with_400(user, make_api_client):
    # when
    response = make_api_client(user).get(USERS_URL, {"search": "a\x00"})

    # then
    assert response.status_code == 400
    assert "search" in response.json()


def test_user_search_needs_credentials(api_client):
    # when
    response = api_client.get(USERS_URL, {"search": "a"})

    # then
    assert response.status_code == 401


# --- Schema -------------------------------------------------------------------------------


def test_the_schema_describes_every_account_endpoint_with_its_bodies(user, client):
    # given
    client.force_login(user)

    # when
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    # then
    paths = schema["paths"]
    register = paths["/api/v1/auth/register/"]["post"]
    assert register["requestBody"]["content"]["application/json"]["schema"]
    assert register["responses"]["201"]["content"]["application/json"]["schema"]
    token = paths["/api/v1/auth/token/"]
    assert token["post"]["responses"]["200"]["content"]
    assert "204" in token["delete"]["responses"]
    assert paths["/api/v1/users/me/"]["patch"]["requestBody"]
    assert {p["name"] for p in paths["/api/v1/users/"]["get"]["parameters"]} == {"search"}


# --- Password change (programs) -------------------------------------------------------------

PASSWORD_URL = reverse("api:users-me-password")


def test_a_password_change_answers_a_new_token_and_the_old_one_is_dead(user, make_api_client):
    # given
    old_client = make_api_client(user)
    old_key = old_client._credentials["HTTP_AUTHORIZATION"].split()[1]

    # when
    response = old_client.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password": "an0ther long passphrase"},
        format="json",
    )

    # then
    assert response.status_code == 200
    new_key = response.json()["token"]
    assert new_key != old_key
    assert old_client.get(reverse("api:users-me")).status_code == 401
    old_client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert old_client.get(reverse("api:users-me")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "wrong", "new_password": "an0ther long passphrase"}, "old_password"),
        ({"old_password": PASSWORD, "new_password": "123"}, "new_password"),
        ({"old_password": PASSWORD}, "new_password"),
        ({"old_password": 7, "new_password": "an0ther long passphrase"}, "old_password"),
    ],
)
def test_a_password_change_refuses_bad_input_with_a_field_error(user, make_api_client, body, field):
    # when
    response = make_api_client(user).post(PASSWORD_URL, body, format="json")

    # then
    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_change_needs_credentials(api_client):
    assert api_client.post(PASSWORD_URL, {}, format="json").status_code == 401
