"""Message pages: home (the conversations), the conversation (history and composer), sending
by form POST, search.

They read through the same selectors and write through the same service as the REST API and
the websocket. The page works without JavaScript; static/js/conversation.js then adds live
updates, sending over the socket, editing, reactions and the read marker.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInHttpRequest
from groups import permissions
from groups.forms import GroupForm, UserSearchForm
from groups.models import Group, Membership
from groups.selectors import (
    get_group_for_viewer,
    groups_for_user,
    public_groups,
    public_groups_page,
)

from .conversations import group_payloads
from .forms import HistoryForm, MessageForm, PublicGroupsForm, SearchForm
from .payloads import for_viewer, message_payloads
from .search import search_messages
from .selectors import history_page
from .services import send_message

DISCOVER_LIMIT = 20  # public groups offered on home


@login_required
def home(request: SignedInHttpRequest) -> HttpResponse:
    """The user's conversations (most recent first, with unread counts and the last message),
    public groups to join, and the ways to start a conversation."""
    user = request.user
    discover = public_groups().exclude(memberships__user=user)[:DISCOVER_LIMIT]
    context = {
        "conversations": group_payloads(user=user, groups=groups_for_user(user=user)),
        "discover": group_payloads(user=user, groups=discover),
        "group_form": GroupForm(),
        "people_search": UserSearchForm(),
    }
    return render(request, "home.html", context)


@login_required
@require_GET
def public_groups_list(request: SignedInHttpRequest) -> HttpResponse:
    """Every public group, a page at a time (by id, as the API pages them), found by name."""
    form, cursor = PublicGroupsForm(request.GET), HistoryForm(request.GET)
    if not (form.is_valid() and cursor.is_valid()):
        if form.is_valid():  # the cursor is what is wrong
            form.add_error(None, "That page does not exist.")
        context = {"form": form, "groups": [], "next_after": None}
        return render(request, "messaging/public_groups.html", context, status=400)
    q = form.cleaned_data["q"].strip()
    page, has_more = public_groups_page(after=cursor.cleaned_data["after"], search=q)
    context = {
        "form": form,
        "q": q,
        "groups": group_payloads(user=request.user, groups=page),
        "next_after": page[-1].id if has_more else None,
    }
    return render(request, "messaging/public_groups.html", context)


@login_required
@require_GET
def conversation(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    group, membership = get_group_for_viewer(user=request.user, group_id=group_id)
    return _render_conversation(request, group, membership, MessageForm.fresh())


@login_required
@require_POST
def message_send(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    """The composer without JavaScript: store, then show the conversation at the new message."""
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message, _ = send_message(
                sender=request.user,
                group_id=group_id,
                body=form.cleaned_data["body"],
                client_id=form.cleaned_data["client_id"] or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(f"{reverse('conversation', args=[group_id])}#message-{message.id}")
    group, membership = get_group_for_viewer(user=request.user, group_id=group_id)
    return _render_conversation(request, group, membership, form, status=400)


def _render_conversation(
    request: SignedInHttpRequest,
    group: Group,
    membership: Membership | None,
    composer: MessageForm,
    status: int = 200,
) -> HttpResponse:
    cursor = HistoryForm(request.GET)
    if not cursor.is_valid():
        raise BadRequest(cursor.errors.as_text())
    try:
        page, _ = history_page(group=group, **cursor.cleaned_data)
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages)) from None
    user_id = request.user.id
    viewed = [for_viewer(payload, user_id) for payload in message_payloads(page)]
    entries = [
        (message, payload["reactions"], payload["attachments"])
        for message, payload in zip(page, viewed, strict=True)
    ]
    # seq is gapless, so the page itself tells whether older or newer messages exist.
    has_older = bool(page) and page[0].seq > 1
    has_newer = bool(page) and page[-1].seq < group.last_seq
    last_read_id = membership.last_read_id if membership else 0
    unread_from = next((m.id for m in page if m.id > last_read_id and m.sender_id != user_id), None)
    context = {
        "group": group,
        "title": _title(request.user, group),
        "membership": membership,
        "can_moderate": permissions.can_moderate_message(membership),
        "entries": entries,
        "has_older": has_older,
        "has_newer": has_newer,
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else 0,
        "unread_from": unread_from if membership else None,
        "composer": composer,
    }
    return render(request, "messaging/conversation.html", context, status=status)


def _title(user, group: Group) -> str:
    if group.kind != Group.Kind.DIRECT:
        return group.name
    return group_payloads(user=user, groups=[group])[0]["title"]


@login_required
@require_GET
def search(request: SignedInHttpRequest) -> HttpResponse:
    groups = group_payloads(user=request.user, groups=groups_for_user(user=request.user))
    form = SearchForm(request.GET, groups=groups)
    results = []
    if form.is_valid():
        try:
            results = search_messages(
                user=request.user, q=form.cleaned_data["q"], group_id=form.cleaned_data["group"]
            )
        except ValidationError as error:
            form.add_error(None, error)
    titles = {group["id"]: group["title"] for group in groups}
    context = {
        "form": form,
        "searched": form.is_bound and bool(request.GET.get("q", "").strip()),
        "results": [(message, titles.get(message.group_id, "")) for message in results],
    }
    return render(request, "messaging/search.html", context)
