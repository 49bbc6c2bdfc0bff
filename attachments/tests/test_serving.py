"""A file's answer on the file system: streamed by the site (`app`), or handed to nginx
(`x-accel`); the same headers either way, inline only for the contract's image types."""

import pytest

from attachments.models import Attachment
from attachments.tests.uploads import png, upload

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_safe_headers(response, *, content_type: str, inline: bool) -> None:
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;" if inline else "attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.django_db
def test_app_mode_sends_a_png_inline(settings, make_user, make_api_client):
    settings.ATTACHMENTS_SERVE = "app"
    client = make_api_client(make_user())
    data = png()
    payload = upload(client, "chart.png", data)

    response = client.get(payload["url"])

    assert response.status_code == 200
    assert body_of(response) == data
    assert_safe_headers(response, content_type="image/png", inline=True)
    assert response["Content-Disposition"] == (
        "inline; filename=\"chart.png\"; filename*=UTF-8''chart.png"
    )
    assert "X-Accel-Redirect" not in response


@pytest.mark.django_db
def test_app_mode_sends_the_thumbnail_inline_as_webp(settings, make_user, make_api_client):
    settings.ATTACHMENTS_SERVE = "app"
    client = make_api_client(make_user())
    payload = upload(client, "chart.png", png())

    response = client.get(payload["thumbnail_url"])

    assert response.status_code == 200
    assert body_of(response)[8:12] == b"WEBP"
    assert_safe_headers(response, content_type="image/webp", inline=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "claimed"),
    [("page.png", HTML, "image/png"), ("drawing.svg", SVG, "image/svg+xml")],
    ids=["html-named-png", "svg"],
)
def test_app_mode_sends_html_and_svg_as_downloads(
    settings, make_user, make_api_client, name, data, claimed
):
    settings.ATTACHMENTS_SERVE = "app"
    client = make_api_client(make_user())
    payload = upload(client, name, data, content_type=claimed)

    response = client.get(payload["url"])

    assert response.status_code == 200
    assert body_of(response) == data
    assert payload["thumbnail_url"] is None
    assert_safe_headers(response, content_type=payload["content_type"], inline=False)
    assert not payload["content_type"].startswith("image/")
    assert payload["content_type"] not in ("text/html", "image/svg+xml")


@pytest.mark.django_db
def test_x_accel_mode_hands_the_file_to_nginx(settings, make_user, make_api_client):
    settings.ATTACHMENTS_SERVE = "x-accel"
    settings.ATTACHMENTS_X_ACCEL_PREFIX = "/protected-files/"
    client = make_api_client(make_user())
    payload = upload(client, "chart.png", png())
    attachment = Attachment.objects.get(id=payload["id"])

    response = client.get(payload["url"])
    thumbnail = client.get(payload["thumbnail_url"])

    assert response.status_code == 200
    assert body_of(response) == b""
    assert response["X-Accel-Redirect"] == "/protected-files/" + attachment.file
    assert_safe_headers(response, content_type="image/png", inline=True)
    assert thumbnail.status_code == 200
    assert body_of(thumbnail) == b""
    assert thumbnail["X-Accel-Redirect"] == "/protected-files/" + attachment.thumbnail
    assert_safe_headers(thumbnail, content_type="image/webp", inline=True)


@pytest.mark.django_db
def test_x_accel_mode_keeps_a_download_a_download(settings, make_user, make_api_client):
    settings.ATTACHMENTS_SERVE = "x-accel"
    settings.ATTACHMENTS_X_ACCEL_PREFIX = "/internal/files/"
    client = make_api_client(make_user())
    payload = upload(client, "page.png", HTML, content_type="image/png")
    attachment = Attachment.objects.get(id=payload["id"])

    response = client.get(payload["url"])

    assert body_of(response) == b""
    assert response["X-Accel-Redirect"] == "/internal/files/" + attachment.file
    assert_safe_headers(response, content_type=payload["content_type"], inline=False)


@pytest.mark.django_db
def test_x_accel_mode_gives_an_outsider_no_redirect(settings, make_user, make_api_client):
    settings.ATTACHMENTS_SERVE = "x-accel"
    payload = upload(make_api_client(make_user()), "chart.png", png())

    response = make_api_client(make_user()).get(payload["url"])

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
