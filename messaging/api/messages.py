"""REST endpoints of the contract's Messages table.

Each view validates its input, fetches through the fetch-and-authorize selectors (a group or
message the caller may not see is a 404, the same as a missing one), makes one service or
selector call and answers with the payload dicts of messaging.payloads, for this viewer.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import SignedInRequest
from accounts.throttles import WriteThrottle
from core.api import WRITE_ERRORS, error_responses
from groups.selectors import get_group_for_viewer

from .. import services
from ..payloads import for_viewer, message_payload_fresh, message_payloads
from ..search import search_messages
from ..selectors import get_message_for_viewer, history_payloads
from ..serializers import (
    HistoryQuerySerializer,
    MessageEditSerializer,
    MessageListSerializer,
    MessagePageSerializer,
    MessageSendSerializer,
    MessageSerializer,
    ReactionAddSerializer,
    SearchQuerySerializer,
)


def _message_answer(request: SignedInRequest, message, status_code: int = status.HTTP_200_OK):
    return Response(for_viewer(message_payload_fresh(message), request.user.id), status=status_code)


def _for_viewer(request: SignedInRequest, payloads: list[dict]) -> list[dict]:
    return [for_viewer(payload, request.user.id) for payload in payloads]


@extend_schema(tags=["messages"])
class GroupMessagesView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="messages_history",
        summary="A page of a group's history, ascending by id",
        description=(
            "No cursor: the newest `limit`. `before=M`: the newest `limit` with id < M. "
            "`after=M`: the oldest `limit` with id > M. Both cursors: 400."
        ),
        parameters=[HistoryQuerySerializer],
        responses={200: MessagePageSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = get_group_for_viewer(user=request.user, group_id=group_id)
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        payloads, has_more = history_payloads(group=group, **query.validated_data)
        return Response({"results": _for_viewer(request, payloads), "has_more": has_more})

    @extend_schema(
        operation_id="messages_send",
        summary="Send a message (members): 201, or 200 with the same message for a repeated "
        "client_id",
        request=MessageSendSerializer,
        responses={
            200: MessageSerializer,
            201: MessageSerializer,
            **error_responses(*WRITE_ERRORS),
        },
    )
    def post(self, request: SignedInRequest, group_id: int) -> Response:
        serializer = MessageSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message, created = services.send_message(
            sender=request.user, group_id=group_id, **serializer.validated_data
        )
        return _message_answer(
            request, message, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["messages"])
class MessageDetailView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="messages_retrieve",
        summary="One message",
        responses={200: MessageSerializer, **error_responses(401, 404)},
    )
    def get(self, request: SignedInRequest, message_id: int) -> Response:
        message, _ = get_message_for_viewer(user=request.user, message_id=message_id)
        return _message_answer(request, message)

    @extend_schema(
        operation_id="messages_edit",
        summary="Edit a message (its sender)",
        request=MessageEditSerializer,
        responses={200: MessageSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def patch(self, request: SignedInRequest, message_id: int) -> Response:
        message, membership = get_message_for_viewer(user=request.user, message_id=message_id)
        serializer = MessageEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_edit(
            actor=request.user, membership=membership, message=message, **serializer.validated_data
        )
        return _message_answer(request, message)

    @extend_schema(
        operation_id="messages_delete",
        summary="Delete a message (its sender; owner, admin): it stays as a tombstone",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: SignedInRequest, message_id: int) -> Response:
        message, membership = get_message_for_viewer(user=request.user, message_id=message_id)
        services.message_delete(actor=request.user, membership=membership, message=message)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["messages"])
class ReactionListView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="reactions_add",
        summary="React to a message (members): 201, or 200 when the reaction was there",
        request=ReactionAddSerializer,
        responses={
            200: MessageSerializer,
            201: MessageSerializer,
            **error_responses(*WRITE_ERRORS),
        },
    )
    def post(self, request: SignedInRequest, message_id: int) -> Response:
        message, membership = get_message_for_viewer(user=request.user, message_id=message_id)
        serializer = ReactionAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.reaction_add(
            actor=request.user, membership=membership, message=message, **serializer.validated_data
        )
        return _message_answer(
            request, message, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["messages"])
class ReactionDetailView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="reactions_remove",
        summary="Take back one's reaction (members)",
        responses={204: None, **error_responses(*WRITE_ERRORS)},
    )
    def delete(self, request: SignedInRequest, message_id: int, emoji: str) -> Response:
        message, membership = get_message_for_viewer(user=request.user, message_id=message_id)
        services.reaction_remove(
            actor=request.user, membership=membership, message=message, emoji=emoji
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["messages"])
class SearchView(APIView):
    @extend_schema(
        operation_id="messages_search",
        summary="Messages from the caller's groups that match the words, newest first",
        parameters=[SearchQuerySerializer],
        responses={200: MessageListSerializer, **error_responses(400, 401)},
    )
    def get(self, request: SignedInRequest) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        messages = search_messages(
            user=request.user,
            q=query.validated_data["q"],
            group_id=query.validated_data.get("group"),
        )
        return Response({"results": _for_viewer(request, message_payloads(messages))})
