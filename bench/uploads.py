"""`python -m bench.uploads`: what an upload costs the server's memory. A server process of its
own (daphne, DEBUG off) takes POST /api/v1/uploads/ of a 10 MB file several times; the figure
is the growth of its peak resident memory (VmHWM) over a warmed-up process, next to the
file's size. A file held once in memory would raise the peak by about its size; a streamed
one (Django spools an upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file, the
storage copies it in chunks) by much less. Also the time of each upload.

PostgreSQL when DATABASE_URL is set, else a SQLite file of the run's own; the files go to a
folder of the run's own. docs/attachments.md quotes the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from bench.server import SERVERS, Server, manage, site_environment

MB = 1024 * 1024


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def post_file(url: str, token: str, content: bytes, name: str) -> tuple[int, float]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url + "/api/v1/uploads/",
        data=body,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        return response.status, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.uploads", description=__doc__)
    parser.add_argument("--mb", type=int, default=10, help="the file's size")
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--server", choices=SERVERS, default="daphne")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        env = site_environment(Path(folder))
        env["MEDIA_ROOT"] = str(Path(folder) / "media")
        env["MAX_UPLOAD_MB"] = str(args.mb + 1)
        manage(env, "migrate", "--no-input", "-v", "0")
        token = manage(
            env,
            "shell",
            "-c",
            "from accounts.models import User; from rest_framework.authtoken.models import Token;"
            "u = User.objects.create_user(f'bench-uploads-{User.objects.count()}');"
            "print(Token.objects.create(user=u).key)",
        ).split()[-1]
        content = os.urandom(args.mb * MB)
        with Server(args.server, 1, env, Path(folder)) as server:
            [pid], [url] = server.pids, server.urls
            post_file(url, token, b"warm-up", "warm.txt")  # imports, connections, first request
            base = peak_kib(pid)
            times = []
            for number in range(args.uploads):
                status, took = post_file(url, token, content, f"file-{number}.bin")
                assert status == 201, status
                times.append(took)
            grown = peak_kib(pid) - base
    print(
        f"{args.server}, uploads of {args.mb} MB x {args.uploads}: "
        f"the server's peak memory grew by "
        f"{grown / 1024:.1f} MB ({grown / 1024 / args.mb:.2f} x the file); "
        f"time per upload p50 {1e3 * statistics.median(times):.0f} ms, "
        f"max {1e3 * max(times):.0f} ms",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
