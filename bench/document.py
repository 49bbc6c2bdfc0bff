"""docs/benchmarks.md: the figures, how they were measured, under which conditions, and plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench import plots
from bench.conditions import CALIBRATION, Conditions
from bench.report import Results, Row, summary_rows
from bench.scenarios import fanout, history, idle, large_group, mentions, rest_send, storm
from bench.sizes import Sizes
from bench.stats import ms

BUSY_NOTE_PERCENT = 20  # of one core, busy before the run: worth a warning above the figures

FANOUT_METHOD = """\
{groups} groups x {members} members, one socket each; {senders} members of each group send
`message.send` frames at a fixed rate (open loop), stepped up until two steps in a row lose
messages.
Every member checks it got every message of its group exactly once (the client_id carries the
sender and a running number). Latency runs from the scheduled send time to the `message.new`
frame: one monotonic clock, all processes on one machine. A message still missing
{drain:g} s after its step ends is lost. CPU is per cent of one core (200% = both cores).
Stored: {stored:,} of {sent:,} messages sent, counted from the `seq` of each group's newest
message through the REST history."""

LARGE_METHOD = """\
One message at a time to a group of {members:,} members, each on its own socket; the next is
sent once every member has the previous one. The figure is the time from the send until the
last member has the message."""

MENTIONS_METHOD = """\
The large group's {members:,} members on their sockets and one worker (`manage.py worker`,
polling every 0.5 s). One member sends {messages} messages one at a time, every other one
`@all`; the next is sent once every member has the previous one and, for `@all`, every member
but the sender its `notification.new` (sent after the commit that made the notification). The
worker makes the notifications in bulk; the send only enqueues its job. Targets (issue 13):
an `@all` ack no more than {extra} ms slower than a plain one at p50; every notification
within {until:,} ms of the send."""

IDLE_METHOD = """\
{sockets:,} authenticated sockets (one user each) opened on ONE server process, then left alone.
Memory is the server's VmRSS before and {settle:g} s after they opened; CPU is the server's over
{seconds:g} s of idleness (its keep-alive pings included)."""

STORM_METHOD = """\
{sockets:,} sockets start their handshakes at the same moment. The contract subscribes a socket
to its groups before its handshake completes, so "all subscribed" is the last handshake done."""

HISTORY_METHOD = """\
A public group filled by `manage.py seed_demo --messages N`; GET
`/api/v1/groups/{id}/messages/?limit=50` (newest) and `?before=<oldest id + 1,000>&limit=50`
(deep; half the group above the oldest when it is smaller), one request at a time on one
kept-alive connection, after a warm-up. Client time includes the loopback round trip and JSON
parsing; server time is the Server-Timing header's, when the site sends one."""

REST_METHOD = """\
POST `/api/v1/groups/{{id}}/messages/` by the {senders} members of the fan-out's {groups}
groups, in turn, at a fixed rate (open loop), stepped up, at most {in_flight} requests in
flight (the others wait in the client); latency runs from each request's scheduled start.
"Sustained": every request got its 201 and p99 stayed under {sustained} ms (no growing
queue). Stored: {stored:,} of {created:,} created."""


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _section(title: str, method: str, table: str, images: Sequence[tuple[str, str]] = ()) -> str:
    pictures = "".join(f"\n![{alt}]({image})" for alt, image in images)
    return f"## {title}\n\n{method}\n\n{table}\n{pictures}\n"


def _summary(rows: list[Row]) -> str:
    return _table(
        ["metric", "measured", "target", ""],
        [
            [r.metric, r.measured, r.target, f"**{r.verdict}**" if r.met is False else r.verdict]
            for r in rows
        ],
    )


def _load(load: tuple[float, float, float] | None) -> str:
    return " / ".join(f"{value:.2f}" for value in load) if load else "n/a"


def _conditions(c: Conditions) -> str:
    processes = (
        f"{c.workers} processes on {c.workers} ports (no proxy, no SO_REUSEPORT: the load "
        "processes spread their clients over the ports)"
        if c.workers > 1
        else "1 process"
    )
    rows = [
        ["date", c.date],
        ["commit", c.commit],
        ["server", f"{c.server}, {processes}; DEBUG off, rate limits off, no access log"],
        ["channel layer", c.channel_layer],
        ["database", c.database],
        ["Redis", c.redis or "not used"],
        ["Python", c.python],
        ["packages", ", ".join(f"{name} {version}" for name, version in c.packages.items())],
        ["machine", f"{c.cpu_model}, {c.cpu_count} cores, {c.memory_gib:.1f} GiB"],
        [
            "Python speed",
            f"`{CALIBRATION}` in {c.python_speed_ms:.1f} ms (a fixed piece of Python, to "
            "compare machines: the figures here scale with it)",
        ],
        [
            "load generator",
            f"the same machine: {c.load_processes} processes (more for the idle sockets), "
            "websockets and aiohttp clients on uvloop",
        ],
        ["other load", _other_load(c)],
    ]
    return _table(["", ""], rows)


def _busy_machine_note(c: Conditions) -> str:
    """A warning above the figures when other processes were using the CPU as the run began."""
    if c.busy_before_percent < BUSY_NOTE_PERCENT:
        return ""
    return (
        f"**Other processes were using the CPU when this run began** ({c.busy_before_percent:.0f}% "
        "of one core; see Conditions): the figures are worse and noisier than on a quiet "
        "machine.\n"
    )


def _other_load(c: Conditions) -> str:
    text = (
        f"CPU in per cent of one core ({100 * c.cpu_count}% = all cores busy): "
        f"{c.busy_before_percent:.0f}% busy just before the run (other processes)"
    )
    # Both are set together, by Conditions.finish.
    if c.busy_during_percent is not None and c.own_during_percent is not None:
        others = c.busy_during_percent - c.own_during_percent
        text += (
            f"; {c.busy_during_percent:.0f}% during it, of which {c.own_during_percent:.0f}% "
            f"the harness, its server and load processes, and {others:.0f}% PostgreSQL, Redis "
            "and any other process"
        )
    return (
        text
        + f". Load average {_load(c.load_before)} at the start, {_load(c.load_after)} at the end"
    )


def _fanout(result: fanout.FanoutResult, sizes: Sizes, images: list[tuple[str, str]]) -> str:
    header = ["offered msgs/s", "sent", "acked", "offered deliveries/s", "deliveries/s", "lost"]
    header.append("dup")
    header += ["p50 ms", "p95 ms", "p99 ms", "max ms", "send lag p99 ms"]
    header += ["server CPU", "load CPU", "errors"]
    rows = [
        [
            f"{s.offered:,}",
            f"{s.sent:,}",
            f"{s.acked:,}",
            f"{s.offered * result.members:,}",
            f"{s.deliveries_per_second:,.0f}",
            f"{s.lost:,}",
            str(s.duplicates),
            *(ms(value) for value in (s.latency.p50, s.latency.p95, s.latency.p99, s.latency.max)),
            ms(s.send_lag_p99_ms),
            f"{s.server_cpu_percent:.0f}%",
            f"{s.client_cpu_percent:.0f}%",
            "; ".join(s.errors) or "-",
        ]
        for s in result.steps
    ]
    method = FANOUT_METHOD.format(
        groups=result.groups,
        members=result.members,
        senders=result.senders,
        drain=sizes.drain_seconds,
        stored=result.stored,
        sent=result.sent,
    )
    return _section("1. Fan-out", method, _table(header, rows), images)


def _large(result: large_group.LargeGroupResult) -> str:
    t = result.until_last
    header = ["messages", "lost", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"]
    row = [str(result.messages), str(result.lost), ms(t.p50), ms(t.p95), ms(t.p99), ms(t.max)]
    row.append("; ".join(result.errors) or "-")
    method = LARGE_METHOD.format(members=result.members)
    return _section("2. Large group", method, _table(header, [row]))


def _mentions(result: mentions.MentionsResult) -> str:
    method = MENTIONS_METHOD.format(
        members=result.members,
        messages=result.messages,
        extra=mentions.ACK_EXTRA_P50_TARGET_MS,
        until=mentions.UNTIL_NOTIFIED_TARGET_MS,
    )
    if result.skipped:
        return _section("7. Mentions (@all)", method, f"Not measured: {result.skipped}.")
    header = ["figure", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    rows = [
        [name, str(t.count), ms(t.p50), ms(t.p95), ms(t.p99), ms(t.max)]
        for name, t in (
            ("ack of a plain send", result.plain_ack),
            ("ack of an @all send", result.all_ack),
            ("send until every member's notification", result.until_all_notified),
        )
    ]
    table = _table(header, rows) + f"\n\nLost notifications: {result.lost}."
    if result.errors:
        table += " Errors: " + "; ".join(result.errors) + "."
    return _section("7. Mentions (@all)", method, table)


def _idle(result: idle.IdleResult) -> str:
    header = ["sockets", "failed to open", "RSS before", "RSS after", "RSS at the end"]
    header += ["per socket", "idle CPU", "time to open all"]
    row = [
        f"{result.sockets:,}",
        str(result.failures),
        *(f"{kib / 1024:.0f} MiB" for kib in (result.rss_before_kib, result.rss_after_kib)),
        f"{result.rss_end_kib / 1024:.0f} MiB",
        f"{result.kib_per_socket:.1f} KiB",
        f"{result.cpu_percent:.1f}% of a core",
        f"{result.open_seconds:.1f} s",
    ]
    method = IDLE_METHOD.format(
        sockets=result.sockets, settle=result.settle_seconds, seconds=result.idle_seconds
    )
    table = _table(header, [row]) + _reasons(result.failure_reasons)
    return _section("3. Idle connections", method, table)


def _reasons(reasons: list[str]) -> str:
    return "".join(f"\n\n- failure: `{reason}`" for reason in reasons)


def _storm(result: storm.StormResult) -> str:
    h, until = result.handshake, result.all_subscribed_seconds
    header = ["sockets", "failures", "all subscribed", "handshake p50 ms", "p99 ms", "max ms"]
    row = [f"{result.sockets:,}", str(result.failures)]
    row += [f"{until:.2f} s" if until is not None else "n/a", ms(h.p50), ms(h.p99), ms(h.max)]
    table = _table(header, [row]) + _reasons(result.failure_reasons)
    return _section("4. Connect storm", STORM_METHOD.format(sockets=result.sockets), table)


def _history(items: list[history.HistoryResult]) -> str:
    header = ["messages", "page", "requests", "client p50 ms", "client p99 ms"]
    header += ["server p50 ms", "server p99 ms", "wrong pages"]
    rows = []
    for item in items:
        for name, page in (("newest", item.newest), ("deep before=", item.deep)):
            server = page.server
            rows.append(
                [f"{item.messages:,}", name, str(item.requests)]
                + [ms(page.client.p50, 2), ms(page.client.p99, 2)]
                + ([ms(server.p50, 2), ms(server.p99, 2)] if server else ["no Server-Timing", "-"])
                + [str(page.wrong_pages)]
            )
    return _section("5. History", HISTORY_METHOD, _table(header, rows))


def _rest(result: rest_send.RestSendResult, sizes: Sizes, images: list[tuple[str, str]]) -> str:
    header = ["offered req/s", "answered/s", "201", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    header += ["server CPU", "errors"]
    rows = [
        [f"{s.offered:,}", f"{s.achieved:,.0f}", f"{s.created:,} of {s.requests:,}"]
        + [ms(value) for value in (s.latency.p50, s.latency.p95, s.latency.p99, s.latency.max)]
        + [f"{s.server_cpu_percent:.0f}%", "; ".join(s.errors) or "-"]
        for s in result.steps
    ]
    method = REST_METHOD.format(
        senders=sizes.fanout_groups * sizes.fanout_members,
        groups=sizes.fanout_groups,
        sustained=rest_send.SUSTAINED_P99_MS,
        in_flight=rest_send.CONNECTIONS_PER_PROCESS * sizes.load_processes,
        stored=result.stored,
        created=result.created,
    )
    return _section("6. REST send", method, _table(header, rows), images)


def _plot(path: Path, name: str, alt: str, draw, result) -> tuple[str, str]:
    """Draw the plot beside the document (docs/benchmarks/NAME.png): (alt, relative path)."""
    draw(result, path.parent / path.stem / f"{name}.png")
    return alt, f"{path.stem}/{name}.png"


def write(
    path: Path,
    conditions: Conditions,
    results: Results,
    sizes: Sizes,
    quick: bool,
    options: str = "",
) -> None:
    run = " (a --quick smoke run: tiny sizes)" if quick else ""
    command = f'make bench BENCH_ARGS="{options}"' if options else "make bench"
    sections = [
        "# Benchmarks\n",
        f"Measured {conditions.date}{run}. Reproduce with `{command}` (PostgreSQL and Redis "
        "when `DATABASE_URL` and `REDIS_URL` are set; `make bench BENCH_ARGS=--help` lists the "
        "options). The targets are issue 6's, for a two-core machine with the load generator "
        "on the same machine. What limits each target, with profiles, and the changes made "
        "so far: [performance.md](performance.md).\n",
        _busy_machine_note(conditions),
        "## Summary\n",
        _summary(summary_rows(results)) + "\n",
        "## Conditions\n",
        _conditions(conditions) + "\n",
    ]
    if results.fanout:
        images = [
            _plot(
                path,
                "fanout-latency",
                "fan-out latency percentiles against offered load",
                plots.fanout_latency,
                results.fanout,
            ),
            _plot(
                path,
                "fanout-throughput",
                "fan-out deliveries/s against offered load",
                plots.fanout_throughput,
                results.fanout,
            ),
        ]
        sections.append(_fanout(results.fanout, sizes, images))
    if results.large:
        sections.append(_large(results.large))
    if results.mentions:
        sections.append(_mentions(results.mentions))
    if results.idle:
        sections.append(_idle(results.idle))
    if results.storm:
        sections.append(_storm(results.storm))
    if results.history:
        sections.append(_history(results.history))
    if results.rest:
        images = [
            _plot(
                path,
                "rest-latency",
                "REST send latency against offered load",
                plots.rest_latency,
                results.rest,
            )
        ]
        sections.append(_rest(results.rest, sizes, images))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(section for section in sections if section))
