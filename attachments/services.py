"""Writes of attachments: an upload (checked, inspected, stored), its claim by a message at
send, and its end (the message deleted, or never sent within UNSENT_LIFETIME).

Nothing is left behind that nothing references: the bytes are written after every check has
passed, the row that references them is made right after (and if that fails, they go), and
every ending removes the row at once (so the file is 404 from that moment) and the bytes by a
job after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from core.ids import is_valid_id

from . import files, tasks
from .models import Attachment
from .storage import storage

MOST_PER_MESSAGE = 10
EMPTY = "The file is empty."
NO_FILE = "Send the file in the multipart field `file`."
TOO_MANY = f"A message holds at most {MOST_PER_MESSAGE} attachments."
NOT_YOURS = "Each attachment must be an upload of yours not sent yet."
TWICE = "An attachment goes in a message once."
IDS = "attachments is a list of attachment ids."


class TooLarge(Exception):
    """Over the size limit or the user's quota: a 413."""


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def over_the_size_limit() -> TooLarge:
    return TooLarge(f"A file has at most {settings.MAX_UPLOAD_MB} MB.")


def upload(*, uploader: User, file: object) -> Attachment:
    """Keep a file the user uploaded (not sent yet): checked for size and quota, inspected
    (files.inspect), stored under a random name, with a job that removes it if it is still
    unsent after UNSENT_LIFETIME."""
    if not isinstance(file, File):
        raise ValidationError({"file": NO_FILE})
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": EMPTY})
    if size > max_upload_bytes():
        raise over_the_size_limit()
    used = Attachment.objects.filter(uploader=uploader).aggregate(total=Sum("size"))["total"]
    if (used or 0) + size > settings.UPLOAD_QUOTA_MB * 1024 * 1024:
        raise TooLarge(f"Your files would take more than your {settings.UPLOAD_QUOTA_MB} MB.")
    inspected = files.inspect(file)
    stem = f"{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}"
    store = storage()
    written: list[str] = []
    try:
        original = ContentFile(inspected.without_location) if inspected.without_location else file
        written.append(store.save(stem + inspected.extension, original))
        if inspected.thumbnail is not None:
            written.append(store.save(f"{stem}-thumb.webp", ContentFile(inspected.thumbnail)))
        with transaction.atomic():
            attachment = Attachment.objects.create(
                uploader=uploader,
                name=files.clean_name(getattr(file, "name", "")),
                size=len(inspected.without_location) if inspected.without_location else size,
                content_type=inspected.content_type,
                file=written[0],
                thumbnail=written[1] if len(written) > 1 else "",
                width=inspected.width,
                height=inspected.height,
            )
            tasks.remove_if_unsent.using(run_after=timezone.now() + tasks.UNSENT_LIFETIME).enqueue(
                attachment.id
            )
    except BaseException:
        for name in written:
            store.delete(name)
        raise
    return attachment


def clean_ids(ids: object) -> list[int]:
    """The `attachments` of a send: a list of at most MOST_PER_MESSAGE distinct ids."""
    if ids is None:
        return []
    if not isinstance(ids, list) or not all(
        is_valid_id(i) and not isinstance(i, bool) for i in ids
    ):
        raise ValidationError({"attachments": IDS})
    if len(ids) > MOST_PER_MESSAGE:
        raise ValidationError({"attachments": TOO_MANY})
    if len(set(ids)) != len(ids):
        raise ValidationError({"attachments": TWICE})
    return ids


def claim(*, sender: User, message_id: int, ids: Sequence[int]) -> list[Attachment]:
    """Give the message these uploads of the sender, in order, inside the send's transaction
    (their rows locked, so two sends cannot both take one). ValidationError if one is not the
    sender's or is sent already."""
    if not ids:
        return []
    found = {
        a.id: a
        for a in Attachment.objects.select_for_update().filter(
            id__in=ids, uploader=sender, message__isnull=True
        )
    }
    if len(found) != len(ids):
        raise ValidationError({"attachments": NOT_YOURS})
    claimed = []
    for position, attachment_id in enumerate(ids):
        attachment = found[attachment_id]
        attachment.message_id, attachment.position = message_id, position
        claimed.append(attachment)
    Attachment.objects.bulk_update(claimed, ["message", "position"])
    return claimed


def discard_of_message(message_id: int) -> int:
    """The message was deleted: its attachments are gone now (404), their bytes after the
    commit, by a job. How many."""
    return tasks.discard(Attachment.objects.filter(message_id=message_id))
