"""Notifications in the admin: read-only (they follow from messages), found by user; and each
user's notification preferences, which an admin may change for them."""

from django.contrib import admin
from django.db import transaction

from . import digests
from .models import Notification, Preferences


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "kind", "group", "message_id", "created_at", "read")
    list_filter = ("kind", "read")
    list_select_related = ("user", "group")
    search_fields = ("user__username",)
    raw_id_fields = ("user", "message", "group")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "email_delay_minutes", "push", "dnd_until")
    list_filter = ("email", "push")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            digests.follow(obj)
            super().save_model(request, obj, form, change)
