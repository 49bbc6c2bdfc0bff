"""REST endpoints of the contract's notifications: the caller's list, reading it, and the
caller's preferences. Each is the caller's own: there is nobody else's to see."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import SignedInRequest
from accounts.throttles import WriteThrottle
from core.api import error_responses

from . import push, services
from .payloads import preferences_payload
from .selectors import notification_page
from .serializers import (
    NotificationPageSerializer,
    NotificationPreferencesSerializer,
    NotificationQuerySerializer,
    PushKeySerializer,
    PushSubscribeSerializer,
    PushUnsubscribeSerializer,
    ReadSerializer,
)


@extend_schema(tags=["notifications"])
class NotificationListView(APIView):
    @extend_schema(
        operation_id="notifications_list",
        summary="The caller's notifications, newest first",
        parameters=[NotificationQuerySerializer],
        responses={200: NotificationPageSerializer, **error_responses(400, 401)},
    )
    def get(self, request: SignedInRequest) -> Response:
        query = NotificationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        results, has_more = notification_page(user=request.user, **query.validated_data)
        return Response(
            {
                "results": results,
                "has_more": has_more,
                "unread": services.unread_count(request.user),
            }
        )


@extend_schema(tags=["notifications"])
class NotificationReadView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark every notification up to one read",
        request=ReadSerializer,
        responses={204: None, **error_responses(400, 401, 429)},
    )
    def post(self, request: SignedInRequest) -> Response:
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mark_read(user=request.user, up_to=serializer.validated_data["up_to"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["notifications"])
class PreferencesView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="notifications_preferences",
        summary="How the caller is told of notifications",
        responses={200: NotificationPreferencesSerializer, **error_responses(401)},
    )
    def get(self, request: SignedInRequest) -> Response:
        return Response(preferences_payload(services.preferences_of(request.user)))

    @extend_schema(
        operation_id="notifications_preferences_update",
        summary="Change how the caller is told of notifications",
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer, **error_responses(400, 401, 429)},
    )
    def patch(self, request: SignedInRequest) -> Response:
        serializer = NotificationPreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        preferences = services.preferences_update(
            user=request.user, changes=serializer.validated_data
        )
        return Response(preferences_payload(preferences))


NOT_CONFIGURED = "Web Push is not set up on this site."


@extend_schema(tags=["notifications"])
class PushKeyView(APIView):
    @extend_schema(
        operation_id="push_key",
        summary="The site's VAPID public key, for a browser's push subscription",
        responses={200: PushKeySerializer, **error_responses(401, 404)},
    )
    def get(self, request: SignedInRequest) -> Response:
        if not push.configured():
            raise NotFound(NOT_CONFIGURED)
        return Response({"public_key": push.public_key()})


@extend_schema(tags=["notifications"])
class PushSubscriptionView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="push_subscribe",
        summary="Subscribe a browser: 201, or 200 for an endpoint known already",
        request=PushSubscribeSerializer,
        responses={201: None, 200: None, **error_responses(400, 401, 429)},
    )
    def post(self, request: SignedInRequest) -> Response:
        serializer = PushSubscribeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.push_subscribe(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
        )
        return Response(status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        operation_id="push_unsubscribe",
        summary="Forget a browser's subscription (the caller's own)",
        request=PushUnsubscribeSerializer,
        responses={204: None, **error_responses(400, 401, 429)},
    )
    def delete(self, request: SignedInRequest) -> Response:
        serializer = PushUnsubscribeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.push_unsubscribe(user=request.user, endpoint=serializer.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)
