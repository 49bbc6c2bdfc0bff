"""What every scenario gets: the running server, the seeded accounts, the sizes, and a way to
say how far it got."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from bench.clients import Account, auth_header
from bench.crew import Crew
from bench.procstat import CpuMeter
from bench.seed import Seeded
from bench.server import Server
from bench.sizes import Sizes


@dataclass
class Stage:
    server: Server
    seeded: Seeded
    sizes: Sizes
    run_id: str
    started: float = field(default_factory=time.monotonic)

    def account(self, index: int, *, port: int | None = None) -> Account:
        """Seeded user `index`, on server process `port` (default: spread by index)."""
        urls = self.server.urls
        return Account(
            user_id=self.seeded.user_ids[index],
            token=self.seeded.tokens[index],
            base_url=urls[index % len(urls) if port is None else port],
        )

    def wait_for_quiet_server(self, *, percent: float = 10, timeout: float = 120) -> None:
        """Let the server finish what the previous scenario left queued: wait until its
        processes use under `percent` of a core over a second."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            meter = CpuMeter(self.server.pids)
            time.sleep(1)
            if meter.percent() < percent:
                return
        self.progress(f"the server is still busy after {timeout:.0f} s; going on")

    def run_crew(self, worker, specs: list) -> tuple[list, float]:
        """Run the load processes (bench.crew), started together once all are ready: their
        reports, and the server's CPU (per cent of one core) while they ran."""
        with Crew(worker, specs) as crew:
            crew.meet()
            server_cpu = CpuMeter(self.server.pids)
            reports = crew.results()
            return reports, server_cpu.percent()

    def progress(self, text: str) -> None:
        print(
            f"[bench {time.monotonic() - self.started:6.1f}s] {text}", file=sys.stderr, flush=True
        )


def get_json(account: Account, path: str, *, patience: float = 60) -> dict:
    """A GET on the REST API from the harness itself (for checks, never for load). A server
    still working through a backlog may answer 5xx for a while: it is asked again, for up to
    `patience` seconds."""
    request = urllib.request.Request(account.base_url + path, headers=auth_header(account.token))
    deadline = time.monotonic() + patience
    while True:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code < 500 or time.monotonic() > deadline:
                raise
        time.sleep(1)


def newest_seq(account: Account, group_id: int) -> int:
    """How many messages the group holds: `seq` is gapless from 1, so the newest one's."""
    page = get_json(account, f"/api/v1/groups/{group_id}/messages/?limit=1")["results"]
    return page[-1]["seq"] if page else 0


def stored_count(accounts_by_group: dict[int, Account]) -> int:
    """Messages held by the groups: the sum of their newest `seq`."""
    return sum(newest_seq(account, group) for group, account in accounts_by_group.items())


def settled_count(accounts_by_group: dict[int, Account], expected: int, timeout: float = 30) -> int:
    """The groups' message count once the server has stored what it still had queued: it
    reaches `expected`, or stops changing for a second, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    count = stored_count(accounts_by_group)
    while count != expected and time.monotonic() < deadline:
        time.sleep(1)
        previous, count = count, stored_count(accounts_by_group)
        if count == previous:
            break
    return count
