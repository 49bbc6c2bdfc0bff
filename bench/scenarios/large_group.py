"""Large group: one message at a time to a group of L members, each on its own socket; the
figure is the time from the send until the LAST member has the message.

Messages go one after another: the sender waits until every member has message k (a shared
counter per message, bumped by the receiving processes) before sending k + 1, so each figure is
one message's fan-out, not a queue of them.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from bench.clients import Account, open_sockets
from bench.crew import Crew, Sync, one_sender_round
from bench.stage import Stage
from bench.stats import Latency

P99_TARGET_MS = 100
WAIT_FOR_ALL_SECONDS = 5
PAUSE_SECONDS = 0.05


@dataclass(frozen=True)
class Spec:
    accounts: list[Account]
    group: int
    tag: str
    messages: int
    members: int  # in the whole group, all processes together
    sends: bool  # this process's first socket is the sender


@dataclass
class WorkerReport:
    received: dict[int, int] = field(default_factory=dict)  # message number -> members with it
    last_arrival: dict[int, float] = field(default_factory=dict)
    sent_at: dict[int, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LargeGroupResult:
    members: int
    messages: int
    lost: int  # deliveries that never came
    errors: list[str]
    until_last: Latency  # per message: send -> last member

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.until_last.p99 is not None
            and self.until_last.p99 <= P99_TARGET_MS
        )


async def read(socket, spec: Spec, sync: Sync, report: WorkerReport) -> None:
    prefix = spec.tag + "."
    async for raw in socket:
        now = time.monotonic()
        frame = json.loads(raw)
        if frame.get("type") == "error":
            report.errors.append(f"{frame.get('code')}: {frame.get('detail')}")
            continue
        message = frame.get("message") or {}
        client_id = message.get("client_id") or ""
        if frame.get("type") != "message.new" or not client_id.startswith(prefix):
            continue
        number = int(client_id[len(prefix) :])
        report.received[number] = report.received.get(number, 0) + 1
        report.last_arrival[number] = now
        with sync.counters.get_lock():
            sync.counters[number] += 1


async def send_one_by_one(socket, spec: Spec, sync: Sync, report: WorkerReport) -> None:
    for number in range(spec.messages):
        report.sent_at[number] = time.monotonic()
        await socket.send(
            json.dumps(
                {
                    "type": "message.send",
                    "group": spec.group,
                    "body": f"large-group message {number}",
                    "client_id": f"{spec.tag}.{number}",
                }
            )
        )
        deadline = time.monotonic() + WAIT_FOR_ALL_SECONDS
        while sync.counters[number] < spec.members and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        await asyncio.sleep(PAUSE_SECONDS)


async def worker(spec: Spec, sync: Sync) -> WorkerReport:
    report = WorkerReport()
    await one_sender_round(
        await open_sockets(spec.accounts),
        sync,
        read=lambda socket: read(socket, spec, sync, report),
        send=(lambda socket: send_one_by_one(socket, spec, sync, report)) if spec.sends else None,
        pause=PAUSE_SECONDS,
    )
    return report


def run(stage: Stage) -> LargeGroupResult:
    sizes = stage.sizes
    members = sizes.large_members
    accounts = [stage.account(index) for index in range(members)]
    processes = sizes.load_processes
    group = stage.seeded.large_group
    if group is None:  # the seed makes it whenever sizes.large_members > 0
        raise RuntimeError("the seed made no large group (large_members is 0)")
    specs = [
        Spec(
            accounts=accounts[index::processes],
            group=group,
            tag=f"{stage.run_id}.large",
            messages=sizes.large_messages,
            members=members,
            sends=index == 0,
        )
        for index in range(processes)
    ]
    stage.progress(f"large group: {members} sockets, {sizes.large_messages} messages")
    with Crew(worker, specs, counters=sizes.large_messages) as crew:
        crew.meet()
        reports = crew.results()
    sent_at = {n: t for report in reports for n, t in report.sent_at.items()}
    until_last, lost = [], 0
    for number, sent in sent_at.items():
        got = sum(report.received.get(number, 0) for report in reports)
        lost += max(0, members - got)
        if got == members:
            last = max(r.last_arrival[number] for r in reports if number in r.last_arrival)
            until_last.append(last - sent)
    return LargeGroupResult(
        members=members,
        messages=len(sent_at),
        lost=lost,
        errors=[error for report in reports for error in report.errors][:5],
        until_last=Latency.of_seconds(until_last),
    )
