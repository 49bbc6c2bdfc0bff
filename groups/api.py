"""REST endpoints of the contract's Groups table that answer no `group` payload: members and
leaving. (The `group` payload carries the caller's unread count and last message: those
endpoints are messaging.api.groups.)

Each view validates its input, fetches the group through the fetch-and-authorize selector (a
group the caller may not see is a 404, the same as a missing one), makes one service call and
answers with the payload dicts of groups.payloads.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import SignedInRequest
from accounts.throttles import WriteThrottle
from core.api import WRITE_ERRORS, error_responses

from . import selectors, services
from .payloads import member_payload
from .serializers import (
    GroupPreferencesSerializer,
    MemberAddSerializer,
    MemberListSerializer,
    MemberQuerySerializer,
    MemberRoleSerializer,
    MemberSerializer,
)


@extend_schema(tags=["groups"])
class GroupLeaveView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_leave",
        summary="Leave a group (the last owner hands ownership over first: 400)",
        request=None,
        responses={204: None, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        services.group_leave(user=request.user, group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["groups"])
class MemberListView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_members_list",
        summary="The group's members (members only); with q, those whose name starts so",
        parameters=[MemberQuerySerializer],
        responses={200: MemberListSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: SignedInRequest, group_id: int) -> Response:
        query = MemberQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if "q" in query.validated_data:
            members = selectors.members_named_like(
                user=request.user,
                group_id=group_id,
                prefix=query.validated_data["q"],
                limit=query.validated_data["limit"],
            )
        else:
            group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
            members = list(selectors.group_members(group=group))
        return Response({"results": [member_payload(m) for m in members]})

    @extend_schema(
        operation_id="groups_members_add",
        summary="Add a member (owner, admin; not above the caller's own role)",
        request=MemberAddSerializer,
        responses={201: MemberSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def post(self, request: SignedInRequest, group_id: int) -> Response:
        group, _ = selectors.get_group_for_viewer(user=request.user, group_id=group_id)
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_add(
            actor=request.user,
            group=group,
            user=serializer.validated_data["user_id"],
            role=serializer.validated_data["role"],
        )
        return Response(member_payload(membership), status=status.HTTP_201_CREATED)


@extend_schema(tags=["groups"])
class MemberDetailView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_members_set_role",
        summary="Change a member's role (owner)",
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def patch(self, request: SignedInRequest, group_id: int, user_id: int) -> Response:
        group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
        member = selectors.get_member(group=group, user_id=user_id)
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set_role(
            actor=request.user, group=group, user=member.user, **serializer.validated_data
        )
        return Response(member_payload(membership))

    @extend_schema(
        operation_id="groups_members_remove",
        summary="Remove a member (owner, admin; nobody removes an owner)",
        responses={204: None, **error_responses(*WRITE_ERRORS)},
    )
    def delete(self, request: SignedInRequest, group_id: int, user_id: int) -> Response:
        group, _ = selectors.get_group_for_member(user=request.user, group_id=group_id)
        member = selectors.get_member(group=group, user_id=user_id)
        services.membership_remove(actor=request.user, group=group, user=member.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["groups"])
class GroupPreferencesView(APIView):
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="groups_preferences",
        summary="The caller's preferences for a group (members)",
        responses={200: GroupPreferencesSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: SignedInRequest, group_id: int) -> Response:
        _, membership = selectors.get_group_for_member(user=request.user, group_id=group_id)
        return Response({"muted": membership.muted})

    @extend_schema(
        operation_id="groups_preferences_update",
        summary="Mute or unmute a group (members): muted, `@all` notifies the caller no more",
        request=GroupPreferencesSerializer,
        responses={200: GroupPreferencesSerializer, **error_responses(*WRITE_ERRORS)},
    )
    def patch(self, request: SignedInRequest, group_id: int) -> Response:
        _, membership = selectors.get_group_for_member(user=request.user, group_id=group_id)
        serializer = GroupPreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "muted" in serializer.validated_data:
            services.membership_set_muted(
                membership=membership, muted=serializer.validated_data["muted"]
            )
        return Response({"muted": membership.muted})
