"""The websocket's frames: reading client frames (with the error codes of docs/realtime.md) and
writing server frames as JSON text. Server frames are encoded once per event, then shared.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from core.ids import MAX_ID
from messaging.payloads import for_viewer

# Error codes of the `error` frame.
INVALID_JSON = "invalid_json"
UNKNOWN_TYPE = "unknown_type"
INVALID = "invalid"
NOT_A_MEMBER = "not_a_member"
TOO_LARGE = "too_large"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
UNAVAILABLE = "unavailable"  # the database does not answer: resend with the same client_id

NOT_AN_OBJECT = "A frame is a JSON object with a string `type`."
BINARY_FRAME = "Frames are JSON text, not binary."
FRAME_TOO_LARGE = "A frame has at most {limit:,} bytes."
UNKNOWN_FRAME_TYPE = "Unknown frame type."
NOT_MEMBER_OF_GROUP = "You are not a member of that group."
SLOW_DOWN = "Too many frames: slow down."
TOO_MANY_WRITES = "Too many messages: slow down (the budget is shared with the REST API)."
UNEXPECTED = "Something went wrong; the frame was not processed."
NOT_UNICODE = "Text must be valid Unicode (a lone surrogate such as \\ud800 is not)."
UNAVAILABLE_NOW = "The server cannot store this now; send it again with the same client_id."
MUST_BE_INTEGER = "`{field}` must be an integer id."
MUST_BE_CURSORS = "`groups` maps group ids to the last message id seen (0 for none)."

# Close codes.
CLOSE_UNAUTHENTICATED = 4401  # no valid credentials, or they were revoked
CLOSE_TOO_SLOW = 4408  # the client did not read its frames
CLOSE_FLOOD = 4429  # kept sending after its frames were refused
CLOSE_SERVER_ERROR = 1011  # the server could not write to the socket
# The server cannot serve the socket now (channel layer unreachable, overloaded): reconnect after
# a random delay. Not 1013, which daphne does not let a server send (the client sees 1011).
CLOSE_TRY_AGAIN = 4013


class FrameError(Exception):
    """A client frame that is refused; becomes an `error` frame."""

    def __init__(self, code: str, detail: str, client_id: Any = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def error(code: str, detail: str, client_id: Any = None) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "detail": detail}
    if client_id is not None:
        frame["client_id"] = client_id
    return encode(frame)


def decode(text: str | None) -> dict[str, Any]:
    """The client frame as a dict with a string `type`, or FrameError."""
    if text is None:
        raise FrameError(INVALID_JSON, BINARY_FRAME)
    limit = settings.WEBSOCKET_MAX_FRAME_BYTES
    if len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit):
        raise FrameError(TOO_LARGE, FRAME_TOO_LARGE.format(limit=limit))
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        raise FrameError(INVALID_JSON, NOT_AN_OBJECT) from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError(INVALID_JSON, NOT_AN_OBJECT)
    if "\\u" in text and not _encodable(frame):
        raise FrameError(INVALID, NOT_UNICODE)
    return frame


def _encodable(value: Any) -> bool:
    """Whether every string in the decoded frame is valid Unicode: a JSON `\\ud800` escape
    decodes to a lone surrogate, which no reply or database can hold as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def integer(frame: dict[str, Any], field: str, client_id: Any = None) -> int:
    """An id field: an integer that fits the database's bigint."""
    value = frame.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise FrameError(INVALID, MUST_BE_INTEGER.format(field=field), client_id)
    return value


def cursors(frame: dict[str, Any]) -> dict[int, int]:
    """`{"groups": {"G": M}}` as {G: M}; group ids as JSON object keys are strings."""
    groups = frame.get("groups")
    if not isinstance(groups, dict):
        raise FrameError(INVALID, MUST_BE_CURSORS)
    parsed = {}
    for key, value in groups.items():
        if not (key.isascii() and key.isdigit() and len(key) <= 19 and int(key) <= MAX_ID):
            raise FrameError(INVALID, MUST_BE_CURSORS)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
            raise FrameError(INVALID, MUST_BE_CURSORS)
        parsed[int(key)] = value
    return parsed


class MessageFrame:
    """A `message.new` or `message.updated` frame of one message, encoded once per variant.

    The payload carries reactions with the ids of the users who reacted; the contract shows each
    viewer `{emoji, count, me}`. Viewers in none of the reactions share one text; each reacting
    viewer gets a text of their own.
    """

    __slots__ = ("kind", "payload", "group_id", "seq", "_reacting", "_shared", "_own")

    def __init__(self, kind: str, payload: dict[str, Any]) -> None:
        self.kind = kind
        self.payload = payload
        self.group_id: int = payload["group"]
        self.seq: int = payload["seq"]
        self._reacting = frozenset(u for r in payload["reactions"] for u in r["users"])
        self._shared: str | None = None
        self._own: dict[int, str] = {}

    def text_for(self, viewer_id: int) -> str:
        if viewer_id not in self._reacting:
            if self._shared is None:
                self._shared = self._encode(None)
            return self._shared
        if viewer_id not in self._own:
            self._own[viewer_id] = self._encode(viewer_id)
        return self._own[viewer_id]

    def _encode(self, viewer_id: int | None) -> str:
        return encode({"type": self.kind, "message": for_viewer(self.payload, viewer_id)})
