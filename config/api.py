"""The one list of REST routes, under /api/v1/. Each app keeps its views in <app>/api.py."""

from django.urls import path  # noqa: F401  (routes are added per app below)

app_name = "api"

urlpatterns: list = [
    # accounts
    # groups
    # messaging
]
