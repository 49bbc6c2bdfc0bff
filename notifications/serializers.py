"""Shapes of the notification endpoints: input checked for types and bounds (the rules live in
notifications.services); output documenting notifications.payloads for the OpenAPI schema."""

from rest_framework import serializers

from core.api import StrictBooleanField, StrictCharField, id_field
from messaging.serializers import MessageSerializer

from .models import EMAIL_DELAY_MAX_MINUTES, Notification, Preferences

PAGE_DEFAULT, PAGE_MAX = 50, 100


class NotificationQuerySerializer(serializers.Serializer):
    before = id_field(required=False, help_text="The newest `limit` with an id below.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_MAX, default=PAGE_DEFAULT
    )


class ReadSerializer(serializers.Serializer):
    up_to = id_field(help_text="Every notification with an id up to this one is read.")


class StrictIntegerField(serializers.IntegerField):
    """An integer in JSON: not a string of digits, not true or false."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class NotificationPreferencesSerializer(serializers.Serializer):
    email = serializers.ChoiceField(
        choices=Preferences.Email.choices,
        required=False,
        help_text="off: no e-mail; mentions: mentions and direct messages; all: those, and a "
        "daily digest of unread group messages.",
    )
    email_delay_minutes = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=EMAIL_DELAY_MAX_MINUTES,
        help_text="How long a notification stays unread before it is e-mailed.",
    )
    push = StrictBooleanField(required=False, help_text="Web Push to the caller's browsers.")
    dnd_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Nothing is mailed or pushed until then."
    )


# --- Output -----------------------------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    message = MessageSerializer()
    group = serializers.IntegerField(help_text="The id of the message's group.")
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class NotificationPageSerializer(serializers.Serializer):
    results = NotificationSerializer(many=True, help_text="Newest first.")
    has_more = serializers.BooleanField()
    unread = serializers.IntegerField(help_text="All of the caller's unread notifications.")


class PushKeysSerializer(serializers.Serializer):
    p256dh = StrictCharField(max_length=200)
    auth = StrictCharField(max_length=100)


class PushSubscribeSerializer(serializers.Serializer):
    endpoint = StrictCharField(max_length=2000, help_text="The push service's URL (https://).")
    keys = PushKeysSerializer()


class PushUnsubscribeSerializer(serializers.Serializer):
    endpoint = StrictCharField(max_length=2000)


class PushKeySerializer(serializers.Serializer):
    public_key = serializers.CharField(
        help_text="The site's VAPID application server key (base64url): for subscribe()."
    )
