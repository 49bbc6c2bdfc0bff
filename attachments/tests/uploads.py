"""What the attachments' tests upload, and how: an image made on the spot, and the upload
through the REST API (the answer, or the attachment when it must be a 201)."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

UPLOADS = "/api/v1/uploads/"


def png(size=(60, 40), color="orange") -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def post_upload(client, data: bytes, name: str = "a.png", content_type: str = "image/png"):
    """The answer to uploading these bytes, under this name and claimed type."""
    return client.post(
        UPLOADS, {"file": SimpleUploadedFile(name, data, content_type)}, format="multipart"
    )


def upload(client, name: str, data: bytes, content_type: str = "application/octet-stream"):
    """The attachment these bytes make (the upload must succeed)."""
    response = post_upload(client, data, name=name, content_type=content_type)
    assert response.status_code == 201, response.content
    return response.json()
