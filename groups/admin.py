from django.contrib import admin
from django.db.models import Count

from .models import Group, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "joined_at", "last_read_id")
    readonly_fields = ("joined_at", "last_read_id")
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").order_by("id")


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_public", "member_count", "last_seq", "last_activity_at")
    list_filter = ("kind", "is_public")
    search_fields = ("name",)
    ordering = ("-last_activity_at",)
    fields = (
        "name",
        "description",
        "kind",
        "is_public",
        "created_by",
        "created_at",
        "last_seq",
        "last_message",
        "last_activity_at",
        "direct_key",
    )
    # The kind, the message counter and the last message are the services' to keep.
    readonly_fields = (
        "kind",
        "created_at",
        "last_seq",
        "last_message",
        "last_activity_at",
        "direct_key",
    )
    autocomplete_fields = ("created_by",)
    inlines = (MembershipInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, group: Group) -> int:
        return group.member_count  # type: ignore[attr-defined]  # annotated by get_queryset
