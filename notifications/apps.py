from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from messaging.signals import message_stored, read_up_to

        from . import receivers

        message_stored.connect(receivers.message_stored, dispatch_uid="notifications.stored")
        read_up_to.connect(receivers.group_read, dispatch_uid="notifications.read")
