"""REST error answers: the services raise Django's ValidationError / PermissionDenied, and the
API turns them into the contract's 400 / 403 bodies (DRF's own exceptions pass through). A
database that cannot be reached is a 503 with Retry-After, never a 500: the caller tries again."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.database import database_unavailable

UNAVAILABLE = "The database is unavailable; try again shortly."
RETRY_AFTER_SECONDS = 2


def exception_handler(exc, context):
    if database_unavailable(exc):
        return Response(
            {"detail": UNAVAILABLE},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages[0] if exc.messages else ""})
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc))
    return drf_exception_handler(exc, context)
