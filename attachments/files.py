"""What an uploaded file is, read from its bytes (never from its name or the client's claim),
and what the site makes of an image: its size, a thumbnail, and a copy without its location.

Pillow reads an image once: `Image.open` checks the pixel count against the decompression-bomb
limit before decoding anything (more pixels than the limit: refused), `load()` decodes it (a
truncated or corrupt one is kept as a plain file). Only PNG, JPEG, GIF and WebP are images
here; anything else (SVG and HTML included) is a plain file, served as a download.
"""

from __future__ import annotations

import unicodedata
import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import IO

import filetype  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from .models import IMAGE_TYPES, NAME_MAX_LENGTH

THUMBNAIL_SIDE = 400
THUMBNAIL_TYPE = "image/webp"
SNIFF_BYTES = 8192
TOO_MANY_PIXELS = "This image has too many pixels to be read safely."
PLAIN = "application/octet-stream"
TEXT = "text/plain"
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    TEXT: ".txt",
}
PILLOW_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


@dataclass(frozen=True)
class Inspected:
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None  # THUMBNAIL_TYPE
    without_location: bytes | None = None  # the image again, when it carried a GPS location

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "")


def clean_name(name: object) -> str:
    """A file name fit to show and to send back in Content-Disposition: no folders (`../`),
    no control or direction-override characters, at most NAME_MAX_LENGTH characters with the
    extension kept; "file" when nothing is left."""
    text = unicodedata.normalize("NFC", name if isinstance(name, str) else "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    text = " ".join(text.split()).strip(". ")
    if len(text) > NAME_MAX_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            text = stem[: NAME_MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            text = text[:NAME_MAX_LENGTH]
    return text or "file"


def inspect(stream: IO[bytes]) -> Inspected:
    """What the bytes are; for an image, its size, thumbnail and a copy without location.
    Raises ValidationError for an image with more pixels than Pillow's bomb limit."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    kind = filetype.guess_mime(head)
    if kind in IMAGE_TYPES:
        image = _image(stream)
        stream.seek(0)
        if image is not None:
            return image
        return Inspected(PLAIN)  # claimed to be an image by its first bytes, cannot be decoded
    if kind:
        return Inspected(kind)
    return Inspected(TEXT if _is_text(head) else PLAIN)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # a character cut at the end of the sample
    return True


def _image(stream: IO[bytes]) -> Inspected | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            content_type = PILLOW_FORMATS.get(image.format or "")
            if content_type is None:
                return None
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({"file": TOO_MANY_PIXELS}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return None
    width, height = image.size
    return Inspected(
        content_type,
        width=width,
        height=height,
        thumbnail=_thumbnail(image),
        without_location=_without_location(image, content_type),
    )


def _thumbnail(image: Image.Image) -> bytes:
    """At most THUMBNAIL_SIDE on the longer side, turned upright, the first frame of an
    animation, no metadata."""
    still = ImageOps.exif_transpose(image.copy()) or image.copy()
    still.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    if still.mode not in ("RGB", "RGBA"):
        transparent = still.mode in ("LA", "PA") or "transparency" in still.info
        still = still.convert("RGBA" if transparent else "RGB")
    out = BytesIO()
    still.save(out, "WEBP", quality=80)
    return out.getvalue()


def _without_location(image: Image.Image, content_type: str) -> bytes | None:
    """The image re-saved without its EXIF GPS block, or None when it has none."""
    exif = image.getexif()
    if ExifTags.IFD.GPSInfo not in exif:
        return None
    del exif[ExifTags.IFD.GPSInfo]
    out = BytesIO()
    options: dict[str, object] = {"exif": exif.tobytes()}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if content_type == "image/jpeg":
        image.save(out, "JPEG", quality="keep", **options)
    elif content_type == "image/webp":
        image.save(out, "WEBP", lossless=False, quality=90, **options)
    else:
        image.save(out, "PNG", **options)
    return out.getvalue()
