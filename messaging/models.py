from django.conf import settings
from django.db import models
from django.db.models import JSONField, Q, Value
from django.utils import timezone

BODY_MAX_LENGTH = 10_000
CLIENT_ID_MAX_LENGTH = 64
EMOJI_MAX_LENGTH = 32


class Message(models.Model):
    """One message in one group. `seq` is its gapless position in the group, and ids grow in
    commit order within a group (messaging.services.send_message locks the group row)."""

    # Not a column: the payloads of the attachments `send_message` gave the message, so that
    # the payloads of a new message cost no query to read them back.
    attachment_payloads: list[dict] | None = None

    # Indexed by (group, id) below, which also serves lookups by group alone.
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages"
    )
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    client_id = models.CharField(max_length=CLIENT_ID_MAX_LENGTH, null=True, blank=True)
    # The members the body names (`@username`), as in the payload; `Mention` rows index them.
    # Defaults in the database too: the bulk loaders (messaging/seeding.py) leave them out.
    mentions = models.JSONField(default=list, db_default=Value([], JSONField()), blank=True)
    mentions_all = models.BooleanField(default=False, db_default=False)  # `@all`

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "seq"], name="message_unique_group_seq"),
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_unique_sender_client_id",
            ),
        ]
        indexes = [models.Index(fields=["group", "id"], name="message_group_id_idx")]

    def __str__(self) -> str:
        return f"#{self.id} in {self.group_id}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    emoji = models.CharField(max_length=EMOJI_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="reaction_unique_message_user_emoji"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class Mention(models.Model):
    """A member named in a message (`@username`): what `mention_count` and the notifications
    count. `@all` is `Message.mentions_all`, not a row per member."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="mention_unique_user_message")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"
