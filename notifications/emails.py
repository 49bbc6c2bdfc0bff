"""Notification e-mails: who gets one and when, what it says, and the one-click unsubscribe.

A notification still unread `email_delay_minutes` after it was made is e-mailed to a user
whose `email` preference is not `off`. Each notification schedules a job for its user at
that time (`tasks.schedule_emails`, `tasks.send_emails`); the job mails every notification of
the user that is still unread and not mailed, in one e-mail, and marks them mailed in the
transaction that sends it: the jobs after it find nothing, and a retry (an SMTP server that
refused) sends what the failed attempt did not. While `dnd_until` is ahead, the job moves
itself to that time.

Every e-mail carries `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058): a POST to its
URL, with no session, sets the user's `email` to `off`. The URL holds the user's id signed
with the site's key (django.core.signing), so nobody can unsubscribe someone else.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from messaging.models import Message

from .models import Notification

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MOST_IN_ONE_EMAIL = 50
EXCERPT_LENGTH = 200


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def user_of_token(token: str) -> int | None:
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def unsubscribe_url(user_id: int) -> str:
    path = reverse("notifications_unsubscribe", args=[unsubscribe_token(user_id)])
    return settings.SITE_URL + path


def pending(user_id: int) -> list[Notification]:
    """The user's notifications waiting for an e-mail, oldest first (locked by the caller's
    transaction where the database can)."""
    return list(
        Notification.objects.select_for_update(of=("self",))
        .filter(user_id=user_id, read=False, emailed_at__isnull=True)
        .filter(~Q(message__deleted=True))
        .select_related("message__sender", "group")
        .order_by("id")[:MOST_IN_ONE_EMAIL]
    )


def excerpt(message: Message) -> str:
    body = " ".join(message.body.split())
    return body if len(body) <= EXCERPT_LENGTH else body[: EXCERPT_LENGTH - 1] + "…"


def build(user: User, notifications: list[Notification]) -> EmailMultiAlternatives:
    """One e-mail for these notifications of the user: text and HTML, links to each message,
    and the one-click unsubscribe."""
    items = [
        {
            "kind": n.kind,
            "group": n.group.name if n.group.kind != n.group.Kind.DIRECT else None,
            "sender": n.message.sender.shown_name,
            "excerpt": excerpt(n.message),
            "url": f"{settings.SITE_URL}/groups/{n.group_id}/#message-{n.message_id}",
        }
        for n in notifications
    ]
    return compose(user, _subject(items), "notifications/email", {"items": items})


def compose(user: User, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    """An e-mail of the site to the user: `template`.txt and `template`.html rendered with the
    context (and `user`, `settings_url`, `unsubscribe_url`), with the one-click unsubscribe
    headers."""
    unsubscribe = unsubscribe_url(user.id)
    context = {
        **context,
        "user": user,
        "settings_url": settings.SITE_URL + reverse("notification_settings"),
        "unsubscribe_url": unsubscribe,
    }
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    mail.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return mail


def _subject(items: list[dict]) -> str:
    if len(items) > 1:
        return f"{len(items)} messages are waiting for you"
    item = items[0]
    if item["kind"] == Notification.Kind.DIRECT:
        return f"{item['sender']} sent you a message"
    return f"{item['sender']} mentioned you" + (f" in {item['group']}" if item["group"] else "")
