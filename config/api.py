"""The one list of REST routes, under /api/v1/. Each app keeps its views in <app>/api.py."""

from django.urls import path  # noqa: F401  (routes are added per app below)

from accounts import api as accounts_api

app_name = "api"

urlpatterns: list = [
    # accounts
    path("auth/register/", accounts_api.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("users/me/", accounts_api.MeView.as_view(), name="users-me"),
    path("users/", accounts_api.UserListView.as_view(), name="users"),
    # groups
    # messaging
]
