"""Account pages: each validates a form, calls one service, answers."""

from django.conf import settings
from django.contrib import admin, auth, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import (
    INTERNAL_RESET_SESSION_TOKEN,
    LoginView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
)
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services, throttles
from accounts.forms import ProfileForm, SignupForm
from accounts.requests import SignedInHttpRequest

TOO_MANY_ATTEMPTS = "Too many attempts. Try again in {seconds} seconds."
SIGNED_UP = "Welcome, {name}! Your account is ready."
SIGNED_OUT = "You have signed out."
PROFILE_SAVED = "Your profile was saved."


def _set_retry_after(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Retry-After"] = str(seconds)
    return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "GET":
        return render(request, "accounts/signup.html", {"form": SignupForm()})

    wait = throttles.seconds_to_wait(request, throttles.REGISTER_THROTTLES)
    if wait is not None:
        context = {"form": SignupForm(), "throttled": TOO_MANY_ATTEMPTS.format(seconds=wait)}
        response = render(request, "accounts/signup.html", context, status=429)
        return _set_retry_after(response, wait)

    form = SignupForm(request.POST)
    if form.is_valid():
        try:
            user = services.user_register(**form.registration_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            auth.login(request, user)
            messages.success(request, SIGNED_UP.format(name=user.shown_name))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})


class ThrottledLoginView(LoginView):
    """Django's sign-in page, counting each attempt per username and per client address."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = throttles.seconds_to_wait(request, throttles.LOGIN_THROTTLES)
        if wait is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: validating the bound one would check the password after all.
        form = self.get_form_class()(
            request, initial={"username": throttles.submitted_username(request)}
        )
        context = self.get_context_data(form=form, throttled=TOO_MANY_ATTEMPTS.format(seconds=wait))
        return _set_retry_after(self.render_to_response(context, status=429), wait)


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password-reset page, counting requests per e-mail address and per client
    address: each one sends a mail."""

    email_template_name = "registration/password_reset_email.txt"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = throttles.seconds_to_wait(request, throttles.PASSWORD_RESET_THROTTLES)
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form_class()(initial={"email": request.POST.get("email", "")})
        context = self.get_context_data(form=form, throttled=TOO_MANY_ATTEMPTS.format(seconds=wait))
        return _set_retry_after(self.render_to_response(context, status=429), wait)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in page, its attempts counted with the site's own sign-in attempts."""
    if request.method == "POST":
        wait = throttles.seconds_to_wait(request, throttles.LOGIN_THROTTLES)
        if wait is not None:
            context = {
                **admin.site.each_context(request),
                "title": "Log in",
                "app_path": request.get_full_path(),
                "form": AdminAuthenticationForm(
                    request, initial={"username": throttles.submitted_username(request)}
                ),
                "throttled": TOO_MANY_ATTEMPTS.format(seconds=wait),
                REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME)
                or reverse("admin:index"),
            }
            response = TemplateResponse(request, "admin/login.html", context, status=429)
            return _set_retry_after(response, wait)
    return admin.site.login(request)


class ThrottledPasswordChangeView(PasswordChangeView):
    """Django's password-change page: wrong old passwords count as sign-in attempts of the
    user, and the change ends the user's other sessions, token and sockets."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = throttles.seconds_to_wait(request, throttles.LOGIN_THROTTLES)
        if wait is None:
            return super().post(request, *args, **kwargs)
        context = self.get_context_data(
            form=self.get_form_class()(self.get_form_kwargs()["user"]),
            throttled=TOO_MANY_ATTEMPTS.format(seconds=wait),
        )
        return _set_retry_after(self.render_to_response(context, status=429), wait)

    def form_valid(self, form) -> HttpResponse:
        services.password_change(
            user=form.user, new_password=form.cleaned_data["new_password1"], request=self.request
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetSetView(PasswordResetConfirmView):
    """Django's reset page (from the e-mailed link): setting the password ends every session of
    the user, their token and their sockets."""

    def form_valid(self, form) -> HttpResponse:
        services.password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    services.session_end(request=request)
    messages.info(request, SIGNED_OUT)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: SignedInHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        form = ProfileForm(initial={"display_name": user.display_name, "email": user.email})
        return render(request, "accounts/profile.html", {"form": form})

    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            user.refresh_from_db()
            form.add_error(None, error)
        else:
            messages.success(request, PROFILE_SAVED)
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})
