"""Attachments on S3, against a real S3 API (moto's server, tests/servers.py): the bytes go to
the bucket, a file's answer is a redirect to a presigned URL whose fetch carries the site's
headers, and a deleted message's objects leave the bucket."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django_tasks_db.models import DBTaskResult
from PIL import Image
from storages.backends.s3 import S3Storage

from attachments import tasks
from attachments.models import Attachment
from attachments.storage import storage
from attachments.tests.uploads import png, upload
from groups.models import Membership
from messaging.services import message_delete, send_message
from tests.servers import S3Server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3_server():
    with S3Server() as server:
        yield server


@pytest.fixture
def s3(settings, s3_server):
    """The site's attachments on moto's bucket for this test."""
    for name, value in s3_server.settings().items():
        setattr(settings, name, value)
    return s3_server


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """A plain HTTP GET, as the browser following the redirect makes it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def settings_in_a_process(**env: str) -> dict:
    """The attachments settings config/settings.py makes from this environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'storage': s.STORAGES['attachments'], "
        "'img_src': s.CONTENT_SECURITY_POLICY['img-src']}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_s3_bucket_the_files_stay_on_the_file_system():
    found = settings_in_a_process()

    assert found["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["storage"]["OPTIONS"]["location"].endswith("attachments")
    assert found["img_src"] == ["'self'", "data:"]


def test_s3_bucket_makes_a_private_s3_storage_from_the_environment():
    found = settings_in_a_process(
        S3_BUCKET="chat-files",
        S3_ENDPOINT_URL="https://minio.example.com:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
    )

    assert found["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = found["storage"]["OPTIONS"]
    assert options["bucket_name"] == "chat-files"
    assert options["endpoint_url"] == "https://minio.example.com:9000"
    assert options["region_name"] == "us-east-1"
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 300
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["addressing_style"] == "path"
    # the page may show the bucket's images, from that origin only
    assert found["img_src"] == ["'self'", "data:", "https://minio.example.com:9000"]


def test_on_aws_the_keys_are_boto3s_own_and_the_bucket_has_its_host_name():
    found = settings_in_a_process(
        S3_BUCKET="chat-files", S3_REGION="eu-west-3", S3_URL_EXPIRES_SECONDS="60"
    )

    options = found["storage"]["OPTIONS"]
    assert (options["access_key"], options["secret_key"]) == (None, None)
    assert options["endpoint_url"] is None
    assert options["querystring_expire"] == 60
    assert "https://chat-files.s3.eu-west-3.amazonaws.com" in found["img_src"]


def test_check_deploy_is_clean_on_s3():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-8f3a9c2d7e",
        "DJANGO_ALLOWED_HOSTS": "chat.example.com",
        "S3_BUCKET": "chat-files",
        "S3_REGION": "eu-west-3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_overriding_storages_gives_the_s3_storage_and_back(settings, s3_server):
    # given: Django drops its storages cache when STORAGES changes (django.test.signals)
    assert not isinstance(storage(), S3Storage)

    # when
    settings.STORAGES = s3_server.settings()["STORAGES"]

    # then
    assert isinstance(storage(), S3Storage)
    assert storage().bucket_name == s3_server.bucket


@pytest.mark.django_db
def test_an_upload_is_kept_in_the_bucket_and_served_by_a_presigned_redirect(
    s3, make_user, make_api_client
):
    # given
    uploader = make_user()
    client = make_api_client(uploader)

    # when
    payload = upload(client, "notes été.txt", b"hello from S3\n", content_type="text/html")
    response = client.get(payload["url"])

    # then: the object is in the bucket, stored as an opaque download whatever the client said
    attachment = Attachment.objects.get(id=payload["id"])
    assert attachment.file in s3.names()
    head = s3.client.head_object(Bucket=s3.bucket, Key=attachment.file)
    assert head["ContentType"] == "application/octet-stream"
    assert head["ContentDisposition"] == "attachment"
    grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=attachment.file)["Grants"]
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]  # the owner only
    # the answer is a redirect, never cached, to a URL that works for five minutes
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith(f"{s3.endpoint_url}/{s3.bucket}/{attachment.file}?")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    # its fetch: the bytes, with the headers the site would send
    status, headers, body = fetch(location)
    assert status == 200
    assert body == b"hello from S3\n"
    assert headers["content-type"] == "text/plain"
    assert headers["content-disposition"] == (
        "attachment; filename=\"notes _t_.txt\"; filename*=UTF-8''notes%20%C3%A9t%C3%A9.txt"
    )
    assert headers["cache-control"] == "private, max-age=3600"


@pytest.mark.django_db
def test_each_redirect_is_a_new_presigned_url(s3, make_user, make_api_client):
    client = make_api_client(make_user())
    payload = upload(client, "a.txt", b"a")

    first = client.get(payload["url"])["Location"]
    second = client.get(payload["url"])["Location"]

    assert urlsplit(first).path == urlsplit(second).path
    for url in (first, second):
        assert fetch(url)[2] == b"a"


@pytest.mark.django_db
def test_the_url_without_its_signature_is_refused(s3, make_user, make_api_client):
    client = make_api_client(make_user())
    payload = upload(client, "a.txt", b"secret")
    location = client.get(payload["url"])["Location"]

    status, _, body = fetch(location.split("?")[0])

    assert status == 403
    assert b"secret" not in body


@pytest.mark.django_db
def test_members_are_redirected_and_an_outsider_gets_404(s3, make_cast, make_api_client):
    # given: a file sent in a group
    cast = make_cast()
    payload = upload(make_api_client(cast.sender), "report.pdf", b"%PDF-1.4\n%fake\n")
    send_message(sender=cast.sender, group_id=cast.group.id, body="", attachments=[payload["id"]])

    # when
    member = make_api_client(cast.member).get(payload["url"])
    outsider = make_api_client(cast.outsider).get(payload["url"])
    anonymous = make_api_client().get(payload["url"])

    # then
    assert member.status_code == 302
    status, headers, body = fetch(member["Location"])
    assert (status, body) == (200, b"%PDF-1.4\n%fake\n")
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("attachment;")
    assert outsider.status_code == 404
    assert "Location" not in outsider
    assert anonymous.status_code in (401, 403)
    assert "Location" not in anonymous


@pytest.mark.django_db
def test_an_image_and_its_thumbnail_are_in_the_bucket_and_served_inline(
    s3, make_user, make_api_client
):
    client = make_api_client(make_user())

    payload = upload(client, "photo.png", png((640, 480)))

    attachment = Attachment.objects.get(id=payload["id"])
    assert attachment.thumbnail
    assert {attachment.file, attachment.thumbnail} <= set(s3.names())
    status, headers, body = fetch(client.get(payload["url"])["Location"])
    assert (status, body[:8]) == (200, b"\x89PNG\r\n\x1a\n")
    assert headers["content-type"] == "image/png"
    assert headers["content-disposition"].startswith("inline;")
    thumbnail = client.get(payload["thumbnail_url"])
    assert thumbnail.status_code == 302
    status, headers, body = fetch(thumbnail["Location"])
    assert status == 200
    assert headers["content-type"] == "image/webp"
    assert headers["content-disposition"].startswith("inline;")
    with Image.open(BytesIO(body)) as image:
        assert image.format == "WEBP"
        assert max(image.size) == 400


@pytest.mark.django_db
def test_html_named_png_and_svg_are_downloads_from_the_bucket(s3, make_user, make_api_client):
    client = make_api_client(make_user())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    for name, data, claimed in (
        ("page.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("drawing.svg", svg, "image/svg+xml"),
    ):
        payload = upload(client, name, data, content_type=claimed)
        assert payload["thumbnail_url"] is None
        status, headers, body = fetch(client.get(payload["url"])["Location"])
        assert (status, body) == (200, data)
        assert headers["content-disposition"].startswith("attachment;"), name
        assert not headers["content-type"].startswith("image/"), name


@pytest.mark.django_db
def test_deleting_the_message_ends_the_file_at_once_and_its_objects_by_the_job(
    s3, make_cast, make_api_client
):
    # given: an image sent in a group (its file and its thumbnail in the bucket)
    cast = make_cast()
    payload = upload(make_api_client(cast.sender), "photo.png", png((640, 480)))
    attachment = Attachment.objects.get(id=payload["id"])
    names = [attachment.file, attachment.thumbnail]
    message, _ = send_message(
        sender=cast.sender, group_id=cast.group.id, body="look", attachments=[payload["id"]]
    )
    member = make_api_client(cast.member)
    assert member.get(payload["url"]).status_code == 302

    # when
    membership = Membership.objects.get(group=cast.group, user=cast.sender)
    message_delete(actor=cast.sender, membership=membership, message=message)

    # then: the row is gone now, so the file answers 404; the objects wait for the job
    assert not Attachment.objects.filter(id=payload["id"]).exists()
    assert member.get(payload["url"]).status_code == 404
    assert member.get(payload["thumbnail_url"]).status_code == 404
    assert set(names) <= set(s3.names())
    jobs = DBTaskResult.objects.filter(task_path=tasks.delete_files.module_path)
    assert [sorted(job.args_kwargs["args"][0]) for job in jobs] == [sorted(names)]

    # when: the job runs (as a worker would), twice (a retry)
    for job in jobs:
        assert tasks.delete_files.call(*job.args_kwargs["args"]) == 2
        tasks.delete_files.call(*job.args_kwargs["args"])

    # then
    assert not set(names) & set(s3.names())
