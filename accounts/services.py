"""Account writes: one flow behind the pages and the REST API."""

from django.contrib import auth
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from accounts.models import USERNAME_TAKEN, User
from core import events

INVALID_CREDENTIALS = "Unable to sign in with that username and password."
WRONG_PASSWORD = "Your old password was entered incorrectly."


def user_register(*, username: str, password: str, email: str = "", display_name: str = "") -> User:
    """Create an active user with a usable password. Names are unique regardless of case."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": USERNAME_TAKEN})
    user = User(
        username=username,
        email=User.objects.normalize_email(email),
        display_name=display_name,
    )
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the same name registered by a concurrent request
        raise ValidationError({"username": USERNAME_TAKEN}) from error
    return user


def user_register_with_token(
    *, username: str, password: str, email: str = "", display_name: str = ""
) -> Token:
    """Sign-up for programs: the new user and their API token, both or neither."""
    with transaction.atomic():
        user = user_register(
            username=username, password=password, email=email, display_name=display_name
        )
        return token_issue(user=user)


def token_obtain(*, username: str, password: str) -> Token:
    """The user's API token for a correct password. The same error for every kind of refusal."""
    user = auth.authenticate(username=username, password=password)
    if user is None:
        raise ValidationError(INVALID_CREDENTIALS)
    return token_issue(user=user)


def token_issue(*, user: User) -> Token:
    """The user's one API token, created on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    """Delete the user's token: every program using it is signed out, websockets included."""
    with transaction.atomic():
        token = Token.objects.filter(user=user).first()
        if token is None:
            return
        events.credentials_revoked_on_commit(user_id=user.pk, token_key=token.key)
        token.delete()


def session_end(*, request: HttpRequest) -> None:
    """Sign the browser out; the websockets opened with its session close after commit."""
    user_id, session_key = request.user.pk, request.session.session_key
    with transaction.atomic():
        auth.logout(request)
        if user_id is not None and session_key:
            events.credentials_revoked_on_commit(user_id=user_id, session_key=session_key)


def password_change(
    *,
    user: User,
    new_password: str,
    old_password: str | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Set a new password (a change, when old_password is given, or a reset).

    Every other session of the user ends (its password hash no longer matches), the API token
    is revoked and the user's websockets close after commit; the session of `request`, if
    given, stays signed in.
    """
    if old_password is not None and not user.check_password(old_password):
        raise ValidationError({"old_password": WRONG_PASSWORD})
    try:
        validate_password(new_password, user=user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        Token.objects.filter(user=user).delete()
        events.credentials_revoked_on_commit(user_id=user.pk)
    if request is not None:
        update_session_auth_hash(request, user)


def user_deactivate(*, user: User) -> User:
    """Switch an account off: it can no longer sign in, and its open websockets close."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        events.credentials_revoked_on_commit(user_id=user.pk)
    return user


def profile_update(
    *, user: User, display_name: str | None = None, email: str | None = None
) -> User:
    """Change what the user may change about themselves; None leaves a field as it is."""
    changed = []
    if display_name is not None:
        user.display_name = display_name
        changed.append("display_name")
    if email is not None:
        user.email = User.objects.normalize_email(email)
        changed.append("email")
    if not changed:
        return user
    user.full_clean(
        exclude=[field.name for field in User._meta.fields if field.name not in changed]
    )
    user.save(update_fields=changed)
    return user
