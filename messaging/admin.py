"""Admin for a million messages: no COUNT(*) over the table per page, senders and groups loaded
with the page, search on the trigram index, and no screen that could break the services'
guarantees. Messages are read-only here: adding or hard-deleting one would leave a hole in its
group's seq, so the moderation action deletes as the site does, leaving a tombstone."""

import json
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.html import format_html

from .models import Message, Reaction
from .services import message_tombstone

EXCERPT_LENGTH = 80


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to EXACT_COUNT_LIMIT rows, reading no more than that; beyond it, on
    PostgreSQL, takes the planner's estimate (what EXPLAIN expects, from pg_class.reltuples and
    the column statistics), so a page of a million-row table never scans the table to number
    its pages. The last pages of an estimate may come up short or empty."""

    EXACT_COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        object_list: QuerySet[Any] = self.object_list  # type: ignore[assignment]  # a changelist's
        capped = object_list[: self.EXACT_COUNT_LIMIT + 1].count()
        if capped <= self.EXACT_COUNT_LIMIT:
            return capped
        if connection.vendor != "postgresql":
            return super().count
        plan = json.loads(object_list.explain(format="json"))
        return max(capped, int(plan[0]["Plan"]["Plan Rows"]))


class ViewOnlyAdmin(admin.ModelAdmin):
    """Lists and shows; never adds, changes or deletes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    list_display = ("id", "group_link", "seq", "sender", "excerpt", "created_at", "deleted")
    list_display_links = ("id",)
    list_filter = ("deleted", "group__kind", "created_at")
    list_select_related = ("group", "sender")
    search_fields = ("body",)
    search_help_text = "Messages whose text contains the words."
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    date_hierarchy = None  # its year and month links would aggregate the whole table
    actions = ("delete_as_tombstones",)

    def has_tombstone_permission(self, request) -> bool:
        return request.user.has_perm("messaging.delete_message")

    @admin.display(description="group", ordering="group__name")
    def group_link(self, message: Message) -> str:
        """The group's name, linking to this list narrowed to that group."""
        return format_html('<a href="?group__id__exact={}">{}</a>', message.group_id, message.group)

    @admin.display(description="text")
    def excerpt(self, message: Message) -> str:
        body = message.body
        return body if len(body) <= EXCERPT_LENGTH else body[: EXCERPT_LENGTH - 1] + "…"

    @admin.action(
        description="Delete the selected messages (they stay in history, emptied)",
        permissions=("tombstone",),
    )
    def delete_as_tombstones(self, request, queryset) -> None:
        messages = list(queryset.filter(deleted=False).select_related("sender"))
        for message in messages:
            message_tombstone(message=message)
        self.message_user(request, f"{len(messages)} message(s) deleted.")


@admin.register(Reaction)
class ReactionAdmin(ViewOnlyAdmin):
    """Reactions are their users' own acts, and go with their message's tombstone: listed only."""

    list_display = ("id", "emoji", "message", "user", "created_at")
    list_select_related = ("user",)
    search_fields = ("=emoji",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
