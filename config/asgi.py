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

# Garbage collection for a process that holds thousands of sockets: the loaded site is frozen
# out of the collections, and young objects are collected less often, so that a full
# collection does not stall every socket of the process (with the defaults, 150 ms every
# 2 s under a 1,000-member fan-out: docs/realtime.md).
gc.freeze()
gc.set_threshold(20_000, 20, 10)
