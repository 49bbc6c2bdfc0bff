"""The websocket handshake: which origins may connect, and who is connecting.

Origin: a present `Origin` must name one of `ALLOWED_HOSTS`, else the connection is refused
before it is accepted (the client sees HTTP 403). A missing `Origin` is allowed only on a
`?token=` connection: browsers always send one, so a cookie without it is not a browser's.
(Channels' `AllowedHostsOriginValidator` refuses every missing `Origin`.)

Credentials: `?token=<DRF token key>`, else the session cookie. A token that is given decides
alone: a bad one is not rescued by a cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from rest_framework.authtoken.models import Token

from groups.models import Membership

if TYPE_CHECKING:
    from accounts.models import User


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def _token(scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token")
    return values[0] if values else None


def origin_allowed(scope) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return _token(scope) is not None
    parsed = urlparse(origin)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return False
    domain, _port = split_domain_port(parsed.netloc)
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:  # as Django's own Host check in debug
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed_hosts)


class OriginValidator:
    """ASGI middleware: refuse a websocket from a foreign (or, on a cookie, missing) Origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        await receive()  # websocket.connect
        await send({"type": "websocket.close"})  # before accept: HTTP 403


@dataclass(frozen=True)
class Identity:
    user: User
    token_key: str | None
    session_key: str | None
    groups: dict[int, int]  # the user's group ids -> each group's last seq
    last_ids: dict[int, int] = field(default_factory=dict)  # ... -> its last message's id

    def uses(self, *, token_key: str | None, session_key: str | None) -> bool:
        """Whether revoking these credentials (neither given: all of them) ends this socket."""
        if token_key is None and session_key is None:
            return True
        return (token_key is not None and token_key == self.token_key) or (
            session_key is not None and session_key == self.session_key
        )


def identify(scope) -> Identity | None:
    """The active user behind the connection's credentials, with their groups; or None."""
    token_key = _token(scope)
    session_key = None
    if token_key is not None:
        # `first()` would order by pk: compiling that costs more than the query on a busy
        # server (a thousand sockets connecting at once).
        token = next(iter(Token.objects.select_related("user").filter(key=token_key)[:1]), None)
        user = token.user if token is not None else None
    else:
        session_key = parse_cookie(_header(scope, b"cookie") or "").get(
            settings.SESSION_COOKIE_NAME
        )
        user = _session_user(session_key) if session_key else None
    if user is None or not user.is_active or not user.is_authenticated:
        return None
    rows = Membership.objects.filter(user=user).values_list(
        "group_id", "group__last_seq", "group__last_message_id"
    )
    groups, last_ids = {}, {}
    for group_id, last_seq, last_id in rows:
        groups[group_id], last_ids[group_id] = last_seq, last_id or 0
    return Identity(
        user=user, token_key=token_key, session_key=session_key, groups=groups, last_ids=last_ids
    )


def _session_user(session_key: str):
    """Django's own `get_user` on the session: it checks the password hash of the session."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # get_user reads nothing of the request but its session
    user = get_user(cast(HttpRequest, SimpleNamespace(session=store)))
    return user if user.is_authenticated else None
