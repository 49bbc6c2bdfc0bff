"""The one list of REST routes, under /api/v1/. Each app keeps its views in <app>/api.py."""

from django.urls import path

from accounts import api as accounts_api
from groups import api as groups_api
from messaging import api as messaging_api

app_name = "api"

urlpatterns: list = [
    # accounts
    path("auth/register/", accounts_api.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("users/me/", accounts_api.MeView.as_view(), name="users-me"),
    path("users/", accounts_api.UserListView.as_view(), name="users"),
    # groups
    path("groups/", groups_api.GroupListView.as_view(), name="group-list"),
    path("groups/<int:group_id>/", groups_api.GroupDetailView.as_view(), name="group-detail"),
    path("groups/<int:group_id>/join/", groups_api.GroupJoinView.as_view(), name="group-join"),
    path("groups/<int:group_id>/leave/", groups_api.GroupLeaveView.as_view(), name="group-leave"),
    path("groups/<int:group_id>/members/", groups_api.MemberListView.as_view(), name="member-list"),
    path(
        "groups/<int:group_id>/members/<int:user_id>/",
        groups_api.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path("groups/<int:group_id>/read/", groups_api.ReadMarkerView.as_view(), name="group-read"),
    path("direct/", groups_api.DirectView.as_view(), name="direct"),
    # messaging
    path(
        "groups/<int:group_id>/messages/",
        messaging_api.GroupMessagesView.as_view(),
        name="group-messages",
    ),
    path("messages/<int:message_id>/", messaging_api.MessageDetailView.as_view(), name="message"),
    path(
        "messages/<int:message_id>/reactions/",
        messaging_api.ReactionListView.as_view(),
        name="reaction-list",
    ),
    path(
        "messages/<int:message_id>/reactions/<str:emoji>/",
        messaging_api.ReactionDetailView.as_view(),
        name="reaction-detail",
    ),
    path("search/", messaging_api.SearchView.as_view(), name="search"),
]
