"""History: the newest page, and a deep `before=` page (near the start of history), of a public
group holding N messages, read through the REST API one request at a time on a kept-alive
connection. The group is filled by `manage.py seed_demo --messages N` (once: it tops up).

Server time comes from a Server-Timing header when the site sends one; otherwise only the
client's time on loopback is reported (it includes the HTTP round trip and JSON parsing).
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field

from bench.clients import Account, auth_header, http_session, server_timing_ms
from bench.crew import Crew, Sync
from bench.server import ROOT
from bench.stage import Stage, get_json
from bench.stats import Latency

P50_TARGET_MS = 3
P99_TARGET_MS = 15
WARM_UP_REQUESTS = 20
DEEP_OFFSET = 1000  # the deep page ends this many ids above the oldest message
PAGE = 50
SHOW_PROGRESS_FROM = 100_000  # messages


@dataclass(frozen=True)
class Spec:
    account: Account
    group: int
    requests: int
    deep_offset: int


@dataclass
class PageTimes:
    client: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)  # seconds, from Server-Timing
    wrong_pages: int = 0


@dataclass(frozen=True)
class PageResult:
    client: Latency
    server: Latency | None  # None without a Server-Timing header
    wrong_pages: int

    @property
    def ok(self) -> bool:
        measured = self.server or self.client
        return (
            self.wrong_pages == 0
            and measured.p50 is not None
            and measured.p50 <= P50_TARGET_MS
            and measured.p99 is not None  # None together with p50: no requests
            and measured.p99 <= P99_TARGET_MS
        )


@dataclass(frozen=True)
class HistoryResult:
    messages: int
    requests: int
    newest: PageResult
    deep: PageResult


async def timed_get(
    session, account: Account, path: str, times: PageTimes, expected: int = PAGE
) -> dict:
    started = time.perf_counter()
    async with session.get(account.base_url + path, headers=auth_header(account.token)) as answer:
        page = await answer.json()
        timing = server_timing_ms(answer.headers.get("Server-Timing"))
    times.client.append(time.perf_counter() - started)
    if timing is not None:
        times.server.append(timing / 1000)
    if answer.status != 200 or len(page.get("results", ())) != expected:
        times.wrong_pages += 1
    return page


async def worker(spec: Spec, sync: Sync) -> tuple[PageTimes, PageTimes]:
    base = f"/api/v1/groups/{spec.group}/messages/"
    newest, deep = PageTimes(), PageTimes()
    async with http_session(connections=1) as session:
        oldest = await timed_get(session, spec.account, f"{base}?after=0&limit=1", PageTimes(), 1)
        deep_path = f"{base}?before={oldest['results'][0]['id'] + spec.deep_offset}&limit={PAGE}"
        newest_path = f"{base}?limit={PAGE}"
        for _ in range(WARM_UP_REQUESTS):
            await timed_get(session, spec.account, newest_path, PageTimes())
            await timed_get(session, spec.account, deep_path, PageTimes())
        await sync.meet()
        for _ in range(spec.requests):
            await timed_get(session, spec.account, newest_path, newest)
            await timed_get(session, spec.account, deep_path, deep)
    return newest, deep


def page_result(times: PageTimes) -> PageResult:
    return PageResult(
        client=Latency.of_seconds(times.client),
        server=Latency.of_seconds(times.server) if times.server else None,
        wrong_pages=times.wrong_pages,
    )


def fill_group(stage: Stage, messages: int) -> int:
    """The id of the public group `bench-history-<N>`, filled up to N messages by seed_demo
    (its progress shows on stderr when the load takes a while)."""
    name = f"bench-history-{messages}"
    stage.progress(f"history: seed_demo --messages {messages:,} --group-name {name}")
    quiet = ["--no-progress"] if messages < SHOW_PROGRESS_FROM else []
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--with-real-users", "--messages", str(messages)]
        + ["--group-name", name, *quiet],
        cwd=ROOT,
        env=stage.server.env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    groups = get_json(stage.account(0), "/api/v1/groups/?public=1")["results"]
    return next(group["id"] for group in groups if group["name"] == name)


def run(stage: Stage) -> list[HistoryResult]:
    results = []
    for messages in stage.sizes.history_messages:
        group = fill_group(stage, messages)
        spec = Spec(
            stage.account(0), group, stage.sizes.history_requests, min(DEEP_OFFSET, messages // 2)
        )
        stage.progress(f"history: {spec.requests} requests per page on {messages:,} messages")
        with Crew(worker, [spec]) as crew:
            crew.meet()
            [(newest, deep)] = crew.results()
        results.append(
            HistoryResult(
                messages=messages,
                requests=spec.requests,
                newest=page_result(newest),
                deep=page_result(deep),
            )
        )
    return results
