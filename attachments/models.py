from django.conf import settings
from django.db import models
from django.utils import timezone

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")  # served inline
NAME_MAX_LENGTH = 255


class Attachment(models.Model):
    """A file a user uploaded: theirs alone until a message of theirs holds it, then its
    group's. Its bytes live in the `attachments` storage (`file`, and `thumbnail` for an
    image); the name the uploader gave is kept here, never used as a path."""

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    position = models.PositiveSmallIntegerField(default=0)  # in its message
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    file = models.CharField(max_length=200)  # the storage's name of the bytes
    thumbnail = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["message", "position"], name="attachment_message_idx"),
            models.Index(
                fields=["uploader", "created_at"],
                condition=models.Q(message__isnull=True),
                name="attachment_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}, {self.size} bytes)"

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES and bool(self.thumbnail)
