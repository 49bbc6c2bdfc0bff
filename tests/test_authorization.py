"""The REST authorization matrix: every route and method of the API (config/api.py), called by
each role on a public and a private group. A caller who may not see a thing gets the same 404
as for a missing one. The matrix is checked against the URL list: a new route or method
without a row fails `test_every_route_and_method_has_a_row`."""

from __future__ import annotations

from base64 import urlsafe_b64encode
from io import BytesIO
from urllib.parse import quote, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, resolve
from PIL import Image

from attachments import services as attachment_services
from config import api
from conftest import PASSWORD
from messaging.services import send_message

MISSING_ID = 10**6
# A browser's push subscription keys: a P-256 public point and a 16-byte secret, base64url.
BROWSER_KEYS = {
    "p256dh": urlsafe_b64encode(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    .rstrip(b"=")
    .decode(),
    "auth": urlsafe_b64encode(bytes(16)).rstrip(b"=").decode(),
}
ROLES = ("anonymous", "non_member", "member", "admin", "owner")

# (row, method, path, body, statuses on a public group in the order of ROLES). Paths name the
# cast's group, its message, and `sender`, the plain member who wrote it (none of the roles).
ENDPOINTS = [
    # accounts
    (
        "register",
        "post",
        "/api/v1/auth/register/",
        lambda cast: {"username": f"new{cast.group.id}", "password": PASSWORD},
        (201, 201, 201, 201, 201),
    ),
    (
        "token",
        "post",
        "/api/v1/auth/token/",
        lambda cast: {"username": cast.sender.username, "password": PASSWORD},
        (200, 200, 200, 200, 200),
    ),
    ("token-revoke", "delete", "/api/v1/auth/token/", None, (401, 204, 204, 204, 204)),
    ("me", "get", "/api/v1/users/me/", None, (401, 200, 200, 200, 200)),
    ("me-update", "patch", "/api/v1/users/me/", {"display_name": "N"}, (401, 200, 200, 200, 200)),
    (
        "password",
        "post",
        "/api/v1/users/me/password/",
        {"old_password": PASSWORD, "new_password": "another-long-passphrase-9"},
        (401, 200, 200, 200, 200),
    ),
    ("users", "get", "/api/v1/users/?q=u", None, (401, 200, 200, 200, 200)),
    # groups, as the caller's conversations
    ("list", "get", "/api/v1/groups/", None, (401, 200, 200, 200, 200)),
    ("list-public", "get", "/api/v1/groups/?public=1", None, (401, 200, 200, 200, 200)),
    ("create", "post", "/api/v1/groups/", {"name": "New"}, (401, 201, 201, 201, 201)),
    (
        "direct",
        "post",
        "/api/v1/direct/",
        lambda cast: {"user_id": cast.sender.id},
        (401, 201, 201, 201, 201),
    ),
    ("retrieve", "get", "/api/v1/groups/{group}/", None, (401, 200, 200, 200, 200)),
    ("update", "patch", "/api/v1/groups/{group}/", {"name": "Renamed"}, (401, 403, 403, 200, 200)),
    ("delete", "delete", "/api/v1/groups/{group}/", None, (401, 403, 403, 403, 204)),
    ("join", "post", "/api/v1/groups/{group}/join/", None, (401, 200, 200, 200, 200)),
    (
        "read",
        "post",
        "/api/v1/groups/{group}/read/",
        lambda cast: {"message_id": cast.message.id},
        (401, 403, 204, 204, 204),
    ),
    # members. The owner is the group's only owner: it must hand ownership over first.
    ("leave", "post", "/api/v1/groups/{group}/leave/", None, (401, 403, 204, 204, 400)),
    ("members", "get", "/api/v1/groups/{group}/members/", None, (401, 403, 200, 200, 200)),
    (
        "member-add",
        "post",
        "/api/v1/groups/{group}/members/",
        lambda cast: {"user_id": cast.candidate.id},
        (401, 403, 403, 201, 201),
    ),
    (
        "member-role",
        "patch",
        "/api/v1/groups/{group}/members/{sender}/",
        {"role": "admin"},
        (401, 403, 403, 403, 200),
    ),
    (
        "member-remove",
        "delete",
        "/api/v1/groups/{group}/members/{sender}/",
        None,
        (401, 403, 403, 204, 204),
    ),
    # messages
    ("history", "get", "/api/v1/groups/{group}/messages/", None, (401, 200, 200, 200, 200)),
    (
        "send",
        "post",
        "/api/v1/groups/{group}/messages/",
        {"body": "hi"},
        (401, 403, 201, 201, 201),
    ),
    ("message", "get", "/api/v1/messages/{message}/", None, (401, 200, 200, 200, 200)),
    # Only the sender edits: none of the roles wrote this message.
    ("edit", "patch", "/api/v1/messages/{message}/", {"body": "x"}, (401, 403, 403, 403, 403)),
    ("message-delete", "delete", "/api/v1/messages/{message}/", None, (401, 403, 403, 204, 204)),
    (
        "react",
        "post",
        "/api/v1/messages/{message}/reactions/",
        {"emoji": "👍"},
        (401, 403, 201, 201, 201),
    ),
    (
        "unreact",
        "delete",
        "/api/v1/messages/{message}/reactions/" + quote("👍") + "/",
        None,
        (401, 403, 204, 204, 204),
    ),
    ("search", "get", "/api/v1/search/?q=hello", None, (401, 200, 200, 200, 200)),
    # a group's preferences: a member's own
    ("preferences", "get", "/api/v1/groups/{group}/preferences/", None, (401, 403, 200, 200, 200)),
    (
        "preferences-update",
        "patch",
        "/api/v1/groups/{group}/preferences/",
        {"muted": True},
        (401, 403, 200, 200, 200),
    ),
    # notifications: the caller's own
    ("notifications", "get", "/api/v1/notifications/", None, (401, 200, 200, 200, 200)),
    (
        "notifications-read",
        "post",
        "/api/v1/notifications/read/",
        {"up_to": 1},
        (401, 204, 204, 204, 204),
    ),
    ("push-key", "get", "/api/v1/push/key/", None, (401, 200, 200, 200, 200)),
    (
        "push-subscribe",
        "post",
        "/api/v1/push/subscriptions/",
        lambda cast: {
            "endpoint": f"https://push.example.com/{cast.group.id}",
            "keys": BROWSER_KEYS,
        },
        (401, 201, 201, 201, 201),
    ),
    (
        "push-unsubscribe",
        "delete",
        "/api/v1/push/subscriptions/",
        {"endpoint": "https://push.example.com/x"},
        (401, 204, 204, 204, 204),
    ),
    (
        "notification-preferences",
        "get",
        "/api/v1/users/me/notifications/",
        None,
        (401, 200, 200, 200, 200),
    ),
    # attachments: an upload is the caller's; a sent one's bytes are for the group's members
    (
        "uploads",
        "post",
        "/api/v1/uploads/",
        lambda cast: {"file": SimpleUploadedFile("notes.txt", b"some notes")},
        (401, 201, 201, 201, 201),
    ),
    (
        "attachments-file",
        "get",
        "/api/v1/attachments/{attachment}/file/",
        None,
        (401, 404, 200, 200, 200),
    ),
    (
        "attachments-thumbnail",
        "get",
        "/api/v1/attachments/{attachment}/thumbnail/",
        None,
        (401, 404, 200, 200, 200),
    ),
    (
        "notification-preferences-update",
        "patch",
        "/api/v1/users/me/notifications/",
        {"email": "off"},
        (401, 200, 200, 200, 200),
    ),
]


def _private_statuses(public: tuple[int, ...], path: str) -> tuple[int, ...]:
    """A private group and its messages are invisible to a non-member: 404 wherever the public
    group answers them."""
    anonymous, non_member, *members = public
    hidden = "{group}" in path or "{message}" in path or "{attachment}" in path
    return (anonymous, 404 if hidden else non_member, *members)


MATRIX = [
    pytest.param(
        method,
        path,
        body,
        dict(zip(ROLES, statuses, strict=True)),
        dict(zip(ROLES, _private_statuses(statuses, path), strict=True)),
        id=name,
    )
    for name, method, path, body, statuses in ENDPOINTS
]


def _caller(cast, role: str):
    if role == "anonymous":
        return None
    return cast.outsider if role == "non_member" else getattr(cast, role)


def _attachment_of(cast) -> int:
    """An image the sender sent in the cast's group (made once per cast)."""
    if not hasattr(cast, "attachment_id"):
        image = BytesIO()
        Image.new("RGB", (8, 6), "teal").save(image, "PNG")
        upload = attachment_services.upload(
            uploader=cast.sender, file=SimpleUploadedFile("a.png", image.getvalue())
        )
        message, _ = send_message(
            sender=cast.sender, group_id=cast.group.id, body="", attachments=[upload.id]
        )
        cast.attachment_id = upload.id
    return cast.attachment_id


def _call(client, method, path, body, cast, *, missing=False):
    url = path.format(
        group=MISSING_ID if missing else cast.group.id,
        message=MISSING_ID if missing else cast.message.id,
        sender=cast.sender.id,
        attachment=(MISSING_ID if missing else _attachment_of(cast))
        if "{attachment}" in path
        else None,
    )
    data = body(cast) if callable(body) else body
    if isinstance(data, dict) and any(isinstance(v, SimpleUploadedFile) for v in data.values()):
        return getattr(client, method)(url, data, format="multipart")
    return getattr(client, method)(url, data, format="json")


@pytest.mark.parametrize("is_public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "on_public", "on_private"), MATRIX)
def test_authorization_matrix(
    make_cast, make_api_client, is_public, role, method, path, body, on_public, on_private
):
    # given
    cast = make_cast(is_public=is_public)
    client = make_api_client(_caller(cast, role))
    expected = (on_public if is_public else on_private)[role]

    # when
    response = _call(client, method, path, body, cast)

    # then
    assert response.status_code == expected, response.content
    if expected == 404:
        missing = _call(client, method, path, body, cast, missing=True)
        assert (missing.status_code, missing.content) == (404, response.content)


def _routes() -> set[tuple[str, str]]:
    """(route name, method) for every method a view of the API answers, but OPTIONS/HEAD."""
    routes = set()
    for pattern in api.urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = pattern.callback.view_class  # type: ignore[attr-defined]
        for method in view.http_method_names:
            if method not in ("options", "head") and hasattr(view, method):
                routes.add((pattern.name, method))
    return routes


def test_every_route_and_method_has_a_row():
    # given
    rows = {
        (
            resolve(
                urlsplit(path.format(group=1, message=1, sender=1, attachment=1)).path
            ).url_name,
            method,
        )
        for _, method, path, _, _ in ENDPOINTS
    }

    # then
    assert _routes() - rows == set()
