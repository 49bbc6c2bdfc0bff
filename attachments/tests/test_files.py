"""What a file is, from its bytes: images read once (size, thumbnail, location removed,
bombs refused, broken ones kept as plain files), everything else by its magic or as text; and
names cleaned of folders, controls and direction overrides."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from attachments import files


def image_bytes(fmt: str = "PNG", size=(40, 30), **options) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, "teal").save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_location() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
    }
    return image_bytes("JPEG", exif=exif.tobytes())


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_an_image_gets_its_size_and_a_webp_thumbnail_of_at_most_400_px(fmt, content_type):
    # when
    inspected = files.inspect(BytesIO(image_bytes(fmt, size=(1200, 300))))

    # then
    assert (inspected.content_type, inspected.width, inspected.height) == (content_type, 1200, 300)
    thumbnail = Image.open(BytesIO(inspected.thumbnail))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (400, 100))


def test_the_gps_location_is_removed_from_a_jpeg_and_the_rest_of_its_exif_kept():
    # when
    inspected = files.inspect(BytesIO(jpeg_with_location()))

    # then
    kept = Image.open(BytesIO(inspected.without_location)).getexif()
    assert ExifTags.IFD.GPSInfo not in kept
    assert kept[ExifTags.Base.Make] == "Camera"
    assert "GPS" not in str(Image.open(BytesIO(inspected.thumbnail)).getexif())


def test_an_image_without_location_is_kept_as_it_came():
    assert files.inspect(BytesIO(image_bytes("JPEG"))).without_location is None


def test_an_animated_gif_gets_a_still_thumbnail():
    # given
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue", "green")]
    out = BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    # when
    inspected = files.inspect(BytesIO(out.getvalue()))

    # then
    thumbnail = Image.open(BytesIO(inspected.thumbnail))
    assert inspected.content_type == "image/gif"
    assert getattr(thumbnail, "n_frames", 1) == 1


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # given: a 30,000 x 30,000 PNG (900 million pixels, a few hundred kB compressed)
    out = BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG")

    # when / then
    with pytest.raises(ValidationError, match="too many pixels"):
        files.inspect(BytesIO(out.getvalue()))


def test_a_truncated_jpeg_is_kept_as_a_plain_file():
    # given
    whole = image_bytes("JPEG", size=(300, 300))

    # when
    inspected = files.inspect(BytesIO(whole[: len(whole) // 2]))

    # then
    assert (inspected.content_type, inspected.thumbnail, inspected.width) == (
        files.PLAIN,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"%PDF-1.7\n1 0 obj\n", "application/pdf"),
        (b"<html><script>alert(1)</script></html>", "text/plain"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "text/plain"),
        ("2026-12-04 12:00:00 INFO démarré\n".encode(), "text/plain"),
        (bytes(range(256)), "application/octet-stream"),
    ],
    ids=["pdf", "html", "svg", "log", "binary"],
)
def test_other_files_are_known_by_their_bytes(content, content_type):
    inspected = files.inspect(BytesIO(content))
    assert (inspected.content_type, inspected.thumbnail) == (content_type, None)


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("in\x00voice\x1b[31m.txt", "invoice[31m.txt"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("  .hidden  ", "hidden"),
        ("", "file"),
        ("\u202e", "file"),
        (None, "file"),
    ],
)
def test_names_lose_folders_controls_and_direction_overrides(name, cleaned):
    assert files.clean_name(name) == cleaned


def test_a_long_name_is_cut_to_255_characters_keeping_its_extension():
    cleaned = files.clean_name("x" * 5000 + ".tar.gz")
    assert len(cleaned) == 255
    assert cleaned.endswith("x.gz")
