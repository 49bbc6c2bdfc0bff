"""Mentions: what `@all` costs in a group of L members, each on its own socket, with a real
worker (`manage.py worker`) making the notifications.

The sender alternates plain messages and `@all` ones, one at a time: each is sent, its
`message.ack` timed, and the next waits until every member has its `message.new` and, for
`@all`, every member but the sender its `notification.new` (a frame sent after the commit that
made the notification, so its arrival shows that the row exists). Figures: the ack of each
kind (an `@all` send only enqueues one job, so it should cost the sender no more than 5 ms at
p50), and from the send until the last member's `notification.new` (within 2 s).

The notifications are made by the worker process, and reach the server's sockets through the
channel layer: without REDIS_URL (the in-memory layer is per process) no frame can arrive, and
the scenario says so instead of measuring.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field

from bench.clients import Account, open_sockets
from bench.crew import Crew, Sync, one_sender_round
from bench.server import start_workers, stop_workers
from bench.stage import Stage
from bench.stats import Latency

ACK_EXTRA_P50_TARGET_MS = 5
UNTIL_NOTIFIED_TARGET_MS = 2000
WAIT_FOR_ALL_SECONDS = 10
PAUSE_SECONDS = 0.05


@dataclass(frozen=True)
class Spec:
    accounts: list[Account]
    group: int
    tag: str
    messages: int  # plain and @all, alternately
    members: int  # in the whole group, all processes together
    sends: bool  # this process's first socket is the sender


def is_all(number: int) -> bool:
    return number % 2 == 1


@dataclass
class WorkerReport:
    sent_at: dict[int, float] = field(default_factory=dict)
    acked_at: dict[int, float] = field(default_factory=dict)
    notified: dict[int, int] = field(default_factory=dict)  # message number -> members
    last_notified: dict[int, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MentionsResult:
    members: int
    messages: int
    plain_ack: Latency
    all_ack: Latency
    until_all_notified: Latency  # per @all message: send -> the last member's notification
    lost: int  # notifications that never came
    errors: list[str]
    skipped: str = ""  # why nothing was measured

    @property
    def ack_extra_p50(self) -> float | None:
        if self.all_ack.p50 is None or self.plain_ack.p50 is None:
            return None
        return self.all_ack.p50 - self.plain_ack.p50

    @property
    def ok(self) -> bool:
        extra, until = self.ack_extra_p50, self.until_all_notified.max
        return (
            self.lost == 0
            and extra is not None
            and extra <= ACK_EXTRA_P50_TARGET_MS
            and until is not None
            and until <= UNTIL_NOTIFIED_TARGET_MS
        )


def _number(tag: str, client_id: str | None) -> int | None:
    prefix = tag + "."
    if not client_id or not client_id.startswith(prefix):
        return None
    return int(client_id[len(prefix) :])


async def read(socket, spec: Spec, sync: Sync, report: WorkerReport) -> None:
    """Counts per message: [n] members with its message.new, [messages + n] members with its
    notification.new."""
    async for raw in socket:
        now = time.monotonic()
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "error":
            report.errors.append(f"{frame.get('code')}: {frame.get('detail')}")
        elif kind == "message.ack":
            if (number := _number(spec.tag, frame.get("client_id"))) is not None:
                report.acked_at[number] = now
        elif kind == "message.new":
            if (number := _number(spec.tag, frame["message"].get("client_id"))) is not None:
                with sync.counters.get_lock():
                    sync.counters[number] += 1
        elif kind == "notification.new":
            message = frame["notification"]["message"]
            if (number := _number(spec.tag, message.get("client_id"))) is not None:
                report.notified[number] = report.notified.get(number, 0) + 1
                report.last_notified[number] = now
                with sync.counters.get_lock():
                    sync.counters[spec.messages + number] += 1


async def send_one_by_one(socket, spec: Spec, sync: Sync, report: WorkerReport) -> None:
    counters = sync.counters
    for number in range(spec.messages):
        body = f"@all mentions bench {number}" if is_all(number) else f"mentions bench {number}"
        report.sent_at[number] = time.monotonic()
        frame = {"type": "message.send", "group": spec.group, "body": body}
        await socket.send(json.dumps({**frame, "client_id": f"{spec.tag}.{number}"}))
        deadline = time.monotonic() + WAIT_FOR_ALL_SECONDS
        while time.monotonic() < deadline and (
            counters[number] < spec.members
            or (is_all(number) and counters[spec.messages + number] < spec.members - 1)
        ):
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


def run(stage: Stage) -> MentionsResult:
    sizes = stage.sizes
    members, messages = sizes.large_members, sizes.mention_messages
    if not os.environ.get("REDIS_URL"):
        nothing = Latency.of_seconds([])
        return MentionsResult(
            members, 0, nothing, nothing, nothing, 0, [], skipped="needs REDIS_URL"
        )
    group = stage.seeded.large_group
    if group is None:
        raise RuntimeError("the seed made no large group (large_members is 0)")
    accounts = [stage.account(index) for index in range(members)]
    processes = sizes.load_processes
    specs = [
        Spec(
            accounts=accounts[index::processes],
            group=group,
            tag=f"{stage.run_id}.mentions",
            messages=messages,
            members=members,
            sends=index == 0,
        )
        for index in range(processes)
    ]
    stage.progress(f"mentions: {members} sockets, {messages} messages, half of them @all")
    workers = start_workers(stage.server.env)
    try:
        with Crew(worker, specs, counters=2 * messages) as crew:
            crew.meet()
            reports = crew.results()
    finally:
        stop_workers(workers)
    return _result(reports, members)


def _result(reports: list[WorkerReport], members: int) -> MentionsResult:
    sender = next(report for report in reports if report.sent_at)
    acks: dict[bool, list[float]] = {False: [], True: []}
    for number, sent in sender.sent_at.items():
        if number in sender.acked_at:
            acks[is_all(number)].append(sender.acked_at[number] - sent)
    until, lost = [], 0
    for number, sent in sender.sent_at.items():
        if not is_all(number):
            continue
        got = sum(report.notified.get(number, 0) for report in reports)
        lost += max(0, members - 1 - got)
        if got >= members - 1:
            last = max(r.last_notified[number] for r in reports if number in r.last_notified)
            until.append(last - sent)
    return MentionsResult(
        members=members,
        messages=len(sender.sent_at),
        plain_ack=Latency.of_seconds(acks[False]),
        all_ack=Latency.of_seconds(acks[True]),
        until_all_notified=Latency.of_seconds(until),
        lost=lost,
        errors=[error for report in reports for error in report.errors][:5],
    )
