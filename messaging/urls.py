"""Message pages: home (the conversations), the public groups, the conversation, sending by
form, search."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/public/", views.public_groups_list, name="public_groups"),
    path("groups/<int:group_id>/", views.conversation, name="conversation"),
    path("groups/<int:group_id>/messages/", views.message_send, name="message_send"),
    path("search/", views.search, name="search"),
]
