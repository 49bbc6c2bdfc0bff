"""Shapes of the account endpoints. Validation of types and lengths only; rules live in services."""

from rest_framework import serializers

from accounts.models import User

PASSWORD_MAX_LENGTH = 4096


def _password_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
    )


class UserSerializer(serializers.ModelSerializer):
    """The contract's `user`: what anyone signed in may see of another user."""

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user as they see themselves."""

    # A plain string: empty until the user gives an address, so not always a valid e-mail.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email"]
        read_only_fields = fields


class ProfileUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(
        required=False, allow_blank=True, max_length=User._meta.get_field("display_name").max_length
    )
    email = serializers.EmailField(required=False, allow_blank=True)


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = _password_field()
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    display_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=User._meta.get_field("display_name").max_length,
    )


class RegisteredSerializer(serializers.ModelSerializer):
    """Answer to a sign-up: the new user and the token their program uses from now on."""

    token = serializers.CharField(source="auth_token.key", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "token"]
        read_only_fields = fields


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = _password_field()


class PasswordChangeSerializer(serializers.Serializer):
    old_password = _password_field()
    new_password = _password_field()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key", read_only=True)


class UserSearchQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)


class UserListSerializer(serializers.Serializer):
    results = UserSerializer(many=True, read_only=True)
