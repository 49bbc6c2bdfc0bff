"""The attachments' REST shapes, for the OpenAPI schema (the payloads build the answers)."""

from rest_framework import serializers


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The file (multipart/form-data).")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The name it was uploaded with, cleaned of folders.")
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField(help_text="Found from the bytes, not the claim.")
    url = serializers.CharField(help_text="GET: the bytes (members of its group, or you).")
    thumbnail_url = serializers.CharField(
        allow_null=True, help_text="An image's thumbnail, at most 400 px; null otherwise."
    )
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
