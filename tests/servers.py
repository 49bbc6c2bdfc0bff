"""Real processes for the tests that need them: server processes (daphne, or uvicorn) serving
config.asgi on the test database, background workers (`manage.py worker`) on it, a Redis of
the test's own that it may stop and start, an SMTP server and a Web Push service that keep
what they receive, an S3 API (moto's server) with a bucket of its own, and a TCP proxy in
front of PostgreSQL that a test can cut, as a network fault or a restart would.

Data made by a test's factories is committed (transactional_db), so the servers see it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection

from bench.server import HOST, ROOT, free_port
from chaos.processes import Redis, stop, wait_for_port
from config.settings import s3_storage


def database_url(*, port: int | None = None) -> str:
    """The test database, as a server process's DATABASE_URL (on PostgreSQL through `port`
    when given, say a proxy's)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        configured = urlsplit(os.environ["DATABASE_URL"])
        if port is not None:
            configured = configured._replace(netloc=f"{configured.username}@{HOST}:{port}")
        return configured._replace(path="/" + db["NAME"]).geturl()
    # SQLite: the file, with the same connection options as the settings' embedded default.
    return f"sqlite:///{db['NAME']}?{urlencode(db['OPTIONS'])}"


class RedisServer(Redis):
    """A Redis of the test's own, on its own port (the chaos suite's), that the test may stop
    and start again."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="chat-redis-")))

    def stop(self) -> None:
        self.kill()


SERVER_COMMANDS = {
    "daphne": ["-m", "daphne", "-v", "0", "-b", HOST, "-p", "{port}", "config.asgi:application"],
    "uvicorn": ["-m", "uvicorn", "config.asgi:application", "--host", HOST, "--port", "{port}"]
    + ["--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--lifespan", "off"]
    + ["--log-level", "warning"],
}


class Servers:
    """Server processes serving config.asgi on the test database: daphne unless `kinds` names
    others (one per process), on `redis_url`'s channel layer (else each its own in-memory one),
    with production settings over plain HTTP unless `env` says otherwise."""

    def __init__(
        self,
        count: int,
        *,
        redis_url: str | None = None,
        kinds: tuple[str, ...] = (),
        database: str | None = None,
        **env: str,
    ) -> None:
        self.redis_url = redis_url
        self.database = database
        self.env = env
        self.kinds = kinds or ("daphne",) * count
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen] = []
        self.logs = [
            Path(tempfile.mkstemp(prefix=f"chat-{kind}-{port}-", suffix=".log")[1])
            for kind, port in zip(self.kinds, self.ports, strict=True)
        ]

    def environment(self) -> dict[str, str]:
        environment = {
            **os.environ,
            "DATABASE_URL": self.database or database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # sessions made in the test are valid
            "DJANGO_HTTPS": "0",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DJANGO_RATE_LIMITS": "off",
            "DJANGO_LOG_LEVEL": "WARNING",
            **self.env,
        }
        environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        if self.redis_url:  # the test process's layer prefix, so that it hears the servers
            environment["REDIS_URL"] = self.redis_url
            environment["CHANNEL_LAYER_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"][
                "prefix"
            ]
        else:
            environment.pop("REDIS_URL", None)
        return environment

    def start(self) -> None:
        environment = self.environment()
        for kind, port, log in zip(self.kinds, self.ports, self.logs, strict=True):
            arguments = [arg.format(port=port) for arg in SERVER_COMMANDS[kind]]
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, *arguments],
                    cwd=ROOT,
                    env=environment,
                    stdout=log.open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        for port, process, log in zip(self.ports, self.processes, self.logs, strict=True):
            wait_for_port(port, process, f"the server on port {port}", log)

    def stop(self) -> None:
        for process in self.processes:
            stop(process)
        self.processes.clear()

    def __enter__(self) -> Servers:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def http_url(self, index: int = 0) -> str:
        return f"http://{HOST}:{self.ports[index]}"

    def url(self, index: int, token: str) -> str:
        return f"ws://{HOST}:{self.ports[index]}/ws/?token={token}"

    def log_text(self) -> str:
        return "".join(log.read_text() for log in self.logs)


class Workers:
    """`manage.py worker` processes on the test database, in the servers' environment; each
    may be stopped (SIGTERM: it finishes its job) or killed (SIGKILL, mid-job)."""

    def __init__(self, count: int = 1, *, redis_url: str | None = None, **env: str) -> None:
        self.environment = Servers(0, redis_url=redis_url, **env).environment()
        self.count = count
        self.processes: list[subprocess.Popen | None] = []
        self.log = Path(tempfile.mkstemp(prefix="chat-worker-", suffix=".log")[1])

    def start(self) -> None:
        for _ in range(self.count):
            self.processes.append(self._spawn())

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.1", "--no-startup-delay"]
            + ["--no-reload", "-v", "2"],
            cwd=ROOT,
            env=self.environment,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def add(self) -> None:
        """One more worker."""
        self.processes.append(self._spawn())

    def kill(self, index: int) -> None:
        process = self.processes[index]
        if process is not None:
            process.kill()
            process.wait()
            self.processes[index] = None

    def stop(self) -> list[int]:
        """Stop every worker; their exit codes."""
        codes = []
        for process in filter(None, self.processes):
            stop(process)
            codes.append(process.returncode)
        self.processes.clear()
        return codes

    def __enter__(self) -> Workers:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


class SmtpListener:
    """A real SMTP server (aiosmtpd) on a port of its own, in a thread: it keeps what it
    receives (`messages`, parsed), or refuses every message with 550 while `refusing`."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.refusing = False
        self.port = free_port()
        self.controller = Controller(self, hostname=HOST, port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusing:
            return "550 refused by the test"
        self.messages.append(
            BytesParser(policy=email_policy.default).parsebytes(envelope.original_content)
        )
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def __enter__(self) -> SmtpListener:
        self.controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.controller.stop()


class PushService:
    """A Web Push service of the test's own (RFC 8030's receiving end), over plain HTTP on a
    port of its own, in a thread: it keeps every push it gets (path, headers in lower case,
    body) and answers 201, or what `answers` says for a path (410: the subscription is gone;
    500: it fails)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                service.received.append((self.path, headers, body))
                self.send_response(service.answers.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, free_port()), Handler)
        self.port = self.server.server_address[1]

    def endpoint(self, name: str) -> str:
        return f"http://{HOST}:{self.port}/push/{name}"

    def __enter__(self) -> PushService:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class S3Server:
    """A real S3 API on a port of its own: moto's standalone server (`python -m moto.server`)
    as a process, with one empty private bucket. `settings()` are the site's S3 settings for
    it (config/settings.py, Attachments); `client` is a boto3 client to look into the bucket."""

    ACCESS_KEY = "testing-access-key"
    SECRET_KEY = "testing-secret-key"
    REGION = "us-east-1"

    def __init__(self, bucket: str = "chat-attachments") -> None:
        self.bucket = bucket
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix=f"chat-moto-{self.port}-", suffix=".log")[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        environment = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
            "AWS_DEFAULT_REGION": self.REGION,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            cwd=ROOT,
            env=environment,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process, f"moto's S3 on port {self.port}", self.log)
        self.client = self._client()
        self.client.create_bucket(Bucket=self.bucket)

    def _client(self):  # a boto3 S3 client (boto3 ships no types)
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.REGION,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
        )

    def names(self) -> list[str]:
        """The names of the bucket's objects."""
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def settings(self) -> dict[str, object]:
        """The site's settings for this bucket, as config/settings.py makes them from
        S3_BUCKET, S3_ENDPOINT_URL, S3_REGION and the keys."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": self.REGION,
            "S3_URL_EXPIRES_SECONDS": 300,
            "STORAGES": {
                **settings.STORAGES,
                "attachments": s3_storage(
                    bucket=self.bucket,
                    endpoint_url=self.endpoint_url,
                    region=self.REGION,
                    access_key=self.ACCESS_KEY,
                    secret_key=self.SECRET_KEY,
                    addressing_style="path",
                    expires=300,
                ),
            },
        }

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def __enter__(self) -> S3Server:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class TcpProxy:
    """Forwards a local port to `upstream`. `cut()` drops every connection and refuses new
    ones (the port is closed), as a database restart does; `restore()` listens again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
