"""Reads of attachments: the one a caller may fetch (the same 404 for a missing one and for
one they may not see)."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from core.ids import is_valid_id

from .models import Attachment

NOT_FOUND = "Not found."


def attachment_for_viewer(*, user: User, attachment_id: object) -> Attachment:
    """The attachment, if the user may fetch it: their own upload not sent yet, or one of a
    message (not deleted) in a group they are a member of. One query; Http404 otherwise."""
    if not is_valid_id(attachment_id):
        raise Http404(NOT_FOUND)
    attachment = (
        Attachment.objects.filter(pk=attachment_id)
        .filter(
            Q(message__isnull=True, uploader=user)
            | Q(message__deleted=False, message__group__memberships__user=user)
        )
        .first()
    )
    if attachment is None:
        raise Http404(NOT_FOUND)
    return attachment
