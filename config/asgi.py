"""ASGI entry point: HTTP goes to Django, websockets to the chat consumers (chat/routing.py).

Serve it with `daphne config.asgi:application` (or uvicorn: docs/realtime.md).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from chat.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})


def _unstyled(value, *args, **kwargs) -> str:
    return ""


def skip_autobahn_frame_log_styling() -> None:
    """daphne writes each websocket frame through autobahn's `sendData`, which builds the
    arguments of a debug log line, coloured through click, for every frame whether debug
    logging is on or not: that formatting showed up as a share of its own in the server's
    profile under fan-out (docs/performance.md). Those helpers only format log arguments; here
    they format nothing, and autobahn's debug lines lose their highlighted names."""
    from autobahn.websocket import protocol

    protocol.hltype = protocol.hlval = _unstyled  # type: ignore[assignment]  # wider signature


skip_autobahn_frame_log_styling()

# Garbage collection for a process that holds thousands of sockets: the loaded site is frozen
# out of the collections, and young objects are collected less often, so that a full
# collection does not stall every socket of the process (with the defaults it did, again and
# again, under a large-group fan-out: docs/performance.md).
gc.freeze()
gc.set_threshold(20_000, 20, 10)
