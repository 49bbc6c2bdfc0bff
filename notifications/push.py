"""Web Push: a notification, encrypted for each of the user's browsers (RFC 8291, aes128gcm),
signed with the site's VAPID key (RFC 8292), posted to the browser's push service (RFC 8030)
by pywebpush. The payload is JSON `{title, body, url, tag}`, at most 200 characters of the
message. A subscription its push service answers 404 or 410 is gone and deleted; a timeout or
a 5xx raises, so the job is retried with backoff and, after its last attempt, dropped."""

from __future__ import annotations

import base64
import json
import logging
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from py_vapid import Vapid02, b64urlencode
from pywebpush import WebPushException, webpush

from .models import Notification, PushSubscription

logger = logging.getLogger(__name__)

BODY_LENGTH = 200
TIMEOUT_SECONDS = 10
TTL_SECONDS = 24 * 3600
GONE = (404, 410)
ENDPOINT_INVALID = "endpoint is the https:// URL of a push service."
KEYS_INVALID = "keys holds the subscription's p256dh and auth, base64url."


class PushRefused(Exception):
    """A push service failed to take a message (a timeout, a 5xx): the job tries again."""


def configured() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY)


@cache
def _vapid(private_key: str) -> Vapid02:
    return Vapid02.from_raw(private_key.encode())


def public_key(private_key: str | None = None) -> str:
    """The application server key browsers subscribe with (of the site's private key, or of
    the one given): the uncompressed public point, base64url."""
    numbers = _vapid(private_key or settings.VAPID_PRIVATE_KEY).public_key.public_numbers()
    point = b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
    return b64urlencode(point)


def new_private_key() -> str:
    """A new VAPID private key: its 32 bytes, base64url (VAPID_PRIVATE_KEY's form)."""
    vapid = Vapid02()
    vapid.generate_keys()
    return b64urlencode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def clean_subscription(endpoint: str, p256dh: str, auth: str) -> None:
    parts = urlsplit(endpoint)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in settings.PUSH_INSECURE_HOSTS
    )
    if not secure or not parts.hostname:
        raise ValidationError({"endpoint": ENDPOINT_INVALID})
    try:
        key, secret = _b64url(p256dh), _b64url(auth)
    except ValueError:  # binascii.Error included
        raise ValidationError({"keys": KEYS_INVALID}) from None
    if len(key) != 65 or key[0] != 4 or len(secret) < 16:
        raise ValidationError({"keys": KEYS_INVALID})


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def payload(notification: Notification) -> str:
    message = notification.message
    who = message.sender.shown_name
    title = f"{who} sent you a message" if notification.kind == "direct" else f"{who} mentioned you"
    return json.dumps(
        {
            "title": title,
            "body": message.body[:BODY_LENGTH],
            "url": f"/groups/{notification.group_id}/#message-{message.id}",
            "tag": f"notification-{notification.id}",
        }
    )


def send(subscription: PushSubscription, data: str) -> bool:
    """Push to one browser; False when its subscription is gone (then it is deleted)."""
    endpoint = urlsplit(subscription.endpoint)
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
            vapid_claims={
                "sub": settings.VAPID_SUBJECT,
                "aud": f"{endpoint.scheme}://{endpoint.netloc}",
            },
            timeout=TIMEOUT_SECONDS,
            ttl=TTL_SECONDS,
        )
    except WebPushException as refused:
        status = refused.response.status_code if refused.response is not None else None
        if status in GONE:
            subscription.delete()
            logger.info("push: a subscription of user %d is gone", subscription.user_id)
            return False
        raise PushRefused(f"the push service answered {status}") from None
    except OSError as failed:  # requests' timeouts and connection errors are OSErrors
        raise PushRefused(f"the push service failed: {type(failed).__name__}") from None
    return True
