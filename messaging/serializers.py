"""Shapes of the message and conversation endpoints.

Input serializers check types and lengths only (the rules live in messaging.services); output
serializers document the payload dicts of messaging.payloads for the OpenAPI schema.
"""

from rest_framework import serializers

from accounts.serializers import UserSerializer
from attachments.serializers import AttachmentSerializer
from core.api import StrictCharField, id_field
from groups.models import Group, Membership
from messaging.models import BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH, EMOJI_MAX_LENGTH
from messaging.search import QUERY_MAX_LENGTH
from messaging.selectors import HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT

# --- Input ------------------------------------------------------------------------------------


def _body_field() -> StrictCharField:
    # Trimmed first, then measured: the contract's 1 to 10,000 characters without the whitespace.
    return StrictCharField(max_length=BODY_MAX_LENGTH)


class MessageSendSerializer(serializers.Serializer):
    body = StrictCharField(
        max_length=BODY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="1 to 10,000 characters; may be empty when the message has attachments.",
    )
    attachments = serializers.ListField(
        child=id_field(),
        required=False,
        default=list,
        max_length=10,
        help_text="Ids of your uploads not sent yet (POST /uploads/), at most 10.",
    )
    client_id = StrictCharField(
        required=False,
        allow_null=True,
        default=None,
        trim_whitespace=False,
        max_length=CLIENT_ID_MAX_LENGTH,
        help_text="Makes the send idempotent: a repeat returns the same message with 200.",
    )


class MessageEditSerializer(serializers.Serializer):
    body = _body_field()


class ReactionAddSerializer(serializers.Serializer):
    emoji = StrictCharField(trim_whitespace=False, max_length=EMOJI_MAX_LENGTH)


class HistoryQuerySerializer(serializers.Serializer):
    before = id_field(
        required=False, min_value=0, help_text="The newest `limit` messages with an id below."
    )
    after = id_field(
        required=False, min_value=0, help_text="The oldest `limit` messages with an id above."
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=HISTORY_MAX_LIMIT, default=HISTORY_DEFAULT_LIMIT
    )


class SearchQuerySerializer(serializers.Serializer):
    q = StrictCharField(max_length=QUERY_MAX_LENGTH, help_text="The words to look for.")
    group = id_field(required=False, help_text="Only this group's messages.")


# --- Output (documentation of messaging.payloads) -----------------------------------------------


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    me = serializers.BooleanField(help_text="Whether the caller is among those who reacted.")


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    group = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="Position in the group: 1, 2, 3, ... with no gaps.")
    sender = UserSerializer()
    body = serializers.CharField(allow_blank=True)
    html = serializers.CharField(allow_blank=True, help_text="The body rendered and sanitized.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    client_id = serializers.CharField(allow_null=True)
    reactions = ReactionSerializer(many=True)
    mentions = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of the members the body names (`@username`), in order of first mention.",
    )
    mentions_all = serializers.BooleanField(help_text="Whether the body says `@all`.")
    attachments = AttachmentSerializer(many=True)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True, help_text="Ascending by id.")
    has_more = serializers.BooleanField(help_text="More messages lie beyond this page.")


class MessageListSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)


# --- Output (documentation of messaging.conversations) -----------------------------------------


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField(
        help_text="The name to show the caller: for a direct conversation, the other person's."
    )
    description = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Group.Kind.choices)
    is_public = serializers.BooleanField()
    mention_all_by = serializers.ChoiceField(
        choices=Group.MentionAllBy.choices, help_text="Who may notify everyone with @all."
    )
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, allow_null=True, help_text="The caller's; null if none."
    )
    muted = serializers.BooleanField(
        help_text="The caller muted the group: `@all` does not notify them (false if no member)."
    )
    member_count = serializers.IntegerField()
    unread_count = serializers.IntegerField(
        help_text="Messages from others, not deleted, above the caller's read marker."
    )
    mention_count = serializers.IntegerField(
        help_text="Of those, the ones that mention the caller by name or `@all`; in a direct "
        "conversation, all of them."
    )
    last_message = MessageSerializer(allow_null=True)


class GroupListSerializer(serializers.Serializer):
    results = GroupSerializer(many=True)
    has_more = serializers.BooleanField(
        required=False, help_text="With public=1: more public groups lie beyond this page."
    )
