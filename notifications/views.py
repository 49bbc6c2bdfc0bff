"""Pages of the notifications: the list, the settings, and the one-click unsubscribe of the
e-mails (RFC 8058)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.requests import SignedInHttpRequest

from . import emails, services
from .forms import PreferencesForm
from .models import Preferences
from .selectors import notification_page

PAGE = 50
SAVED = "Notification settings saved."


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: SignedInHttpRequest) -> HttpResponse:
    """The caller's notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        services.mark_all_read(user=request.user)
        return redirect("notifications")
    results, has_more = notification_page(user=request.user, limit=PAGE)
    for notification in results:
        notification["when"] = datetime.fromisoformat(notification["created_at"])
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": results,
            "has_more": has_more,
            "unread": services.unread_count(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: SignedInHttpRequest) -> HttpResponse:
    preferences = services.preferences_of(request.user)
    if request.method == "GET":
        return render(
            request, "notifications/settings.html", {"form": PreferencesForm(instance=preferences)}
        )
    form = PreferencesForm(request.POST, instance=preferences)
    if form.is_valid():
        try:
            services.preferences_update(user=request.user, changes=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, SAVED)
            return redirect("notification_settings")
    return render(request, "notifications/settings.html", {"form": form})


@csrf_exempt  # a mail client POSTs here without a session; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners follow links: a GET changes nothing); POST turns e-mail off."""
    user_id = emails.user_of_token(token)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.preferences_update(user=user, changes={"email": Preferences.Email.OFF})
        return render(request, "notifications/unsubscribe.html", {"done": True})
    return render(request, "notifications/unsubscribe.html")


def service_worker(request: HttpRequest) -> FileResponse:
    """static/js/sw.js at the site's root: a service worker's scope is the folder it is
    served from, and this one is for every page."""
    path = finders.find("js/sw.js")
    if not path:
        raise Http404("no service worker")
    response = FileResponse(open(path, "rb"), content_type="text/javascript")  # noqa: SIM115
    response["Cache-Control"] = "no-cache"  # a new version reaches browsers at once
    return response
