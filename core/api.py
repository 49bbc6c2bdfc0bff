"""What every app's REST endpoints share: strict fields, and the documented error answers
(config.exceptions turns the services' exceptions into them)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .ids import MAX_ID

# The errors of an operation that writes as a member: bad input, no credentials, a role that
# does not allow it, a thing the caller may not see, throttled.
WRITE_ERRORS = (400, 401, 403, 404, 429)

ERROR_DESCRIPTIONS = {
    400: "Invalid input: a field-error object or {detail}.",
    401: "No or bad credentials.",
    403: "The caller can see the group, but its role does not allow this.",
    404: "No such thing, or the caller may not see it (the same body either way).",
    429: "Throttled: see the Retry-After header.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation, for extend_schema(responses={..., **errors})."""
    return {code: OpenApiResponse(description=ERROR_DESCRIPTIONS[code]) for code in codes}


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of turning them into text: wrong type, 400."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false in JSON; DRF's own also takes "yes", "on", 1 and friends."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An integer id the database can hold: larger values are a 400, never an overflow."""
    kwargs.setdefault("min_value", 1)
    return serializers.IntegerField(max_value=MAX_ID, **kwargs)
