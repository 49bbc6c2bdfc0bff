"""Group pages. The conversation itself (/groups/<id>/) is in messaging/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:group_id>/join/", views.group_join, name="group_join"),
    path("groups/<int:group_id>/leave/", views.group_leave, name="group_leave"),
    path("groups/<int:group_id>/mute/", views.group_mute, name="group_mute"),
    path("groups/<int:group_id>/settings/", views.group_settings, name="group_settings"),
    path("groups/<int:group_id>/delete/", views.group_delete, name="group_delete"),
    path("groups/<int:group_id>/members/", views.member_add, name="member_add"),
    path(
        "groups/<int:group_id>/members/<int:user_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "groups/<int:group_id>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("direct/", views.direct, name="direct"),
]
