"""The sockets' database work: plain sync functions that `chat.db.run` calls in its pool.

Each calls the same service or selector as the other front doors and returns what the socket
needs: payloads (JSON-safe dicts) or encoded frames, never models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F

from accounts.models import User
from accounts.throttles import write_allowed
from groups.models import Group, Membership
from groups.selectors import get_membership, member_ids
from messaging.conversations import group_payload
from messaging.models import Message
from messaging.payloads import (
    for_viewer,
    message_payload,
    message_payload_fresh,
    payload_rows,
    payloads_of,
    payloads_of_rows,
)
from messaging.services import mark_read, send_message

from . import frames


class TooManyWrites(Exception):
    """The user's write budget (the same as REST's) is spent for now."""


def send(*, user: User, group_id: int, body: Any, client_id: Any, attachments: Any = None) -> str:
    """`messaging.services.send_message`, answered by the `message.ack` frame (after commit).
    A repeated client_id acks the original, with its reactions as they are now. Counts against
    the user's write budget, as a REST send does (TooManyWrites when it is spent)."""
    if write_allowed(user.id) is not None:
        raise TooManyWrites
    message, created = send_message(
        sender=user, group_id=group_id, body=body, client_id=client_id, attachments=attachments
    )
    payload = message_payload(message) if created else message_payload_fresh(message)
    return frames.encode(
        {
            "type": "message.ack",
            "client_id": message.client_id,
            "message": for_viewer(payload, user.id),
        }
    )


def read(*, user, group_id: int, message_id: int) -> None:
    mark_read(membership=get_membership(user=user, group_id=group_id), message_id=message_id)


@dataclass(frozen=True)
class ReplayPage:
    payloads: list[dict[str, Any]]  # ascending by id
    has_more: bool
    last_seq: int  # the group's last seq when the page was read


def replay(*, group_id: int, after_id: int, limit: int) -> ReplayPage:
    """The oldest `limit` messages of the group with an id above `after_id`."""
    last_seq = next(iter(Group.objects.filter(pk=group_id).values_list("last_seq", flat=True)), 0)
    query = Message.objects.filter(group_id=group_id, id__gt=after_id).order_by("id")
    rows = list(payload_rows(query)[: limit + 1])
    return ReplayPage(
        payloads=payloads_of_rows(rows[:limit]), has_more=len(rows) > limit, last_seq=last_seq
    )


def messages_by_seq(*, group_id: int, after_seq: int, upto_seq: int) -> list[dict[str, Any]]:
    """The group's messages with after_seq < seq <= upto_seq, ascending: a completion."""
    return payloads_of(
        Message.objects.filter(group_id=group_id, seq__gt=after_seq, seq__lte=upto_seq).order_by(
            "seq"
        )
    )


def last_messages(*, group_ids: list[int]) -> list[dict[str, Any]]:
    """The last message of each of these groups (one query): what a process compares with what
    its sockets have after the channel layer was away."""
    return payloads_of(
        Message.objects.filter(group_id__in=group_ids, seq=F("group__last_seq")).order_by("id")
    )


def joined_group(*, user_id: int, group_id: int) -> tuple[dict[str, Any], int] | None:
    """The `group` payload for a member who just joined, and the group's last seq; None when
    they are no longer a member."""
    try:
        membership = Membership.objects.select_related("group", "user").get(
            user_id=user_id, group_id=group_id
        )
    except Membership.DoesNotExist:
        return None
    group = membership.group
    return group_payload(user=membership.user, group=group), group.last_seq


def group_member_ids(*, group_id: int) -> list[int]:
    return member_ids(group_id)
