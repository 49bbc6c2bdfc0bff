"""Rate limits shared by the REST API and the HTML pages.

DRF's throttle classes with an atomic fixed-window count on the Django cache (Redis when
REDIS_URL is set, so every worker process counts together): one `INCR` per request, so
parallel requests cannot both read the same count and slip through together (DRF's own keeps
a list of timestamps that it reads and writes back). Rates come from settings.THROTTLE_RATES
and the on/off switch from settings.RATE_LIMITS_ENABLED, both read on each request. Sign-in,
sign-up and password-reset limiters count POSTs (attempts); the write limiter counts unsafe
methods per user, at every door (`write_allowed` for the websocket).
"""

import hashlib
import math
import time
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate and switch are read from the settings when the request comes in."""

    scope: str
    window_ends = 0.0

    def get_rate(self) -> str:
        return settings.THROTTLE_RATES[self.scope]

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS_ENABLED:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        return self.count_in_window(self.key)

    def count_in_window(self, key: str) -> bool:
        """Count one request in the current window; whether it is within the rate."""
        limit, seconds = self.parse_rate(self.get_rate())
        if limit is None or seconds is None:
            return True
        window = int(time.time() // seconds)
        self.window_ends = (window + 1) * seconds
        window_key = f"{key}:{window}"
        cache.add(window_key, 0, timeout=seconds + 1)
        try:
            count = cache.incr(window_key)
        except ValueError:  # expired between add and incr: this is the window's first request
            cache.add(window_key, 1, timeout=seconds + 1)
            count = 1
        return count <= limit

    def wait(self) -> float:
        return max(0.0, self.window_ends - time.time())

    def get_ident(self, request) -> str:
        """The client's address as the ASGI/WSGI server reports it.

        X-Forwarded-For is trusted only when REST_FRAMEWORK["NUM_PROXIES"] says how many proxies
        stand in front; otherwise a client could pick a new address for every attempt. Behind a
        reverse proxy, run daphne with --proxy-headers so REMOTE_ADDR is the real client.
        """
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

    def key_for(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class _AttemptThrottle(_SettingsRateThrottle):
    """Counts POSTs only: an attempt to sign in or sign up."""

    def get_cache_key(self, request, view) -> str | None:
        if request.method != "POST":
            return None
        ident = self.attempt_ident(request)
        return self.key_for(ident) if ident else None

    def attempt_ident(self, request) -> str | None:
        return self.get_ident(request)


class LoginUserThrottle(_AttemptThrottle):
    """Sign-in attempts per username, whichever address they come from."""

    scope = "login_user"

    def attempt_ident(self, request) -> str | None:
        username = submitted_username(request)
        if not username and request.user.is_authenticated:  # a password change
            username = request.user.get_username()
        if not username:
            return None
        return hashlib.sha256(username.casefold().encode()).hexdigest()


class LoginIPThrottle(_AttemptThrottle):
    """Sign-in attempts per client address, whichever usernames they try."""

    scope = "login_ip"


class RegisterIPThrottle(_AttemptThrottle):
    """Sign-ups per client address."""

    scope = "register_ip"


class PasswordResetIPThrottle(_AttemptThrottle):
    """Password-reset requests per client address."""

    scope = "password_reset"

    def attempt_ident(self, request) -> str | None:
        return f"addr-{self.get_ident(request)}"


class PasswordResetEmailThrottle(_AttemptThrottle):
    """Password-reset requests per e-mail address, from any client address: nobody can fill
    someone's inbox with reset mails."""

    scope = "password_reset"

    def attempt_ident(self, request) -> str | None:
        email = request.POST.get("email")
        if not isinstance(email, str) or not email.strip():
            return None
        return "email-" + hashlib.sha256(email.strip().casefold().encode()).hexdigest()


class WriteThrottle(_SettingsRateThrottle):
    """Writes (POST, PUT, PATCH, DELETE) per signed-in user; reads are not counted."""

    scope = "writes"

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        if request.user and request.user.is_authenticated:
            return self.key_for(f"user-{request.user.pk}")
        return self.key_for(f"addr-{self.get_ident(request)}")


class UploadThrottle(_SettingsRateThrottle):
    """Uploads per signed-in user (besides the writes' count)."""

    scope = "uploads"

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None
        return self.key_for(f"user-{request.user.pk}")


def write_allowed(user_id: int) -> float | None:
    """The write budget for a door that is not a DRF view (the websocket's `message.send`):
    None when this write is within the user's budget, else the seconds to wait. The same count
    as the REST writes'."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    throttle = WriteThrottle()
    if throttle.count_in_window(throttle.key_for(f"user-{user_id}")):
        return None
    return throttle.wait()


LOGIN_THROTTLES = (LoginUserThrottle, LoginIPThrottle)
REGISTER_THROTTLES = (RegisterIPThrottle,)
PASSWORD_RESET_THROTTLES = (PasswordResetEmailThrottle, PasswordResetIPThrottle)


def submitted_username(request: Request | HttpRequest) -> str | None:
    """The username of a sign-in attempt: from the JSON body (API) or the form (pages)."""
    data = request.data if isinstance(request, Request) else request.POST
    if not isinstance(data, Mapping):
        return None
    username = data.get("username")
    return username.strip() if isinstance(username, str) else None


def seconds_to_wait(
    request: HttpRequest, throttle_classes: Iterable[type[_SettingsRateThrottle]]
) -> int | None:
    """For pages: record the attempt against every throttle, as DRF does for API views.

    None when all of them allow it, else the whole seconds until the strictest one would.
    """
    throttles = [throttle_class() for throttle_class in throttle_classes]
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, None)]
    if not waits:
        return None
    return max(1, math.ceil(max(wait or 0 for wait in waits)))
