"""The attachments' background jobs: the bytes of ended attachments go, and uploads never
sent go after a day."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from .models import Attachment
from .storage import storage

logger = logging.getLogger(__name__)

UNSENT_LIFETIME = timedelta(hours=24)


def discard(attachments: QuerySet[Attachment]) -> int:
    """These attachments end: their rows go now (their files answer 404 from the commit on),
    their bytes by a job once it commits. How many."""
    names = [name for row in attachments.values_list("file", "thumbnail") for name in row if name]
    count, _ = attachments.delete()
    if names:
        delete_files.enqueue(names)
    return count


@task()
def delete_files(names: list[str]) -> int:
    """Delete these files from the storage (those already gone are skipped: a retry)."""
    store = storage()
    for name in names:
        store.delete(name)
    logger.info("attachments: deleted %d files", len(names))
    return len(names)


@task()
def remove_if_unsent(attachment_id: int) -> int:
    """An upload still unsent UNSENT_LIFETIME after it was made goes; a sent one stays."""
    cutoff = timezone.now() - UNSENT_LIFETIME + timedelta(minutes=1)
    return discard(
        Attachment.objects.filter(pk=attachment_id, message__isnull=True, created_at__lte=cutoff)
    )
