"""The one list of REST routes, under /api/v1/. Each app keeps its views in <app>/api.py, or in
<app>/api/ with a module per resource."""

from django.urls import path

from accounts import api as accounts_api
from attachments import api as attachments_api
from groups import api as groups_api
from messaging.api import groups as conversations_api
from messaging.api import messages as messages_api
from notifications import api as notifications_api

app_name = "api"

urlpatterns: list = [
    # accounts
    path("auth/register/", accounts_api.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("users/me/", accounts_api.MeView.as_view(), name="users-me"),
    path("users/me/password/", accounts_api.PasswordView.as_view(), name="users-me-password"),
    path("users/", accounts_api.UserListView.as_view(), name="users"),
    # groups, as conversations of the caller (messaging), and their members (groups)
    path("groups/", conversations_api.GroupListView.as_view(), name="group-list"),
    path(
        "groups/<int:group_id>/",
        conversations_api.GroupDetailView.as_view(),
        name="group-detail",
    ),
    path(
        "groups/<int:group_id>/join/",
        conversations_api.GroupJoinView.as_view(),
        name="group-join",
    ),
    path("groups/<int:group_id>/leave/", groups_api.GroupLeaveView.as_view(), name="group-leave"),
    path("groups/<int:group_id>/members/", groups_api.MemberListView.as_view(), name="member-list"),
    path(
        "groups/<int:group_id>/members/<int:user_id>/",
        groups_api.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "groups/<int:group_id>/read/",
        conversations_api.ReadMarkerView.as_view(),
        name="group-read",
    ),
    path(
        "groups/<int:group_id>/preferences/",
        groups_api.GroupPreferencesView.as_view(),
        name="group-preferences",
    ),
    path("direct/", conversations_api.DirectView.as_view(), name="direct"),
    # messages
    path(
        "groups/<int:group_id>/messages/",
        messages_api.GroupMessagesView.as_view(),
        name="group-messages",
    ),
    path("messages/<int:message_id>/", messages_api.MessageDetailView.as_view(), name="message"),
    path(
        "messages/<int:message_id>/reactions/",
        messages_api.ReactionListView.as_view(),
        name="reaction-list",
    ),
    path(
        "messages/<int:message_id>/reactions/<str:emoji>/",
        messages_api.ReactionDetailView.as_view(),
        name="reaction-detail",
    ),
    path("search/", messages_api.SearchView.as_view(), name="search"),
    # attachments
    path("uploads/", attachments_api.UploadView.as_view(), name="uploads"),
    path(
        "attachments/<int:attachment_id>/file/",
        attachments_api.FileView.as_view(),
        name="attachments-file",
    ),
    path(
        "attachments/<int:attachment_id>/thumbnail/",
        attachments_api.ThumbnailView.as_view(),
        name="attachments-thumbnail",
    ),
    # notifications
    path("notifications/", notifications_api.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        notifications_api.NotificationReadView.as_view(),
        name="notifications-read",
    ),
    path("push/key/", notifications_api.PushKeyView.as_view(), name="push-key"),
    path(
        "push/subscriptions/",
        notifications_api.PushSubscriptionView.as_view(),
        name="push-subscriptions",
    ),
    path(
        "users/me/notifications/",
        notifications_api.PreferencesView.as_view(),
        name="notification-preferences",
    ),
]
