"""The contract's `group` for one viewer, as a plain JSON-safe dict: the group as a
conversation, with the viewer's role, unread count and last message. REST, the pages and the
websocket's `group.added` frame share it.

`group_payloads` is batch-loaded (Sentry's `get_attrs` shape): whatever the number of groups,
it costs one query each for the viewer's memberships, the member counts, the unread counts,
the last messages (with senders) and their reactions, plus one for the other person of the
direct conversations among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q

from groups.models import Group, Membership

from .models import Mention, Message
from .payloads import for_viewer, message_payloads


def group_payload(*, user, group: Group) -> dict[str, Any]:
    return group_payloads(user=user, groups=[group])[0]


def group_payloads(*, user, groups: Iterable[Group]) -> list[dict[str, Any]]:
    """`{id, name, description, kind, is_public, role, muted, member_count, unread_count,
    mention_count, last_message}`
    for each group, in the order given, plus `title`: the name to show this viewer (for a direct
    conversation, the other person's display name)."""
    groups = list(groups)
    if not groups:
        return []
    group_ids = [group.id for group in groups]
    memberships = _viewer_memberships(user=user, group_ids=group_ids)
    member_counts = _member_counts(group_ids)
    unread_counts, mention_counts = _unread_counts(user=user, group_ids=list(memberships))
    last_messages = _last_messages(user=user, groups=groups)
    peers = _direct_peers(
        user=user, group_ids=[g.id for g in groups if g.kind == Group.Kind.DIRECT]
    )
    return [
        {
            "id": group.id,
            "name": group.name,
            "title": peers.get(group.id, group.name),
            "description": group.description,
            "kind": group.kind,
            "is_public": group.is_public,
            "mention_all_by": group.mention_all_by,
            "role": memberships[group.id].role if group.id in memberships else None,
            "muted": memberships[group.id].muted if group.id in memberships else False,
            "member_count": member_counts.get(group.id, 0),
            "unread_count": unread_counts.get(group.id, 0),
            # In a direct conversation every message is meant for the viewer.
            "mention_count": (
                unread_counts if group.kind == Group.Kind.DIRECT else mention_counts
            ).get(group.id, 0),
            "last_message": (
                last_messages.get(group.last_message_id) if group.last_message_id else None
            ),
        }
        for group in groups
    ]


def _viewer_memberships(*, user, group_ids: list[int]) -> dict[int, Membership]:
    return {
        m.group_id: m
        for m in Membership.objects.filter(user=user, group_id__in=group_ids).only(
            "group_id", "role", "last_read_id", "muted"
        )
    }


def _member_counts(group_ids: list[int]) -> dict[int, int]:
    rows = (
        Membership.objects.filter(group_id__in=group_ids)
        .values("group_id")
        .annotate(count=Count("id"))
        .values_list("group_id", "count")
    )
    return dict(rows)


def _unread_counts(*, user, group_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Messages from others, not deleted, above the viewer's read marker (members only), and
    how many of them mention the viewer (by name or `@all`): one query for both."""
    if not group_ids:
        return {}, {}
    rows = (
        Message.objects.filter(
            group_id__in=group_ids,
            deleted=False,
            # One filter() call: the marker is the viewer's own membership row in that group.
            group__memberships__user=user,
            id__gt=F("group__memberships__last_read_id"),
        )
        .filter(~Q(sender=user))
        .values("group_id")
        .annotate(
            count=Count("id"),
            mentioning=Count(
                "id",
                filter=Q(mentions_all=True)
                | Q(Exists(Mention.objects.filter(message=OuterRef("pk"), user=user))),
            ),
        )
        .values_list("group_id", "count", "mentioning")
    )
    unread, mentioning = {}, {}
    for group_id, count, mentions in rows:
        unread[group_id], mentioning[group_id] = count, mentions
    return unread, mentioning


def _last_messages(*, user, groups: list[Group]) -> dict[int, dict[str, Any]]:
    message_ids = [g.last_message_id for g in groups if g.last_message_id is not None]
    if not message_ids:
        return {}
    messages = Message.objects.filter(id__in=message_ids).select_related("sender")
    return {p["id"]: for_viewer(p, user.id) for p in message_payloads(messages)}


def _direct_peers(*, user, group_ids: list[int]) -> dict[int, str]:
    """{direct group id: the other person's shown name} (notes to self: the viewer's own)."""
    if not group_ids:
        return {}
    peers: dict[int, str] = {}
    rows = Membership.objects.filter(group_id__in=group_ids).select_related("user").order_by("id")
    for membership in rows:
        if membership.user_id != user.id or membership.group_id not in peers:
            peers[membership.group_id] = membership.user.shown_name
    return peers
