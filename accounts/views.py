"""Account pages: each validates a form, calls one service, answers."""

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services, throttles
from accounts.forms import ProfileForm, SignupForm

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


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    services.session_end(request=request)
    messages.info(request, SIGNED_OUT)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
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
