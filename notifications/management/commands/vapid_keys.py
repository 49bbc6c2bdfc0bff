"""`python manage.py vapid_keys`: a new VAPID key pair for Web Push. Put the private half in
the environment as VAPID_PRIVATE_KEY (a secret, as DJANGO_SECRET_KEY is); browsers get the
public half from GET /api/v1/push/key/. Changing it ends every browser's subscription."""

from django.core.management.base import BaseCommand

from notifications import push


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        private = push.new_private_key()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"# public key (GET /api/v1/push/key/): {push.public_key(private)}")
