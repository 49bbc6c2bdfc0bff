"""Where attachments' bytes live: the `attachments` entry of STORAGES (the file system under
MEDIA_ROOT by default, an S3 bucket when configured)."""

from django.core.files.storage import Storage, storages


def storage() -> Storage:
    return storages["attachments"]
