"""The workers in the admin: who runs, where, and when each was last seen (the jobs themselves
are django-tasks-db's admin)."""

from django.contrib import admin
from django.http import HttpRequest

from .models import WorkerBeat


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not generic at run time
    list_display = ("worker_id", "host", "pid", "started_at", "seen_at")
    ordering = ("-seen_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkerBeat | None = None) -> bool:
        return False
