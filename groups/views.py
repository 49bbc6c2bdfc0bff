"""Group pages: create, join, leave, settings, members, delete, direct conversations.

Each view checks the form's shape, fetches the group through the fetch-and-authorize selector
(a group the caller may not see is a 404), makes one service call and redirects. The services
decide who may do what; the templates only hide what the caller's role cannot do.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.requests import SignedInHttpRequest
from accounts.selectors import user_search

from . import permissions, selectors, services
from .forms import (
    GroupForm,
    GroupSettingsForm,
    MemberAddForm,
    RoleForm,
    UserChoiceForm,
    UserSearchForm,
)
from .models import Group, Membership

GROUP_CREATED = "Group created."
GROUP_SAVED = "Group settings saved."
GROUP_DELETED = "The group {name} was deleted."
JOINED = "You joined {name}."
MUTED = "Muted: @all no longer notifies you here (a mention of your name still does)."
UNMUTED = "Unmuted: @all notifies you here again."
LEFT = "You left {name}."
MEMBER_ADDED = "{name} was added as {role}."
MEMBER_REMOVED = "{name} was removed."
ROLE_CHANGED = "{name} is now {role}."

Role = Membership.Role


def _flash_error(request: SignedInHttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _valid_or_400(form):
    """Forms of buttons and hidden fields: a bad one was not sent by our page."""
    if not form.is_valid():
        raise BadRequest(form.errors.as_text())
    return form.cleaned_data


def _chosen_user(form: UserChoiceForm):
    user = get_user_model().objects.filter(pk=_valid_or_400(form)["user_id"]).first()
    if user is None:
        raise Http404(selectors.NOT_FOUND)
    return user


def _to_settings(group: Group) -> HttpResponse:
    return redirect("group_settings", group_id=group.id)


def _to_conversation(group: Group) -> HttpResponse:
    return redirect("conversation", group_id=group.id)


# --- Groups -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: SignedInHttpRequest) -> HttpResponse:
    form = GroupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            group = services.group_create(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, GROUP_CREATED)
            return _to_conversation(group)
    status = 400 if form.is_bound else 200
    return render(request, "groups/create.html", {"form": form}, status=status)


@login_required
@require_POST
def group_join(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
    _, created = services.group_join(user=request.user, group=group)
    if created:
        messages.success(request, JOINED.format(name=group.name))
    return _to_conversation(group)


@login_required
@require_POST
def group_leave(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
    try:
        services.group_leave(user=request.user, group=group)
    except ValidationError as error:
        _flash_error(request, error)
        return _to_settings(group)
    messages.success(request, LEFT.format(name=group.name))
    return redirect("home")


@login_required
@require_POST
def group_mute(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    """Mute or unmute the group for the caller (`@all` notifies them, or not), then back to it."""
    _, membership = selectors.get_group_for_member(user=request.user, group_id=group_id)
    muted = request.POST.get("muted") == "1"
    services.membership_set_muted(membership=membership, muted=muted)
    messages.success(request, MUTED if muted else UNMUTED)
    return redirect("conversation", group_id=group_id)


@login_required
@require_http_methods(["GET", "POST"])
def group_settings(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    """The group's facts and members; owners and admins edit them here."""
    group, membership = selectors.get_group_for_member(user=request.user, group_id=group_id)
    abilities = _abilities(group, membership)
    initial = {
        "name": group.name,
        "description": group.description,
        "is_public": group.is_public,
        "mention_all_by": group.mention_all_by,
    }
    form = GroupSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        is_owner=bool(abilities["is_owner"]),
    )
    if form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, GROUP_SAVED)
            return _to_settings(group)
    search = UserSearchForm(request.GET)
    context = {
        "group": group,
        "membership": membership,
        "form": form,
        "members": selectors.group_members(group=group),
        "search": search,
        "candidates": _candidates(group, search),
        **abilities,
    }
    return render(request, "groups/settings.html", context, status=400 if form.is_bound else 200)


def _abilities(group: Group, membership: Membership) -> dict[str, object]:
    """What the caller's role lets the page offer (the services check again)."""
    named = group.kind == Group.Kind.GROUP
    can_manage = named and permissions.can_manage(membership)
    is_owner = named and permissions.is_owner(membership)
    ranks = permissions.ROLE_RANK
    return {
        "can_manage": can_manage,
        "is_owner": is_owner,
        "can_leave": named,
        "addable_roles": [
            (value, label)
            for value, label in Role.choices
            if ranks[value] <= ranks[membership.role]
        ],
        "role_choices": Role.choices,
    }


def _candidates(group: Group, search: UserSearchForm) -> list:
    """Users matching the search who are not members yet."""
    if not search.is_valid() or not search.cleaned_data["q"].strip():
        return []
    member_ids = set(selectors.member_ids(group.id))
    return [u for u in user_search(text=search.cleaned_data["q"]) if u.id not in member_ids]


@login_required
@require_http_methods(["GET", "POST"])
def group_delete(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    group, membership = selectors.get_group_for_member(user=request.user, group_id=group_id)
    if not _abilities(group, membership)["is_owner"]:
        raise PermissionDenied(services.NOT_ALLOWED)
    if request.method == "GET":
        return render(request, "groups/delete.html", {"group": group})
    services.group_delete(actor=request.user, group=group)
    messages.success(request, GROUP_DELETED.format(name=group.name))
    return redirect("home")


# --- Members ----------------------------------------------------------------------------------


@login_required
@require_POST
def member_add(request: SignedInHttpRequest, group_id: int) -> HttpResponse:
    group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
    form = MemberAddForm(request.POST)
    user = _chosen_user(form)
    try:
        added = services.membership_add(
            actor=request.user, group=group, user=user, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(
            request, MEMBER_ADDED.format(name=user.shown_name, role=added.get_role_display())
        )
    return _to_settings(group)


@login_required
@require_POST
def member_role(request: SignedInHttpRequest, group_id: int, user_id: int) -> HttpResponse:
    group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
    member = selectors.get_member(group=group, user_id=user_id)
    role = _valid_or_400(RoleForm(request.POST))["role"]
    try:
        changed = services.membership_set_role(
            actor=request.user, group=group, user=member.user, role=role
        )
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(
            request,
            ROLE_CHANGED.format(name=member.user.shown_name, role=changed.get_role_display()),
        )
    return _to_settings(group)


@login_required
@require_POST
def member_remove(request: SignedInHttpRequest, group_id: int, user_id: int) -> HttpResponse:
    group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
    member = selectors.get_member(group=group, user_id=user_id)
    try:
        services.membership_remove(actor=request.user, group=group, user=member.user)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, MEMBER_REMOVED.format(name=member.user.shown_name))
    return _to_settings(group)


# --- Direct conversations ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def direct(request: SignedInHttpRequest) -> HttpResponse:
    """GET searches people (?q=); POST opens the conversation with the one picked."""
    if request.method == "POST":
        other = _chosen_user(UserChoiceForm(request.POST))
        try:
            group, _ = services.direct_get_or_create(user=request.user, other=other)
        except ValidationError as error:
            _flash_error(request, error)
            return redirect("direct")
        return _to_conversation(group)
    search = UserSearchForm(request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    people = list(user_search(text=query)) if query else []
    return render(
        request, "groups/direct.html", {"search": search, "query": query, "people": people}
    )
