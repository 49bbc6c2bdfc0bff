"""REST endpoints of the contract's attachments: upload, and fetching the bytes."""

from django.http import Http404, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import SignedInRequest
from accounts.throttles import UploadThrottle, WriteThrottle
from core.api import error_responses

from . import services, serving
from .payloads import attachment_payload
from .selectors import NOT_FOUND, attachment_for_viewer
from .serializers import AttachmentSerializer, UploadSerializer

# Multipart overhead allowed above the size limit before the body is read at all.
ENVELOPE_BYTES = 64 * 1024


@extend_schema(tags=["attachments"])
class UploadView(APIView):
    parser_classes = [MultiPartParser]
    throttle_classes = [WriteThrottle, UploadThrottle]

    @extend_schema(
        operation_id="uploads_create",
        summary="Upload a file, to send with a message",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: AttachmentSerializer,
            413: OpenApiResponse(description="Over MAX_UPLOAD_MB, or over your UPLOAD_QUOTA_MB"),
            **error_responses(400, 401, 429),
        },
    )
    def post(self, request: SignedInRequest) -> Response:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > services.max_upload_bytes() + ENVELOPE_BYTES:
            return _too_large(str(services.over_the_size_limit()))
        try:
            attachment = services.upload(uploader=request.user, file=request.FILES.get("file"))
        except services.TooLarge as error:
            return _too_large(str(error))
        return Response(attachment_payload(attachment), status=status.HTTP_201_CREATED)


def _too_large(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


class _FileView(APIView):
    thumbnail = False

    def get(self, request: SignedInRequest, attachment_id: int) -> HttpResponseBase:
        attachment = attachment_for_viewer(user=request.user, attachment_id=attachment_id)
        if self.thumbnail and not attachment.thumbnail:
            raise Http404(NOT_FOUND)
        return serving.file_response(attachment, thumbnail=self.thumbnail)


@extend_schema(tags=["attachments"])
class FileView(_FileView):
    @extend_schema(
        operation_id="attachments_file",
        summary="An attachment's bytes",
        responses={200: OpenApiTypes.BINARY, 302: None, **error_responses(401, 404)},
    )
    def get(self, request: SignedInRequest, attachment_id: int) -> HttpResponseBase:
        return super().get(request, attachment_id)


@extend_schema(tags=["attachments"])
class ThumbnailView(_FileView):
    thumbnail = True

    @extend_schema(
        operation_id="attachments_thumbnail",
        summary="An image attachment's thumbnail (WebP, at most 400 px)",
        responses={200: OpenApiTypes.BINARY, 302: None, **error_responses(401, 404)},
    )
    def get(self, request: SignedInRequest, attachment_id: int) -> HttpResponseBase:
        return super().get(request, attachment_id)
