"""The chaos scenarios (docs/reliability.md). Each returns a Result: its figures, and the
failures that break a promise (any loss, any duplicate, a deadline missed)."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import psycopg

from .clients import Reader, RestLoad, Sender, rest_send, ws_url
from .processes import Postgres, Redis, Site, Workers

# R4's and R5's load, whatever the socket count: half the fan-out the site holds at p99 <= 50 ms
# on 2 cores (about 4,000 deliveries/s, docs/benchmarks.md).
DELIVERIES_PER_SECOND = 2_000
REST_PER_SECOND = 25  # R5's REST requests: half the REST sends/s the benchmark sustains

# Sockets a scenario opens (R7: members it notifies), full and at least (the short run scales
# the full figure down). The group has as many members as the largest needs.
SOCKETS = {
    "R1": (50, 20),
    "R3": (1, 1),
    "R4": (1_000, 200),
    "R5": (200, 40),
    "R6": (1_000, 200),
    "R7": (1_000, 200),
}
MEMBERS_NOTIFIED = "SELECT count(*) FROM notifications_notification WHERE message_id = ANY(%s)"
JOBS = "django_tasks_database_dbtaskresult"  # django-tasks-db's table


def sockets(name: str, scale: float) -> int:
    full, least = SOCKETS.get(name, (0, 0))
    return max(least, int(full * scale))


@dataclass
class World:
    """What the scenarios act on: the suite's PostgreSQL, Redis and two server processes, and
    one group whose members' tokens the clients use."""

    postgres: Postgres
    redis: Redis
    site: Site
    group_id: int
    tokens: list[str]
    scale: float  # 1 for the full suite, less for the short run in CI
    long_seconds: float = 3600  # R5's duration

    def n(self, full: int, least: int) -> int:
        return max(least, int(full * self.scale))

    def url(self, index: int) -> str:
        return self.site.urls()[index % len(self.site.ports)]

    def last_id(self) -> int:
        with psycopg.connect(self.postgres.url) as connection:
            row = connection.execute(
                "SELECT max(id) FROM messaging_message WHERE group_id = %s", [self.group_id]
            ).fetchone()
        return (row[0] if row else None) or 0

    def _one(self, sql: str) -> int:
        with psycopg.connect(self.postgres.url) as connection:
            row = connection.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def jobs_left(self) -> int:
        """Notification jobs not done (the e-mails they schedule run minutes later)."""
        return self._one(
            f"SELECT count(*) FROM {JOBS} WHERE status IN ('READY', 'RUNNING') "
            "AND task_path = 'notifications.tasks.notify_everyone'"
        )

    def running_on(self, worker_id: str) -> bool:
        with psycopg.connect(self.postgres.url) as connection:
            row = connection.execute(
                f"SELECT count(*) FROM {JOBS} WHERE status = 'RUNNING' AND worker_ids->>-1 = %s",
                [worker_id],
            ).fetchone()
        return bool(row and row[0])

    def jobs_failed(self) -> int:
        return self._one(f"SELECT count(*) FROM {JOBS} WHERE status = 'FAILED'")

    def job_attempts(self) -> list[int]:
        with psycopg.connect(self.postgres.url) as connection:
            rows = connection.execute(
                f"SELECT jsonb_array_length(worker_ids) FROM {JOBS}"
            ).fetchall()
        return [row[0] for row in rows]

    def stored(self, prefix: str) -> list[tuple[int, str]]:
        """(id, client_id) of the stored messages whose client_id starts with `prefix`."""
        with psycopg.connect(self.postgres.url) as connection:
            rows = connection.execute(
                "SELECT id, client_id FROM messaging_message WHERE client_id LIKE %s ORDER BY id",
                [prefix + "%"],
            ).fetchall()
        return [(row[0], row[1]) for row in rows]


@dataclass
class Result:
    name: str
    promise: str
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def check(self, holds: bool, failure: str) -> None:
        if not holds:
            self.failures.append(failure)


def _readers(world: World, count: int) -> list[Reader]:
    """Members reading the group, up to date with it: a scenario tests its faults, not a
    backlog left by the scenarios before it."""
    after = world.last_id()
    return [
        Reader(ws_url(world.url(i), world.tokens[1 + i]), world.group_id, after=after)
        for i in range(count)
    ]


async def _until(condition, timeout: float) -> float | None:
    """Seconds until the condition held, or None if it did not within the timeout."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            return None
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def _check_readers(result: Result, readers: list[Reader], stored_ids: list[int]) -> None:
    expected = set(stored_ids)
    incomplete = sum(1 for r in readers if not r.has_all(expected))
    result.figures.update(
        duplicates=sum(r.duplicates for r in readers),
        out_of_order=sum(r.out_of_order for r in readers),
        incomplete_sockets=incomplete,
        reconnects=sum(r.reconnects for r in readers),
        closes=dict(sum((r.closes for r in readers), Counter())),
    )
    result.check(incomplete == 0, f"{incomplete} sockets miss messages")
    result.check(result.figures["duplicates"] == 0, "a socket got a message twice")
    result.check(result.figures["out_of_order"] == 0, "a socket got messages out of order")


async def redis_killed_twice(world: World) -> Result:
    """R1: sockets on two processes, messages sent through both, Redis killed twice."""
    result = Result(
        "R1 Redis killed twice",
        "No message is lost or duplicated when Redis dies; every socket is complete within "
        "10 s of its return.",
    )
    count, messages = sockets("R1", world.scale), world.n(10_000, 1_000)
    readers = _readers(world, count)
    for reader in readers:
        reader.start()
    await _until(lambda: all(r.resumed_at for r in readers), 30)
    run = f"r1-{uuid.uuid4().hex[:8]}-"
    ids = [f"{run}{i}" for i in range(messages)]
    senders = [Sender(ws_url(world.url(i), world.tokens[0]), world.group_id) for i in range(2)]
    rate = 100.0  # messages/s across both senders: 5,000 deliveries/s at full size, within the
    # fan-out the site holds at p99 <= 50 ms on 2 cores (docs/benchmarks.md)
    sending = [
        asyncio.create_task(s.send_all(ids[i::2], rate=rate / 2)) for i, s in enumerate(senders)
    ]
    duration, started, back = messages / rate, time.monotonic(), 0.0
    for fraction in (0.3, 0.65):
        await asyncio.sleep(max(0.0, started + duration * fraction - time.monotonic()))
        await asyncio.to_thread(world.redis.kill)
        await asyncio.sleep(2)
        await asyncio.to_thread(world.redis.start)
        back = time.monotonic()
    await asyncio.gather(*sending)
    send_seconds = time.monotonic() - started
    stored = world.stored(run)
    acked = {c for s in senders for c in s.acked}
    stored_ids = [message_id for message_id, _ in stored]
    # From the later of Redis's last return and the last send: how long until all are complete.
    complete = await _until(lambda: all(r.has_all(set(stored_ids)) for r in readers), 30)
    for reader in readers:
        await reader.stop()
    result.figures.update(
        sockets=count,
        sent=messages,
        acked=len(acked),
        stored=len(stored),
        redis_back_at_s=round(back - started, 1),
        send_s=round(send_seconds, 1),
        complete_after_last_send_s=round(complete if complete is not None else -1, 2),
        unavailable=sum(s.unavailable for s in senders),
    )
    result.check(len(stored) == messages, f"{len(stored)} stored of {messages}")
    result.check(acked == {c for _, c in stored}, "an acked message is not stored")
    _check_readers(result, readers, stored_ids)
    result.check(complete is not None and complete <= 10, "sockets not complete in 10 s")
    return result


async def sent_three_times(world: World) -> Result:
    """R2: each message sent three times at once, through both processes and REST."""
    result = Result(
        "R2 each message sent three times",
        "A message sent several times with one client_id (retries, several tabs, REST and "
        "websocket mixed) is stored once.",
    )
    count = world.n(1_000, 300)
    run = f"r2-{uuid.uuid4().hex[:8]}-"
    ids = [f"{run}{i}" for i in range(count)]
    token = world.tokens[0]
    senders = [Sender(ws_url(world.url(i), token), world.group_id, window=50) for i in range(2)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as session:
        gate = asyncio.Semaphore(50)

        async def by_rest(client_id: str) -> int | None:
            async with gate:
                return await rest_send(session, world.url(1), token, world.group_id, client_id)

        rest = asyncio.ensure_future(asyncio.gather(*(by_rest(c) for c in ids)))
        await asyncio.gather(*(s.send_all(ids) for s in senders))
        answers: list[int | None] = await rest
    stored = world.stored(run)
    agree = sum(
        answer == senders[0].acked.get(client_id) == senders[1].acked.get(client_id)
        for answer, client_id in zip(answers, ids, strict=True)
    )
    result.figures.update(messages=count, attempts=3 * count, stored=len(stored), agree=agree)
    result.check(len(stored) == count, f"{len(stored)} rows for {count} messages")
    result.check(agree == count, f"only {agree} of {count} answered one id to all three")
    return result


async def offline_then_resume(world: World) -> Result:
    """R3: a client offline while messages are sent: all of them, in order, after resume."""
    offline = 300 if world.scale >= 1 else 5
    result = Result(
        "R3 offline, then resume",
        f"A client offline for {offline} s while 500 messages are sent has all of them, in "
        "order, once, after its resume.",
    )
    reader = _readers(world, 1)[0]
    reader.start()
    await _until(lambda: reader.resumed_at > 0, 30)
    await reader.stop()
    run = f"r3-{uuid.uuid4().hex[:8]}-"
    sender = Sender(ws_url(world.url(1), world.tokens[0]), world.group_id)
    await sender.send_all([f"{run}{i}" for i in range(500)])
    await asyncio.sleep(offline)
    before = len(reader.received)
    reader.start()
    stored_ids = [message_id for message_id, _ in world.stored(run)]
    took = await _until(lambda: set(stored_ids) <= set(reader.received), 60)
    await reader.stop()
    got = reader.received[before:]
    result.figures.update(
        offline_s=offline, stored=len(stored_ids), resumed=len(got), resume_s=round(took or -1, 2)
    )
    result.check(got == stored_ids, "the resume did not give every message once, in order")
    return result


async def postgres_restart_and_kill_9(world: World) -> Result:
    """R4: PostgreSQL restarted, then a server process killed with kill -9, under many sockets."""
    result = Result(
        "R4 PostgreSQL restart and kill -9",
        "No acknowledged message is lost when PostgreSQL restarts or a server process dies; "
        "every socket is back within 30 s (goal 5 s).",
    )
    count = sockets("R4", world.scale)
    readers = _readers(world, count)
    for reader in readers:
        reader.start()
    ready = await _until(lambda: all(r.resumed_at for r in readers), 120)
    run = f"r4-{uuid.uuid4().hex[:8]}-"
    rate = DELIVERIES_PER_SECOND / count  # messages/s: a load well within the fan-out capacity
    ids = [f"{run}{i}" for i in range(int(rate * 40))]  # 40 s of sending
    sender = Sender(ws_url(world.url(0), world.tokens[0]), world.group_id)
    sending = asyncio.create_task(sender.send_all(ids, rate=rate))
    await asyncio.sleep(10)
    await asyncio.to_thread(world.postgres.restart)
    await asyncio.sleep(10)
    killed_at = time.monotonic()
    await asyncio.to_thread(world.site.kill, 1)
    await asyncio.to_thread(world.site.start, 1)  # as systemd's Restart=always would
    back = await _until(lambda: all(r.resumed_at > killed_at for r in readers[1::2]), 60)
    await sending
    stored = world.stored(run)
    stored_ids = [message_id for message_id, _ in stored]
    complete = await _until(lambda: all(r.has_all(set(stored_ids)) for r in readers), 30)
    for reader in readers:
        await reader.stop()
    lost = set(sender.acked) - {c for _, c in stored}
    result.figures.update(
        sockets=count,
        first_connect_s=round(ready or -1, 2),
        sent=len(ids),
        acked=len(sender.acked),
        stored=len(stored),
        acked_lost=len(lost),
        sockets_back_after_kill_s=round(back if back is not None else -1, 2),
        unavailable=sender.unavailable,
    )
    result.check(not lost, f"{len(lost)} acknowledged messages lost")
    result.check(back is not None and back <= 30, "sockets not back within 30 s")
    result.check(complete is not None, "sockets not complete after the faults")
    _check_readers(result, readers, stored_ids)
    return result


async def reconnect_storm(world: World) -> Result:
    """R6: every socket on one process, that process killed: all of them reconnect at once."""
    result = Result(
        "R6 reconnect storm",
        "When a server process dies, every one of its sockets is back and resumed within 5 s, "
        "and none meets a server error.",
    )
    count = sockets("R6", world.scale)
    after = world.last_id()
    url = world.site.urls()[1]
    readers = [
        Reader(ws_url(url, world.tokens[1 + i]), world.group_id, after=after) for i in range(count)
    ]
    for reader in readers:
        reader.start()
    ready = await _until(lambda: all(r.resumed_at for r in readers), 60)
    killed_at = time.monotonic()
    await asyncio.to_thread(world.site.kill, 1)
    await asyncio.to_thread(world.site.start, 1)  # as systemd's Restart=always would
    listening = time.monotonic() - killed_at
    back = await _until(lambda: all(r.resumed_at > killed_at for r in readers), 60)
    if back is not None:
        back += listening
    for reader in readers:
        await reader.stop()
    closes = sum((r.closes for r in readers), Counter())
    result.figures.update(
        sockets=count,
        first_connect_s=round(ready if ready is not None else -1, 2),
        restarted_s=round(listening, 2),
        back_and_resumed_s=round(back if back is not None else -1, 2),
        closes=dict(closes),
    )
    result.check(back is not None and back <= 5, "sockets not back and resumed within 5 s")
    result.check(not closes.get(1011), "a socket was closed with a server error (1011)")
    return result


async def worker_killed(world: World) -> Result:
    """R7: `@all` messages whose notification jobs run on two workers, one killed with
    kill -9 mid-run: every job runs to its end, and every member is notified once."""
    result = Result(
        "R7 a worker killed mid-job",
        "A job whose worker dies runs again on another, and its effect happens once: every "
        "member notified of every @all message, none twice.",
    )
    count = world.n(50, 10)
    run = f"r7-{uuid.uuid4().hex[:8]}-"
    workers = Workers(world.site, count=2, lost_after=3)
    await asyncio.to_thread(workers.start)
    try:
        async with aiohttp.ClientSession() as session:
            ids = [
                await rest_send(
                    session, world.url(i), world.tokens[0], world.group_id, f"{run}{i}", "@all "
                )
                for i in range(count)
            ]
        # Killed while it runs a job: the job's last worker is this one.
        victim = workers.ids[0]
        mid_job = await _until(lambda: world.running_on(victim), 60)
        killed_at = time.monotonic()
        await asyncio.to_thread(workers.kill, 0)
        await asyncio.to_thread(workers.start, 0)  # as systemd's Restart=always would
        done = await _until(lambda: world.jobs_left() == 0, 120)
    finally:
        await asyncio.to_thread(workers.stop)
    members = len(world.tokens) - 1  # all but the sender
    message_ids = [i for i in ids if i is not None]
    with psycopg.connect(world.postgres.url) as connection:
        row = connection.execute(MEMBERS_NOTIFIED, [message_ids]).fetchone()
    notified = row[0] if row else 0
    attempts = world.job_attempts()
    result.figures.update(
        messages=count,
        members=members,
        notified=notified,
        expected=members * len(message_ids),
        jobs_done_after_kill_s=round(done if done is not None else -1, 2),
        killed_mid_job=mid_job is not None,
        jobs_run_again=sum(1 for a in attempts if a > 1),
        failed_jobs=world.jobs_failed(),
        since_kill_s=round(time.monotonic() - killed_at, 1),
    )
    result.check(len(message_ids) == count, "a message was not stored")
    result.check(done is not None, "jobs left after 120 s")
    result.check(result.figures["jobs_run_again"] > 0, "no job ran again after the kill")
    result.check(notified == members * len(message_ids), "a member missed a notification")
    result.check(result.figures["failed_jobs"] == 0, "a job failed")
    return result


async def mixed_load(world: World) -> Result:
    """R5: sockets reading (some reconnecting), websocket and REST sends, REST reads, for an
    hour at half the benchmarked capacity; the servers' memory sampled throughout."""
    seconds = world.long_seconds
    result = Result(
        f"R5 {seconds:.0f} s of mixed load",
        "At half the benchmarked capacity for an hour, at most 0.025% of requests fail with a "
        "server error, p99 stays within 2 s, memory stays flat and every message arrives.",
    )
    count = sockets("R5", world.scale)
    deliveries = array("d")
    readers = _readers(world, count)
    for reader in readers:
        reader.latencies = deliveries
        reader.start()
    await _until(lambda: all(r.resumed_at for r in readers), 60)
    run = f"r5-{uuid.uuid4().hex[:8]}-"
    ws_rate = DELIVERIES_PER_SECOND / count - REST_PER_SECOND / 10  # messages/s by websocket
    ids = [f"{run}ws{i}" for i in range(int(ws_rate * seconds))]
    senders = [
        Sender(ws_url(world.url(i), world.tokens[0]), world.group_id, stamp=True) for i in range(2)
    ]
    rest = RestLoad(world.site.urls(), world.tokens[0], world.group_id, run=f"{run}rest")
    memory: list[list[tuple[float, float]]] = [[] for _ in world.site.ports]
    started = time.monotonic()

    async def sample_memory() -> None:
        while True:
            for index, pid in enumerate(world.site.pids()):
                memory[index].append((time.monotonic() - started, _rss_mib(pid)))
            await asyncio.sleep(min(10.0, seconds / 30))

    async def reload_tabs() -> None:  # a reader reconnects every 5 s, as reloaded tabs do
        while True:
            await asyncio.sleep(5)
            await random.choice(readers).reconnect()

    async def progress() -> None:  # a line a minute (a tenth of a short run)
        while True:
            await asyncio.sleep(min(60.0, seconds / 10))
            rss = ", ".join(f"{m[-1][1]:.0f}" for m in memory if m)
            print(
                f"  R5 {time.monotonic() - started:6.0f}/{seconds:.0f} s: "
                f"{rest.statuses.total()} REST answers {dict(rest.statuses)}, "
                f"{sum(len(s.acked) for s in senders)} websocket acks, "
                f"{len(deliveries)} deliveries, servers' memory {rss} MiB",
                flush=True,
            )

    background = [asyncio.create_task(task()) for task in (sample_memory, reload_tabs, progress)]
    await asyncio.gather(
        rest.run_for(seconds, rate=REST_PER_SECOND),
        *(s.send_all(ids[i::2], rate=ws_rate / 2) for i, s in enumerate(senders)),
    )
    for task in background:
        task.cancel()
    stored = world.stored(run)
    stored_ids = [message_id for message_id, _ in stored]
    await _until(lambda: all(r.has_all(set(stored_ids)) for r in readers), 30)
    for reader in readers:
        await reader.stop()
    requests = rest.statuses.total() + len(ids)
    server_errors = sum(n for status, n in rest.statuses.items() if str(status).startswith("5"))
    server_errors += sum(s.server_errors for s in senders)
    acks = [took for s in senders for took in s.ack_latencies]
    slopes = [_slope_mib_per_hour(samples) for samples in memory]
    result.figures.update(
        sockets=count,
        seconds=round(seconds),
        requests=requests,
        answers=dict(rest.statuses),
        server_error_pct=round(100 * server_errors / max(1, requests), 4),
        rest_p99_ms=_p99_ms(rest.latencies),
        ack_p99_ms=_p99_ms(acks),
        delivery_p99_ms=_p99_ms(deliveries),
        deliveries=len(deliveries),
        memory_mib=[f"{m[0][1]:.0f} -> {m[-1][1]:.0f}" for m in memory if m],
        memory_slope_mib_per_h=[round(slope, 1) for slope in slopes],
    )
    result.check(server_errors <= 0.00025 * requests, f"{server_errors} server errors")
    for name in ("rest_p99_ms", "ack_p99_ms", "delivery_p99_ms"):
        result.check(result.figures[name] <= 2000, f"{name} over 2 s")
    expected = {c for s in senders for c in s.acked} | set(rest.sent)
    result.check(expected <= {c for _, c in stored}, "an acknowledged message is not stored")
    result.check(len(stored) == len(ids) + len(rest.sent), "a message was stored twice or lost")
    _check_readers(result, readers, stored_ids)
    if seconds >= 600:  # a short run's slope is its warm-up
        result.check(max(slopes) <= MEMORY_SLOPE_MIB_PER_HOUR, "memory grows")
    return result


MEMORY_SLOPE_MIB_PER_HOUR = 10  # after the first tenth of the run


def _p99_ms(values) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else -1.0


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _slope_mib_per_hour(samples: list[tuple[float, float]]) -> float:
    """The least-squares slope of resident memory, leaving out the first tenth (warm-up)."""
    settled = samples[len(samples) // 10 :]
    if len(settled) < 2:
        return 0.0
    times, sizes = zip(*settled, strict=True)
    return statistics.linear_regression(times, sizes).slope * 3600


SCENARIOS = {
    "R1": redis_killed_twice,
    "R2": sent_three_times,
    "R3": offline_then_resume,
    "R4": postgres_restart_and_kill_9,
    "R6": reconnect_storm,
    "R7": worker_killed,
    "R5": mixed_load,  # last: an hour
}
LONG = {"R5"}  # run only when asked for (`--long`, `--only R5`)
