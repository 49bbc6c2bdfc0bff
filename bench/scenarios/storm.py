"""Connect storm: N sockets open at once (all handshakes in flight together, spread over the
load processes). The contract subscribes a socket to its groups before its handshake completes,
so "all subscribed" is "all handshakes done"."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.clients import Account, close_sockets, open_socket
from bench.crew import Crew, Sync
from bench.stage import Stage
from bench.stats import Latency


@dataclass(frozen=True)
class Spec:
    accounts: list[Account]


@dataclass(frozen=True)
class WorkerReport:
    handshakes: list[float]  # seconds from the start to each completed handshake
    failures: list[str]


@dataclass(frozen=True)
class StormResult:
    sockets: int
    failures: int
    failure_reasons: list[str]
    all_subscribed_seconds: float | None  # until the last handshake, None when one failed
    handshake: Latency

    @property
    def ok(self) -> bool:
        return self.failures == 0


async def worker(spec: Spec, sync: Sync) -> WorkerReport:
    await sync.meet()
    start = time.monotonic()

    async def timed(account: Account):
        socket = await open_socket(account)
        return socket, time.monotonic() - start

    outcomes = await asyncio.gather(*(timed(a) for a in spec.accounts), return_exceptions=True)
    opened = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    failures = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
    await sync.meet()  # every process is done before any socket closes
    await close_sockets(socket for socket, _ in opened)
    return WorkerReport(handshakes=[seconds for _, seconds in opened], failures=failures)


def run(stage: Stage) -> StormResult:
    sizes = stage.sizes
    accounts = [stage.account(index) for index in range(sizes.storm_sockets)]
    processes = sizes.load_processes
    stage.progress(f"connect storm: {len(accounts)} sockets at once")
    with Crew(worker, [Spec(accounts[index::processes]) for index in range(processes)]) as crew:
        crew.meet()
        crew.meet()
        reports = crew.results()
    handshakes = [seconds for report in reports for seconds in report.handshakes]
    failures = [reason for report in reports for reason in report.failures]
    return StormResult(
        sockets=len(accounts),
        failures=len(failures),
        failure_reasons=sorted(set(failures))[:5],
        all_subscribed_seconds=max(handshakes) if handshakes and not failures else None,
        handshake=Latency.of_seconds(handshakes),
    )
