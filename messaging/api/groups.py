"""REST endpoints of the contract's Groups table that answer the `group` payload: the groups
as conversations of the caller (with role, unread count and last message), and the read
marker.

Each view validates its input, fetches the group through the fetch-and-authorize selector (a
group the caller may not see is a 404, the same as a missing one), makes one service call and
answers with the payload dicts of messaging.conversations.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import SignedInRequest
from accounts.throttles import WriteThrottle
from core.api import WRITE_ERRORS, error_responses
from groups import selectors, services
from groups.serializers import (
    DirectSerializer,
    GroupCreateSerializer,
    GroupListQuerySerializer,
    GroupUpdateSerializer,
    ReadMarkerSerializer,
)

from .. import services as messaging_services
from ..conversations import group_payload, group_payloads
from ..serializers import GroupListSerializer, GroupSerializer


@extend_schema(tags=["groups"])
class GroupListView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_list",
        summary="The caller's groups, most recent activity first; or public groups by pages",
        description="Without `public`: every group of the caller. With `public=1`: public "
        "groups ascending by id, `limit` at a time after `after`, `has_more` telling whether "
        "more lie beyond.",
        parameters=[GroupListQuerySerializer],
        responses={200: GroupListSerializer, **error_responses(400, 401)},
    )
    def get(self, request: SignedInRequest) -> Response:
        query = GroupListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if not data["public"]:
            groups = selectors.groups_for_user(user=request.user)
            return Response({"results": group_payloads(user=request.user, groups=groups)})
        page, has_more = selectors.public_groups_page(
            after=data.get("after"), limit=data["limit"], search=data["search"]
        )
        return Response(
            {"results": group_payloads(user=request.user, groups=page), "has_more": has_more}
        )

    @extend_schema(
        operation_id="groups_create",
        summary="Create a group; the caller is its owner",
        request=GroupCreateSerializer,
        responses={201: GroupSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: SignedInRequest) -> Response:
        serializer = GroupCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = services.group_create(creator=request.user, **serializer.validated_data)
        return Response(
            group_payload(user=request.user, group=group), status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["groups"])
class GroupDetailView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_retrieve",
        summary="A group the caller belongs to, or any public group",
        responses={200: GroupSerializer, **error_responses(401, 404)},
    )
    def get(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        return Response(group_payload(user=request.user, group=group))

    @extend_schema(
        operation_id="groups_update",
        summary="Rename, describe or change the visibility of a group (owner, admin)",
        request=GroupUpdateSerializer,
        responses={200: GroupSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def patch(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        serializer = GroupUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = services.group_update(actor=request.user, group=group, **serializer.validated_data)
        return Response(group_payload(user=request.user, group=group))

    @extend_schema(
        operation_id="groups_destroy",
        summary="Delete a group and its messages (owner)",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        services.group_delete(actor=request.user, group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["groups"])
class GroupJoinView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_join",
        summary="Join a public group (already a member: 200 too)",
        request=None,
        responses={200: GroupSerializer, **error_responses(401, 403, 404, 429)},
    )
    def post(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        services.group_join(user=request.user, group=group)
        return Response(group_payload(user=request.user, group=group))


@extend_schema(tags=["groups"])
class DirectView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="direct_get_or_create",
        summary="The direct conversation with a user: 201 when new, 200 when it existed",
        request=DirectSerializer,
        responses={
            200: GroupSerializer,
            201: GroupSerializer,
            **error_responses(400, 401, 429),
        },
    )
    def post(self, request: SignedInRequest) -> Response:
        serializer = DirectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group, created = services.direct_get_or_create(
            user=request.user, other=serializer.validated_data["user_id"]
        )
        return Response(
            group_payload(user=request.user, group=group),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["groups"])
class ReadMarkerView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_read",
        summary="Mark everything up to a message read (members)",
        request=ReadMarkerSerializer,
        responses={204: None, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: SignedInRequest, group_id: int) -> Response:
        _, membership = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        serializer = ReadMarkerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        messaging_services.mark_read(
            membership=membership, message_id=serializer.validated_data["message_id"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
