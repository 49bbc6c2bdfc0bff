"""REST send: POST /api/v1/groups/{id}/messages/ from many users at a fixed (open-loop) rate,
stepped up. Latency runs from each request's scheduled start to the end of its answer, so a
server that falls behind shows it (no coordinated omission)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bench.clients import Account, auth_header, http_session
from bench.crew import Sync
from bench.stage import Stage, settled_count, stored_count
from bench.stats import Latency

P50_TARGET_MS = 4
P99_TARGET_MS = 15
TARGET_RATE = 200
SUSTAINED_P99_MS = 100  # above this the queue is growing: the server no longer keeps up
# Requests in flight per load process; more wait in the client, their wait counted in the
# latency. Past saturation each request in flight holds a database connection on the server:
# the cap keeps the total under PostgreSQL's default max_connections of 100.
CONNECTIONS_PER_PROCESS = 24


@dataclass(frozen=True)
class Spec:
    senders: list[tuple[Account, int]]  # (account, group)
    tag: str
    rate: float
    seconds: float


@dataclass
class WorkerReport:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    last_answer: float = 0.0


@dataclass(frozen=True)
class StepResult:
    offered: int
    requests: int
    created: int
    errors: list[str]
    achieved: float  # answers per second
    latency: Latency
    server_cpu_percent: float

    @property
    def meets_targets(self) -> bool:
        return (
            self.sustained
            and self.latency.p50 is not None
            and self.latency.p50 <= P50_TARGET_MS
            and self.latency.p99 is not None  # None together with p50: no requests
            and self.latency.p99 <= P99_TARGET_MS
        )

    @property
    def sustained(self) -> bool:
        return (
            self.created == self.requests
            and self.latency.p99 is not None
            and self.latency.p99 <= SUSTAINED_P99_MS
        )


@dataclass(frozen=True)
class RestSendResult:
    steps: list[StepResult]
    stored: int
    created: int

    @property
    def at_target_rate(self) -> StepResult | None:
        return next((step for step in self.steps if step.offered == TARGET_RATE), None)

    @property
    def highest_sustained(self) -> StepResult | None:
        return max((s for s in self.steps if s.sustained), key=lambda s: s.offered, default=None)


async def post(session, account: Account, group: int, body: dict, scheduled: float, report):
    url = f"{account.base_url}/api/v1/groups/{group}/messages/"
    try:
        async with session.post(url, json=body, headers=auth_header(account.token)) as response:
            await response.read()
            status = response.status
    except Exception as error:  # a refused or dropped connection is a failed request
        report.failures.append(repr(error))
        return
    now = time.monotonic()
    report.statuses[status] = report.statuses.get(status, 0) + 1
    report.latencies.append(now - scheduled)
    report.last_answer = max(report.last_answer, now)


async def worker(spec: Spec, sync: Sync) -> WorkerReport:
    report = WorkerReport()
    async with http_session(connections=CONNECTIONS_PER_PROCESS) as session:
        await sync.meet()
        start = time.monotonic()
        requests = []
        number = 0
        while (scheduled := start + number / spec.rate) < start + spec.seconds:
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            account, group = spec.senders[number % len(spec.senders)]
            body = {"body": f"REST message {number}", "client_id": f"{spec.tag}.{number}"}
            requests.append(
                asyncio.create_task(post(session, account, group, body, scheduled, report))
            )
            number += 1
        await asyncio.gather(*requests)
    report.last_answer -= start
    return report


def senders_of(stage: Stage) -> list[tuple[Account, int]]:
    sizes = stage.sizes
    return [
        (stage.account(user), stage.seeded.home_groups[user // sizes.fanout_members])
        for user in range(sizes.fanout_groups * sizes.fanout_members)
    ]


def run_step(stage: Stage, senders, step: int, offered: int) -> StepResult:
    sizes = stage.sizes
    processes = sizes.load_processes
    specs = [
        Spec(
            senders=senders[index::processes],
            tag=f"{stage.run_id}.rest{step}.{index}",
            rate=offered / processes,
            seconds=sizes.step_seconds,
        )
        for index in range(processes)
    ]
    reports, server_cpu_percent = stage.run_crew(worker, specs)
    statuses: dict[int, int] = {}
    for report in reports:
        for status, count in report.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    failures = [failure for report in reports for failure in report.failures]
    created = statuses.get(201, 0)
    answered = sum(statuses.values())
    elapsed = max(max(report.last_answer for report in reports), sizes.step_seconds)
    return StepResult(
        offered=offered,
        requests=answered + len(failures),
        created=created,
        errors=[f"HTTP {s}: {n}" for s, n in statuses.items() if s != 201] + failures[:5],
        achieved=answered / elapsed,
        latency=Latency.of_seconds([value for report in reports for value in report.latencies]),
        server_cpu_percent=server_cpu_percent,
    )


def run(stage: Stage) -> RestSendResult:
    senders = senders_of(stage)
    groups = {group: account for account, group in senders}
    stored_before = stored_count(groups)
    steps: list[StepResult] = []
    for step, offered in enumerate(stage.sizes.rest_rates):
        result = run_step(stage, senders, step, offered)
        steps.append(result)
        stage.progress(
            f"REST send {offered} req/s offered: {result.achieved:,.0f}/s answered, "
            f"p50 {result.latency.p50 or 0:.1f} ms, p99 {result.latency.p99 or 0:.1f} ms, "
            f"{len(result.errors)} kinds of error, server CPU {result.server_cpu_percent:.0f}%"
        )
        past_target = offered >= TARGET_RATE  # the target's step always runs
        if past_target and len(steps) >= 2 and not any(s.sustained for s in steps[-2:]):
            break
    created = sum(step.created for step in steps)
    return RestSendResult(
        steps=steps,
        stored=settled_count(groups, stored_before + created) - stored_before,
        created=created,
    )
