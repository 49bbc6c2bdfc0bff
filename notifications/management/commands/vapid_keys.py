"""`python manage.py vapid_keys`: a new VAPID key pair for Web Push. Put the private half in
the environment as VAPID_PRIVATE_KEY (a secret, as DJANGO_SECRET_KEY is); browsers get the
public half from GET /api/v1/push/key/. Changing it ends every browser's subscription."""

from django.core.management.base import BaseCommand
from py_vapid import Vapid02, b64urlencode


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        vapid = Vapid02()
        vapid.generate_keys()
        private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        numbers = vapid.public_key.public_numbers()
        public = b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
        self.stdout.write(f"VAPID_PRIVATE_KEY={b64urlencode(private)}")
        self.stdout.write(f"# public key (GET /api/v1/push/key/): {b64urlencode(public)}")
