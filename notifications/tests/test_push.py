"""Web Push, end to end: a browser's subscription (keys the test made), a mention, and a push
service of the test's own that receives the encrypted push, which the test decrypts with the
browser's keys (http_ece, RFC 8291); gone subscriptions deleted, failures retried, nothing
twice; and the same through a real worker process."""

import base64
import json
import os
import time
from io import StringIO

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from notifications import push
from notifications.models import Notification, PushSubscription
from notifications.tasks import send_pushes
from tests.servers import PushService, Workers

SEND_PUSHES = "notifications.tasks.send_pushes"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser keeps for one subscription: its private key and its auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.secret = os.urandom(16)

    def keys(self) -> dict[str, str]:
        point = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"p256dh": _b64(point), "auth": _b64(self.secret)}

    def read(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.secret, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def service(settings):
    settings.PUSH_INSECURE_HOSTS = ["127.0.0.1"]
    with PushService() as push_service:
        yield push_service


def _subscribe(client, service, browser, name: str = "alice-laptop"):
    return client.post(
        "/api/v1/push/subscriptions/",
        {"endpoint": service.endpoint(name), "keys": browser.keys()},
        format="json",
    )


def _run_push_jobs() -> int:
    return sum(
        send_pushes.call(*job.args_kwargs["args"])
        for job in DBTaskResult.objects.filter(task_path=SEND_PUSHES)
    )


@pytest.mark.django_db
def test_a_mention_is_pushed_encrypted_to_the_browser(
    service, make_cast, make_message, make_api_client
):
    # given: the owner's browser is subscribed
    cast = make_cast()
    browser = Browser()
    assert _subscribe(make_api_client(cast.owner), service, browser).status_code == 201

    # when
    message = make_message(
        group=cast.group, sender=cast.member, body=f"@{cast.owner.username} " + "x" * 300
    )
    pushed = _run_push_jobs()
    again = _run_push_jobs()

    # then: one push, which only the browser can read
    assert (pushed, again) == (1, 0)
    [(path, headers, body)] = service.received
    assert path == "/push/alice-laptop"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    data = browser.read(body)
    assert data["title"] == f"{cast.member.shown_name} mentioned you"
    assert data["body"] == message.body[:200]
    assert data["url"] == f"/groups/{cast.group.id}/#message-{message.id}"
    assert data["tag"].startswith("notification-")
    assert b"xxx" not in body  # encrypted


@pytest.mark.django_db
def test_a_subscription_its_service_says_is_gone_is_deleted(
    service, make_cast, make_message, make_api_client
):
    # given
    cast = make_cast()
    _subscribe(make_api_client(cast.owner), service, Browser(), name="gone")
    service.answers["/push/gone"] = 410

    # when
    make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} hi")
    _run_push_jobs()

    # then
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_failing_service_is_tried_again_and_nothing_is_lost(
    service, make_cast, make_message, make_api_client
):
    # given
    cast = make_cast()
    browser = Browser()
    _subscribe(make_api_client(cast.owner), service, browser, name="flaky")
    service.answers["/push/flaky"] = 500
    make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} hi")

    # when
    with pytest.raises(push.PushRefused):
        _run_push_jobs()
    unmarked = Notification.objects.filter(pushed_at__isnull=True).count()
    del service.answers["/push/flaky"]
    pushed = _run_push_jobs()

    # then
    assert (unmarked, pushed) == (1, 1)
    assert browser.read(service.received[-1][2])["title"].endswith("mentioned you")


@pytest.mark.django_db
def test_push_off_pushes_nothing(service, make_cast, make_message, make_api_client):
    # given
    cast = make_cast()
    client = make_api_client(cast.owner)
    _subscribe(client, service, Browser())
    client.patch("/api/v1/users/me/notifications/", {"push": False}, format="json")

    # when
    make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} hi")

    # then: not even a job
    assert not DBTaskResult.objects.filter(task_path=SEND_PUSHES).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "keys"),
    [
        ("http://push.example.com/x", None),  # not https, not an allowed host
        ("ftp://127.0.0.1/x", None),
        ("https://push.example.com/x", {"p256dh": "short", "auth": "AAAA"}),
        ("https://push.example.com/x", {"p256dh": "!!!", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}),
    ],
    ids=["http", "ftp", "short-key", "not-base64"],
)
def test_bad_subscriptions_are_a_400(service, user, make_api_client, endpoint, keys):
    # when
    response = make_api_client(user).post(
        "/api/v1/push/subscriptions/",
        {"endpoint": endpoint, "keys": keys or Browser().keys()},
        format="json",
    )

    # then
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_same_endpoint_again_is_a_200_and_unsubscribe_forgets_it(
    service, user, make_api_client
):
    # given
    client = make_api_client(user)
    browser = Browser()

    # when
    first, again = _subscribe(client, service, browser), _subscribe(client, service, browser)
    gone = client.delete(
        "/api/v1/push/subscriptions/", {"endpoint": service.endpoint("alice-laptop")}, format="json"
    )

    # then
    assert (first.status_code, again.status_code, gone.status_code) == (201, 200, 204)
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_the_key_endpoint_gives_the_public_half_of_the_sites_key(user, make_api_client):
    # when
    key = make_api_client(user).get("/api/v1/push/key/").json()["public_key"]

    # then: an uncompressed P-256 point, the one of the configured private key
    point = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(point) == 65 and point[0] == 4
    assert key == push.public_key()


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_pushes_a_mention(settings, make_cast, make_message, make_api_client):
    # given: a worker with the site's key, allowed to push to the test's service
    cast = make_cast()
    browser = Browser()
    with PushService() as service:
        settings.PUSH_INSECURE_HOSTS = ["127.0.0.1"]
        _subscribe(make_api_client(cast.owner), service, browser)
        environment = {
            "PUSH_INSECURE_HOSTS": "127.0.0.1",
            "VAPID_PRIVATE_KEY": settings.VAPID_PRIVATE_KEY,
        }
        with Workers(1, **environment) as workers:
            # when
            make_message(group=cast.group, sender=cast.member, body=f"@{cast.owner.username} yo")
            deadline = time.monotonic() + 20
            while not service.received and time.monotonic() < deadline:
                time.sleep(0.05)

    # then
    assert len(service.received) == 1, workers.log_text()
    assert browser.read(service.received[0][2])["body"] == f"@{cast.owner.username} yo"


def test_vapid_keys_prints_a_pair_that_belongs_together():
    # when
    out = StringIO()
    call_command("vapid_keys", stdout=out)
    private_line, public_line = out.getvalue().splitlines()

    # then
    private = private_line.removeprefix("VAPID_PRIVATE_KEY=")
    assert public_line.endswith(push.public_key(private))
    assert len(base64.urlsafe_b64decode(private + "=" * (-len(private) % 4))) == 32
