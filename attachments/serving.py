"""The answer that sends an attachment's bytes, once the caller may have them
(selectors.attachment_for_viewer). Three ways, by settings:

- `app` (the default): the site streams the file from the storage itself.
- `x-accel`: an empty answer whose `X-Accel-Redirect` tells nginx to send the file from an
  `internal` location (ATTACHMENTS_X_ACCEL_PREFIX + the file's name). nginx keeps the
  answer's Content-Type, Content-Disposition and Cache-Control but drops the rest, so that
  location adds `nosniff` and the CSP itself (docs/deployment.md, *Files*).
- an S3 storage (settings: S3_BUCKET): a redirect to a presigned URL minted now, that works
  for S3_URL_EXPIRES_SECONDS and names the Content-Type and Content-Disposition S3 must send
  (S3 cannot send `nosniff` or a CSP: the bucket's host is another origin than the site's,
  so what a file holds cannot run as the site). The redirect itself is never cached.

Whichever way, only the contract's image types are `inline`; everything else is a download,
and `nosniff` and a sandboxing CSP keep a browser from running what a file holds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage
from django.http import FileResponse, HttpResponse, HttpResponseBase, HttpResponseRedirect

from .files import THUMBNAIL_TYPE
from .models import Attachment
from .storage import storage

CACHE = "private, max-age=3600"
REDIRECT_CACHE = "private, no-store"  # the URL it names expires


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> HttpResponseBase:
    name = attachment.thumbnail if thumbnail else attachment.file
    content_type = THUMBNAIL_TYPE if thumbnail else attachment.content_type
    inline = thumbnail or attachment.is_image
    disposition = _disposition(attachment.name, inline=inline)
    store = storage()
    if is_s3(store):
        return _presigned_redirect(store, name, content_type=content_type, disposition=disposition)
    if settings.ATTACHMENTS_SERVE == "x-accel":
        response: HttpResponseBase = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.ATTACHMENTS_X_ACCEL_PREFIX + quote(name)
    else:
        response = FileResponse(store.open(name, "rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = CACHE
    return response


def is_s3(store: Storage) -> bool:
    """The storage is django-storages' S3 one (or a subclass): it mints presigned URLs."""
    from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]

    return isinstance(store, S3Storage)


def _presigned_redirect(
    store: Any, name: str, *, content_type: str, disposition: str
) -> HttpResponseRedirect:
    """302 to a presigned GET of the object, whose answer carries these headers: S3 takes
    them from the signed `response-*` parameters, which nobody can change without the key.
    `store` is an S3Storage (django-storages ships no types)."""
    url: str = store.url(
        name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
            "ResponseCacheControl": CACHE,
        },
        expire=settings.S3_URL_EXPIRES_SECONDS,
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = REDIRECT_CACHE
    return response


def _disposition(name: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (RFC 5987)."""
    kind = "inline" if inline else "attachment"
    fallback = "".join(c if c.isascii() and c not in '"\\;' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
