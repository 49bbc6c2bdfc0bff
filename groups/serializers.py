"""Shapes of the group endpoints.

Input serializers check types and lengths only (the rules live in groups.services); output
serializers document the member payloads of groups.payloads for the OpenAPI schema.
"""

from rest_framework import serializers
from rest_framework.fields import empty

from accounts.models import User
from accounts.serializers import UserSerializer
from core.api import StrictBooleanField, StrictCharField, id_field
from core.ids import MAX_ID

from .models import Group, Membership
from .selectors import PUBLIC_PAGE_DEFAULT, PUBLIC_PAGE_MAX

NAME_MAX_LENGTH = Group._meta.get_field("name").max_length
DESCRIPTION_MAX_LENGTH = Group._meta.get_field("description").max_length
UNKNOWN_USER = "No such user."


class UserIdField(serializers.IntegerField):
    """A user's id in a request body, answered with the User (400 when there is none)."""

    default_error_messages = {"does_not_exist": UNKNOWN_USER}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def run_validation(self, data=empty) -> User:
        user = User.objects.filter(pk=super().run_validation(data)).first()
        if user is None:
            self.fail("does_not_exist")
        return user


# --- Input ------------------------------------------------------------------------------------


class GroupListQuerySerializer(serializers.Serializer):
    public = serializers.BooleanField(
        required=False, default=False, help_text="1: public groups, joined or not, by pages."
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=PUBLIC_PAGE_MAX,
        default=PUBLIC_PAGE_DEFAULT,
        help_text="With public=1: groups per page.",
    )
    after = id_field(
        required=False, min_value=0, help_text="With public=1: the groups with an id above."
    )
    search = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NAME_MAX_LENGTH,
        help_text="With public=1: the name contains this, in any case.",
    )


class GroupCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=NAME_MAX_LENGTH)
    description = StrictCharField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX_LENGTH
    )
    is_public = StrictBooleanField(required=False, default=False)


class GroupUpdateSerializer(serializers.Serializer):
    name = StrictCharField(required=False, max_length=NAME_MAX_LENGTH)
    description = StrictCharField(
        required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    is_public = StrictBooleanField(required=False)
    mention_all_by = serializers.ChoiceField(
        required=False,
        choices=Group.MentionAllBy.choices,
        help_text="Who may notify everyone with @all (owners decide); from others it is text.",
    )


class MemberAddSerializer(serializers.Serializer):
    user_id = UserIdField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class DirectSerializer(serializers.Serializer):
    user_id = UserIdField()


class ReadMarkerSerializer(serializers.Serializer):
    message_id = id_field(help_text="Everything up to this message is read.")


class MemberQuerySerializer(serializers.Serializer):
    q = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text="Only members whose username or display name starts with this (any case), "
        "at most `limit` of them, by username: for mention autocomplete.",
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)


class GroupPreferencesSerializer(serializers.Serializer):
    muted = StrictBooleanField(
        help_text="Muted: `@all` notifies the caller no more (a mention by name still does)."
    )


# --- Output (documentation of groups.payloads; the group itself: messaging.serializers) ------


class MemberSerializer(serializers.Serializer):
    user = UserSerializer()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    joined_at = serializers.DateTimeField()


class MemberListSerializer(serializers.Serializer):
    results = MemberSerializer(many=True)
