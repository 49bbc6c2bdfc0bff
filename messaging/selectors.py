"""Reads of messages: fetch-and-authorize one message, history pages by keyset (search lives in
messaging.search)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from groups.models import Group, Membership
from groups.permissions import can_view
from groups.selectors import NOT_FOUND, get_membership, is_valid_id

from .models import Message

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 100
BOTH_CURSORS = "Give before or after, not both."


def get_message_for_viewer(*, user, message_id: int) -> tuple[Message, Membership | None]:
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


def history_page(
    *, group: Group, before: int | None = None, after: int | None = None, limit: int | None = None
) -> tuple[list[Message], bool]:
    """A page of the group's messages, ascending by id, and whether more lie beyond it.

    No cursor: the newest `limit`. before=M: the newest `limit` below M. after=M: the oldest
    `limit` above M. Keyset on the (group, id) index: one query, never OFFSET.
    """
    if before is not None and after is not None:
        raise ValidationError({"detail": BOTH_CURSORS})
    limit = HISTORY_DEFAULT_LIMIT if limit is None else limit
    messages = Message.objects.filter(group=group).select_related("sender")
    if after is not None:
        page = list(messages.filter(id__gt=after).order_by("id")[: limit + 1])
        has_more = len(page) > limit
        return page[:limit], has_more
    if before is not None:
        messages = messages.filter(id__lt=before)
    if group.last_message_id is not None:
        # Bound the scan from above: for a group holding most of the table, PostgreSQL walks
        # the primary key backwards, and would read and skip every newer row of other groups.
        messages = messages.filter(id__lte=group.last_message_id)
    page = list(messages.order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    return page[:limit][::-1], has_more
