"""Idle connections: N authenticated sockets held open on ONE server process, doing nothing.
The server's resident memory is read before and after they open (/proc/<pid>/status VmRSS),
then its CPU time over a quiet period (/proc/<pid>/stat)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.clients import Account, close_sockets, open_sockets, try_open_sockets
from bench.crew import Crew, Sync
from bench.procstat import CpuMeter, rss_kib
from bench.stage import Stage

KIB_PER_SOCKET_TARGET = 50
CPU_PERCENT_TARGET = 10
WARM_UP_SOCKETS = 20  # per process: the first sockets load code and fill caches
# Handshakes in flight per load process. The storm scenario measures bursts; here a handshake
# queued past daphne's 5 s --websocket_connect_timeout would be dropped and not measured.
AT_ONCE = 25


@dataclass(frozen=True)
class Spec:
    warm_up: list[Account]
    accounts: list[Account]


@dataclass(frozen=True)
class WorkerReport:
    opened: int
    failures: list[str]
    open_seconds: float


@dataclass(frozen=True)
class IdleResult:
    sockets: int  # open during the measurement
    failures: int  # sockets that did not open
    failure_reasons: list[str]
    rss_before_kib: int
    rss_after_kib: int
    rss_end_kib: int
    idle_seconds: float
    settle_seconds: float
    cpu_percent: float
    open_seconds: float

    @property
    def kib_per_socket(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / max(self.sockets, 1)

    @property
    def ok(self) -> bool:
        return (
            self.failures == 0
            and self.kib_per_socket <= KIB_PER_SOCKET_TARGET
            and self.cpu_percent <= CPU_PERCENT_TARGET
        )


async def worker(spec: Spec, sync: Sync) -> WorkerReport:
    await close_sockets(await open_sockets(spec.warm_up))
    await sync.meet()  # warmed up: the harness reads the memory before...
    await sync.meet()  # ...and then lets the sockets open
    start = time.monotonic()
    sockets, failures = await try_open_sockets(spec.accounts, at_once=AT_ONCE)
    opened = time.monotonic() - start
    await sync.meet()  # all open: the harness reads the memory after, and the CPU while idle...
    await sync.meet()  # ...and then lets them close
    await close_sockets(sockets)
    return WorkerReport(len(sockets), [repr(failure) for failure in failures], opened)


def run(stage: Stage) -> IdleResult:
    sizes = stage.sizes
    processes = sizes.idle_processes
    accounts = [stage.account(index, port=0) for index in range(sizes.idle_sockets)]
    warm_up = accounts[: WARM_UP_SOCKETS * processes]
    specs = [
        Spec(warm_up[index::processes], accounts[index::processes]) for index in range(processes)
    ]
    pid = stage.server.pids[0]
    stage.progress(f"idle: opening {len(accounts)} sockets on one server process")
    with Crew(worker, specs) as crew:
        crew.meet()
        time.sleep(sizes.idle_settle_seconds)
        rss_before = rss_kib(pid)
        crew.meet()
        crew.meet()
        time.sleep(sizes.idle_settle_seconds)
        rss_after = rss_kib(pid)
        stage.progress(f"idle: {len(accounts)} sockets open, measuring {sizes.idle_seconds} s")
        cpu = CpuMeter([pid])
        time.sleep(sizes.idle_seconds)
        cpu_percent = cpu.percent()
        rss_end = rss_kib(pid)
        crew.meet()
        reports = crew.results()
    failures = [reason for report in reports for reason in report.failures]
    return IdleResult(
        sockets=sum(report.opened for report in reports),
        failures=len(failures),
        failure_reasons=sorted(set(failures))[:5],
        rss_before_kib=rss_before,
        rss_after_kib=rss_after,
        rss_end_kib=rss_end,
        idle_seconds=sizes.idle_seconds,
        settle_seconds=sizes.idle_settle_seconds,
        cpu_percent=cpu_percent,
        open_seconds=max(report.open_seconds for report in reports),
    )
