"""The contract's `attachment`: plain JSON-safe dicts, a message's loaded in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from .models import Attachment

PAYLOAD_COLUMNS = (
    "id",
    "message_id",
    "name",
    "size",
    "content_type",
    "thumbnail",
    "width",
    "height",
)


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return _payload(tuple(getattr(attachment, column) for column in PAYLOAD_COLUMNS))


def _payload(row: tuple) -> dict[str, Any]:
    id_, _, name, size, content_type, thumbnail, width, height = row
    return {
        "id": id_,
        "name": name,
        "size": size,
        "content_type": content_type,
        "url": reverse("api:attachments-file", args=[id_]),
        "thumbnail_url": reverse("api:attachments-thumbnail", args=[id_]) if thumbnail else None,
        "width": width,
        "height": height,
    }


def attachments_by_message(message_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """{message id: [attachment]} in one query, in each message's order."""
    by_message: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Attachment.objects.filter(message_id__in=list(message_ids))
        .order_by("message_id", "position")
        .values_list(*PAYLOAD_COLUMNS)
    )
    for row in rows:
        by_message[row[1]].append(_payload(row))
    return by_message
