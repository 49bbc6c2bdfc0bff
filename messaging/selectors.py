"""Reads of messages: fetch-and-authorize one message, history pages by keyset (search lives in
messaging.search)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from core.ids import is_valid_id
from groups.models import Group, Membership
from groups.permissions import can_view
from groups.selectors import NOT_FOUND, get_membership

from .models import Message
from .payloads import payload_rows, payloads_of_rows

T = TypeVar("T")

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 100
BOTH_CURSORS = "Give before or after, not both."


def get_message_for_viewer(*, user: User, message_id: int) -> tuple[Message, Membership | None]:
    """The message and the caller's membership in its group; 404 alike for a missing message
    and for one in a group the caller may not see."""
    message = (
        Message.objects.select_related("sender", "group").filter(pk=message_id).first()
        if is_valid_id(message_id)
        else None
    )
    if message is None:
        raise Http404(NOT_FOUND)
    membership = get_membership(user=user, group_id=message.group_id)
    if not can_view(message.group, membership):
        raise Http404(NOT_FOUND)
    return message, membership


def _page_query(
    *, group: Group, before: int | None, after: int | None, limit: int | None
) -> tuple[QuerySet[Message], int, bool]:
    """The page's query (ordered, not sliced), its limit, and whether it reads newest first.
    Keyset on the (group, id) index: one query, never OFFSET. Callers read limit + 1 rows: the
    extra one tells whether more lie beyond (`_cut`)."""
    if before is not None and after is not None:
        raise ValidationError({"detail": BOTH_CURSORS})
    limit = HISTORY_DEFAULT_LIMIT if limit is None else limit
    messages = Message.objects.filter(group=group)
    if after is not None:
        return messages.filter(id__gt=after).order_by("id"), limit, False
    if before is not None:
        messages = messages.filter(id__lt=before)
    if group.last_message_id is not None:
        # Bound the scan from above: for a group holding most of the table, PostgreSQL walks
        # the primary key backwards, and would read and skip every newer row of other groups.
        messages = messages.filter(id__lte=group.last_message_id)
    return messages.order_by("-id"), limit, True


def _cut(rows: list[T], limit: int, newest_first: bool) -> tuple[list[T], bool]:
    page = rows[:limit]
    return (page[::-1] if newest_first else page), len(rows) > limit


def history_page(
    *, group: Group, before: int | None = None, after: int | None = None, limit: int | None = None
) -> tuple[list[Message], bool]:
    """A page of the group's messages (with senders), ascending by id, and whether more lie
    beyond it.

    No cursor: the newest `limit`. before=M: the newest `limit` below M. after=M: the oldest
    `limit` above M.
    """
    query, limit, newest_first = _page_query(group=group, before=before, after=after, limit=limit)
    return _cut(list(query.select_related("sender")[: limit + 1]), limit, newest_first)


def history_payloads(
    *, group: Group, before: int | None = None, after: int | None = None, limit: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """`history_page` as message payloads, read as rows: no model instances (the REST API's
    hot read)."""
    query, limit, newest_first = _page_query(group=group, before=before, after=after, limit=limit)
    rows, has_more = _cut(list(payload_rows(query)[: limit + 1]), limit, newest_first)
    return payloads_of_rows(rows), has_more
