from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

EMAIL_DELAY_MAX_MINUTES = 1440


class Notification(models.Model):
    """One message meant for one user: they were mentioned, or it is a direct message, or a
    reply in a thread they follow. At most one per user and message."""

    class Kind(models.TextChoices):
        MENTION = "mention", "Mention"
        DIRECT = "direct", "Direct message"
        REPLY = "reply", "Reply"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.CASCADE, related_name="notifications"
    )
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)  # set in the sending transaction
    pushed_at = models.DateTimeField(null=True, blank=True)  # likewise

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "message"], name="notification_unique_user_message"
            )
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_id_idx"),
            models.Index(
                fields=["user", "group"],
                condition=models.Q(read=False),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.message_id} for {self.user_id}"


class Preferences(models.Model):
    """How a user wants to be told (the defaults hold for a user without a row)."""

    class Email(models.TextChoices):
        OFF = "off", "Never"
        MENTIONS = "mentions", "Mentions and direct messages"
        ALL = "all", "Those, and a daily digest of the rest"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.MENTIONS)
    email_delay_minutes = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(0), MaxValueValidator(EMAIL_DELAY_MAX_MINUTES)]
    )
    push = models.BooleanField(default=True)
    dnd_until = models.DateTimeField(null=True, blank=True)
    # The daily digest (digests.py): when its next run is due (None: no digest), and the last
    # message the last one told of.
    digest_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    digest_last_id = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name_plural = "notification preferences"

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (RFC 8030): where to send, and its keys (RFC 8291)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"push subscription of {self.user_id}"
