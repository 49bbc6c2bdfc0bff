from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Real-time"

    def ready(self) -> None:
        """The delivery side subscribes to the event contract: events published in this
        process go out through its hub."""
        from core import events

        from .loops import publish_from_thread

        events.set_publisher(publish_from_thread)
