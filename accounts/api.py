"""REST endpoints of the contract's Accounts table: validate, call one service, answer."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.requests import SignedInRequest
from accounts.serializers import (
    MeSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenSerializer,
    UserListSerializer,
    UserSearchQuerySerializer,
)
from accounts.throttles import LOGIN_THROTTLES, REGISTER_THROTTLES, WriteThrottle

BAD_INPUT = OpenApiResponse(description="Invalid input: a field-error object or {detail}.")
THROTTLED = OpenApiResponse(description="Throttled: too many requests; see the Retry-After header.")
UNAUTHENTICATED = OpenApiResponse(description="No or bad credentials.")


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = REGISTER_THROTTLES

    @extend_schema(
        operation_id="auth_register",
        summary="Create an account and its API token",
        request=RegisterSerializer,
        responses={201: RegisteredSerializer, 400: BAD_INPUT, 429: THROTTLED},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.user_register_with_token(**serializer.validated_data)
        return Response(RegisteredSerializer(token.user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    throttle_classes = LOGIN_THROTTLES

    def get_authenticators(self):
        # Obtaining a token takes a password: a stale token or session sent along is not read.
        # (Django's request is set by then; schema generation builds the view without one.)
        request = getattr(self, "request", None)
        if request is not None and request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Exchange a username and password for the user's API token",
        description="The same 400 body for an unknown user and a wrong password.",
        request=TokenObtainSerializer,
        responses={200: TokenSerializer, 400: BAD_INPUT, 429: THROTTLED},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.token_obtain(**serializer.validated_data)
        return Response(TokenSerializer(token).data)

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Revoke the user's API token",
        description="Every program using the token is signed out at once, websockets included.",
        request=None,
        responses={204: None, 401: UNAUTHENTICATED},
    )
    def delete(self, request: SignedInRequest) -> Response:
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="users_me",
        summary="The signed-in user",
        responses={200: MeSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: SignedInRequest) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        operation_id="users_me_update",
        summary="Change the signed-in user's display name or e-mail",
        request=ProfileUpdateSerializer,
        responses={200: MeSerializer, 400: BAD_INPUT, 401: UNAUTHENTICATED, 429: THROTTLED},
    )
    def patch(self, request: SignedInRequest) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.profile_update(user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user).data)


class PasswordView(APIView):
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        operation_id="users_me_password",
        summary="Change the signed-in user's password: a new token, the old one is dead",
        description="Every session and socket of the user ends (4401). Throttled like sign-in.",
        request=PasswordChangeSerializer,
        responses={200: TokenSerializer, 400: BAD_INPUT, 401: UNAUTHENTICATED, 429: THROTTLED},
    )
    def post(self, request: SignedInRequest) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A browser's session (no token) stays signed in; a program's token is replaced.
        session = request._request if request.auth is None else None
        services.password_change(user=request.user, request=session, **serializer.validated_data)
        return Response(TokenSerializer(services.token_issue(user=request.user)).data)


class UserListView(APIView):
    @extend_schema(
        operation_id="users_search",
        summary="Find users by the start of their username or display name",
        description="Case-insensitive; active users only; at most 20.",
        parameters=[
            OpenApiParameter("search", str, description="The text names start with.", default="")
        ],
        responses={200: UserListSerializer, 400: BAD_INPUT, 401: UNAUTHENTICATED},
    )
    def get(self, request: SignedInRequest) -> Response:
        query = UserSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        users = selectors.user_search(text=query.validated_data["search"])
        return Response(UserListSerializer({"results": users}).data)
