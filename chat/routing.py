"""The websocket routes: `/ws/`, behind the Origin check (chat/handshake.py). Credentials are
checked by the consumer itself, in its database pool."""

from channels.routing import URLRouter
from django.urls import path

from .consumers import ChatConsumer
from .handshake import OriginValidator

websocket_urlpatterns = [path("ws/", ChatConsumer.as_asgi())]

websocket_application = OriginValidator(URLRouter(websocket_urlpatterns))
