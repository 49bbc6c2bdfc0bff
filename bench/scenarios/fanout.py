"""Fan-out: G groups of M members, each member on its own socket, S senders per group sending
`message.send` frames at a fixed (open-loop) rate; the offered rate is stepped up.

Each receiver checks it got every message of its group exactly once: a message's client_id is
`<run>.<step>.<sender>.<n>.<scheduled send time, µs>`, and the senders number their messages
0, 1, 2, ... so a receiver's count of distinct numbers per sender is what it got. Latency runs
from the scheduled send time (so a late sender counts against the figure, no coordinated
omission) to the arrival of the `message.new` frame.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bench.clients import Account, close_sockets, open_sockets
from bench.crew import Sync
from bench.stage import Stage, settled_count, stored_count
from bench.stats import Latency

P99_TARGET_MS = 50
DELIVERIES_TARGET = 10_000  # per second


@dataclass(frozen=True)
class Member:
    account: Account
    group: int
    sender: int | None  # the sender's number, for the members who send


@dataclass(frozen=True)
class StepSpec:
    members: list[Member]
    tag: str  # "<run>.<step>": client_ids of this step start with it
    rate_per_sender: float
    seconds: float
    drain_seconds: float


@dataclass
class WorkerReport:
    sent: dict[int, int] = field(default_factory=dict)  # sender -> messages sent
    acked: int = 0
    errors: list[str] = field(default_factory=list)
    received: list[tuple[int, dict[int, int]]] = field(default_factory=list)  # (group, sender: n)
    duplicates: int = 0
    out_of_order: int = 0
    latencies: list[float] = field(default_factory=list)
    send_lags: list[float] = field(default_factory=list)
    first_send: float | None = None
    last_delivery: float | None = None
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class StepResult:
    offered: int  # messages/s, all senders together
    sent: int
    acked: int
    expected: int  # deliveries: every message to every member of its group
    delivered: int
    duplicates: int
    out_of_order: int
    errors: list[str]
    deliveries_per_second: float
    latency: Latency
    send_lag_p99_ms: float | None
    server_cpu_percent: float
    client_cpu_percent: float

    @property
    def lost(self) -> int:
        return self.expected - self.delivered

    @property
    def saturated(self) -> bool:
        """The server no longer kept up: messages were lost."""
        return self.lost > 0

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicates == 0
            and not self.errors
            and self.latency.p99 is not None
            and self.latency.p99 <= P99_TARGET_MS
        )


@dataclass(frozen=True)
class FanoutResult:
    groups: int
    members: int
    senders: int
    steps: list[StepResult]
    stored: int  # messages the groups gained, read back through the REST history
    sent: int

    @property
    def acked(self) -> int:
        return sum(step.acked for step in self.steps)

    @property
    def best(self) -> StepResult | None:
        """The step with the most deliveries/s, none lost, p99 within the target."""
        passing = [step for step in self.steps if step.ok]
        return max(passing, key=lambda step: step.deliveries_per_second, default=None)

    @property
    def best_lossless(self) -> StepResult | None:
        """The step with the most deliveries/s and none lost, whatever its latency."""
        lossless = [step for step in self.steps if not step.saturated]
        return max(lossless, key=lambda step: step.deliveries_per_second, default=None)


# --- In the load processes --------------------------------------------------------------------


class Receiver:
    """Reads one socket until it closes, tallying the step's messages."""

    def __init__(self, member: Member, tag: str, report: WorkerReport):
        self.member, self.tag, self.report = member, tag, report
        self.seen: dict[int, set[int]] = defaultdict(set)
        self.last_id = 0

    async def read(self, socket) -> None:
        prefix = self.tag + "."
        async for raw in socket:
            now = time.monotonic()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message.new":
                self.on_message(frame["message"], now, prefix)
            elif kind == "message.ack" and (frame.get("client_id") or "").startswith(prefix):
                self.report.acked += 1
            elif kind == "error":
                self.report.errors.append(f"{frame.get('code')}: {frame.get('detail')}")

    def on_message(self, message: dict, now: float, prefix: str) -> None:
        client_id = message.get("client_id") or ""
        if message["group"] != self.member.group or not client_id.startswith(prefix):
            return
        if message["id"] < self.last_id:
            self.report.out_of_order += 1
        self.last_id = max(self.last_id, message["id"])
        sender, number, stamp = (int(part) for part in client_id[len(prefix) :].split("."))
        if number in self.seen[sender]:
            self.report.duplicates += 1
            return
        self.seen[sender].add(number)
        self.report.latencies.append(now - stamp / 1e6)
        self.report.last_delivery = max(self.report.last_delivery or now, now)


async def send_at_rate(
    socket, member: Member, sender: int, spec: StepSpec, start: float, report
) -> None:
    """`sender` is `member.sender`, for a member who sends."""
    interval = 1 / spec.rate_per_sender
    # Senders start spread over one interval, not in lockstep.
    first = start + interval * ((sender * 0.618) % 1)
    number = 0
    while (scheduled := first + number * interval) < start + spec.seconds:
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        client_id = f"{spec.tag}.{sender}.{number}.{int(scheduled * 1e6)}"
        await socket.send(
            json.dumps(
                {
                    "type": "message.send",
                    "group": member.group,
                    "body": f"fan-out message {number} from sender {sender}",
                    "client_id": client_id,
                }
            )
        )
        report.send_lags.append(time.monotonic() - scheduled)
        number += 1
    report.sent[sender] = number


async def first_frame(socket) -> None:
    """A ping as the first frame: the server stops holding live frames for a `resume`."""
    await socket.send(json.dumps({"type": "ping"}))


async def worker(spec: StepSpec, sync: Sync) -> WorkerReport:
    report = WorkerReport()
    sockets = await open_sockets(member.account for member in spec.members)
    receivers = [Receiver(member, spec.tag, report) for member in spec.members]
    reading = [asyncio.create_task(r.read(s)) for r, s in zip(receivers, sockets, strict=True)]
    await asyncio.gather(*(first_frame(socket) for socket in sockets))
    await sync.meet()
    cpu_before = time.process_time()
    start = time.monotonic()
    report.first_send = start
    await asyncio.gather(
        *(
            send_at_rate(socket, member, member.sender, spec, start, report)
            for member, socket in zip(spec.members, sockets, strict=True)
            if member.sender is not None
        )
    )
    await asyncio.sleep(max(0.0, start + spec.seconds + spec.drain_seconds - time.monotonic()))
    report.cpu_seconds = time.process_time() - cpu_before
    report.wall_seconds = time.monotonic() - start
    await close_sockets(sockets)
    await asyncio.gather(*reading, return_exceptions=True)
    report.received = [(r.member.group, {s: len(n) for s, n in r.seen.items()}) for r in receivers]
    return report


# --- In the harness ---------------------------------------------------------------------------


def members_of(stage: Stage) -> list[Member]:
    sizes = stage.sizes
    members = []
    for group_index, group in enumerate(stage.seeded.home_groups[: sizes.fanout_groups]):
        for position in range(sizes.fanout_members):
            user = group_index * sizes.fanout_members + position
            sender = user if position < sizes.fanout_senders else None
            members.append(Member(stage.account(user), group, sender))
    return members


def run_step(stage: Stage, members: list[Member], step: int, offered: int) -> StepResult:
    sizes = stage.sizes
    senders = sum(member.sender is not None for member in members)
    processes = sizes.load_processes
    specs = [
        StepSpec(
            members=members[index::processes],
            tag=f"{stage.run_id}.{step}",
            rate_per_sender=offered / senders,
            seconds=sizes.step_seconds,
            drain_seconds=sizes.drain_seconds,
        )
        for index in range(processes)
    ]
    reports, server_cpu_percent = stage.run_crew(worker, specs)
    return merge(reports, members, offered, sizes.step_seconds, server_cpu_percent)


def merge(
    reports: list[WorkerReport],
    members: list[Member],
    offered: int,
    seconds: float,
    server_cpu_percent: float,
) -> StepResult:
    sent = {sender: count for report in reports for sender, count in report.sent.items()}
    group_of_sender = {m.sender: m.group for m in members if m.sender is not None}
    sent_to_group: dict[int, int] = defaultdict(int)
    for sender, count in sent.items():
        sent_to_group[group_of_sender[sender]] += count
    expected = sum(sent_to_group[member.group] for member in members)
    delivered = sum(
        sum(counts.values()) for report in reports for _group, counts in report.received
    )
    latencies = [value for report in reports for value in report.latencies]
    first = min(r.first_send for r in reports if r.first_send is not None)
    last = max((r.last_delivery for r in reports if r.last_delivery is not None), default=first)
    send_lags = Latency.of_seconds([value for report in reports for value in report.send_lags])
    return StepResult(
        offered=offered,
        sent=sum(sent.values()),
        acked=sum(report.acked for report in reports),
        expected=expected,
        delivered=delivered,
        duplicates=sum(report.duplicates for report in reports),
        out_of_order=sum(report.out_of_order for report in reports),
        errors=[error for report in reports for error in report.errors][:5],
        deliveries_per_second=delivered / max(last - first, seconds),
        latency=Latency.of_seconds(latencies),
        send_lag_p99_ms=send_lags.p99,
        server_cpu_percent=server_cpu_percent,
        client_cpu_percent=100 * sum(r.cpu_seconds / r.wall_seconds for r in reports),
    )


def run(stage: Stage) -> FanoutResult:
    sizes = stage.sizes
    members = members_of(stage)
    groups = {member.group: member.account for member in members}
    stored_before = stored_count(groups)
    steps: list[StepResult] = []
    for step, offered in enumerate(sizes.fanout_rates):
        result = run_step(stage, members, step, offered)
        steps.append(result)
        sent = sum(done.sent for done in steps)
        # A saturated server still works through its backlog: the next step starts after it.
        stored = settled_count(groups, stored_before + sent) - stored_before
        stage.progress(
            f"fan-out {offered} msgs/s offered: {result.deliveries_per_second:,.0f} deliveries/s, "
            f"{result.lost} lost, p99 {result.latency.p99 or 0:.1f} ms, "
            f"server CPU {result.server_cpu_percent:.0f}%"
        )
        if len(steps) >= 2 and steps[-1].saturated and steps[-2].saturated:
            break  # two saturated steps in a row: higher ones would only lose more
    return FanoutResult(
        groups=sizes.fanout_groups,
        members=sizes.fanout_members,
        senders=sizes.fanout_senders,
        steps=steps,
        stored=stored,
        sent=sent,
    )
