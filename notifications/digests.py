"""The daily digest: for a user whose `email` is `all`, one e-mail a day of the group messages
still unread that no notification told them of (their mentions and direct messages have
e-mails of their own).

One chain of jobs per user: choosing `all` schedules `tasks.send_digest` a day ahead and
records that time as the preference's `digest_due_at`; each run mails the day's digest and
schedules the next, in one transaction (the jobs live in the same database, so the next run
exists exactly when this one's e-mail went out). A run whose time is not `digest_due_at` any
more (the user chose something else, or chose `all` again later) ends its chain: there is
never more than one digest a day. Do not disturb moves the run to its end.

What a digest holds: per group (not direct conversations, not muted ones), the messages of
the last day after the user's read marker and after the last digest, not the user's own,
counted, with the latest few quoted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from groups.models import Group, Membership
from messaging.models import Message

from . import emails
from .models import Notification, Preferences

logger = logging.getLogger(__name__)

EVERY = timedelta(days=1)
MOST_GROUPS = 20
QUOTED_PER_GROUP = 3


@dataclass(frozen=True)
class GroupDigest:
    group: Group
    unread: int
    last_id: int  # of the group's newest unread message
    latest: list[Message]  # newest first, at most QUOTED_PER_GROUP

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/groups/{self.group.id}/"


def unread_messages(user: User, *, after_id: int, since: datetime):
    """The messages a digest for the user tells of (a queryset)."""
    unread_by_user = Membership.objects.filter(
        user=user, group_id=OuterRef("group_id"), muted=False, last_read_id__lt=OuterRef("id")
    )
    notified = Notification.objects.filter(user=user, message_id=OuterRef("id"))
    return (
        Message.objects.filter(Exists(unread_by_user), id__gt=after_id, created_at__gte=since)
        .filter(deleted=False)
        .exclude(group__kind=Group.Kind.DIRECT)
        .exclude(sender=user)
        .exclude(Exists(notified))
    )


def collect(user: User, *, after_id: int, since: datetime) -> list[GroupDigest]:
    """The user's digest, busiest groups first (at most MOST_GROUPS): two queries, however
    many groups and messages."""
    messages = unread_messages(user, after_id=after_id, since=since)
    counts = list(
        messages.values("group_id")
        .annotate(unread=Count("id"), last=Max("id"))
        .order_by("-unread", "-last")[:MOST_GROUPS]
    )
    if not counts:
        return []
    group_ids = [row["group_id"] for row in counts]
    latest = (
        messages.filter(group_id__in=group_ids)
        .annotate(rank=Window(RowNumber(), partition_by=F("group_id"), order_by=F("id").desc()))
        .filter(rank__lte=QUOTED_PER_GROUP)
        .select_related("sender", "group")
        .order_by("-id")
    )
    by_group: dict[int, list[Message]] = {group_id: [] for group_id in group_ids}
    for message in latest:
        by_group[message.group_id].append(message)
    return [
        GroupDigest(quoted[0].group, unread=row["unread"], last_id=row["last"], latest=quoted)
        for row in counts
        if (quoted := by_group[row["group_id"]])
    ]


def build(user: User, groups: list[GroupDigest]) -> EmailMultiAlternatives:
    """The digest e-mail: text and HTML, a link to each group, the one-click unsubscribe."""
    total = sum(g.unread for g in groups)
    context = {
        "user": user,
        "groups": [
            {
                "name": g.group.name,
                "url": g.url,
                "unread": g.unread,
                "latest": [
                    {"sender": m.sender.shown_name, "excerpt": emails.excerpt(m)} for m in g.latest
                ],
            }
            for g in groups
        ],
        "total": total,
    }
    in_groups = f"{len(groups)} group" + ("s" if len(groups) > 1 else "")
    subject = f"Your daily digest: {total} unread message{'s' if total > 1 else ''} in {in_groups}"
    return emails.compose(user, subject, "notifications/digest", context)


def follow(preferences: Preferences) -> None:
    """Start or end the user's digests as their (changed, not yet saved) `email` says; in the
    transaction that saves them."""
    if preferences.email != Preferences.Email.ALL:
        preferences.digest_due_at = None  # the chain ends at its next run
    elif preferences.digest_due_at is None:
        schedule(preferences, at=timezone.now() + EVERY)


def schedule(preferences: Preferences, *, at: datetime) -> None:
    """The user's next digest is at `at` (whatever was due before ends its chain); in the
    transaction that saves `preferences`."""
    preferences.digest_due_at = at
    send_digest.using(run_after=at).enqueue(preferences.user_id, at.isoformat())


@task()
def send_digest(user_id: int, due: str) -> int:
    """The user's daily digest, due at `due`, and the next one a day later; how many messages
    it told of. A run that is not the one due ends its chain (the user chose otherwise)."""
    with transaction.atomic():
        preferences = (
            Preferences.objects.select_for_update(of=("self",))
            .filter(user_id=user_id, email=Preferences.Email.ALL, user__is_active=True)
            .select_related("user")
            .first()
        )
        if preferences is None or preferences.digest_due_at != datetime.fromisoformat(due):
            return 0
        user, now = preferences.user, timezone.now()
        if preferences.dnd_until is not None and preferences.dnd_until > now:
            schedule(preferences, at=preferences.dnd_until)
            preferences.save(update_fields=["digest_due_at"])
            return 0
        told = 0
        groups = collect(user, after_id=preferences.digest_last_id, since=now - EVERY)
        if groups and user.email:
            build(user, groups).send()  # raises if the server refuses: all rolls back
            told = sum(g.unread for g in groups)
            preferences.digest_last_id = max(g.last_id for g in groups)
        due_next = preferences.digest_due_at + EVERY  # the same time tomorrow,
        schedule(preferences, at=max(due_next, now + EVERY / 2))  # or later if this ran late
        preferences.save(update_fields=["digest_due_at", "digest_last_id"])
    if told:
        logger.info("notifications: digest of %d messages to user %d", told, user_id)
    return told
