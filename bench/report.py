"""The run's results: a summary table for the terminal, and docs/benchmarks.md with plots."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.scenarios import fanout, history, idle, large_group, mentions, rest_send, storm
from bench.stats import Latency, ms


@dataclass
class Results:
    fanout: fanout.FanoutResult | None = None
    large: large_group.LargeGroupResult | None = None
    mentions: mentions.MentionsResult | None = None
    storm: storm.StormResult | None = None
    idle: idle.IdleResult | None = None
    rest: rest_send.RestSendResult | None = None
    history: list[history.HistoryResult] | None = None
    failed: dict[str, str] = field(default_factory=dict)  # scenario -> what went wrong


@dataclass(frozen=True)
class Row:
    metric: str
    measured: str
    target: str
    met: bool | None  # None: reported, no target

    @property
    def verdict(self) -> str:
        return {True: "met", False: "NOT met", None: "-"}[self.met]


def _p(latency: Latency) -> str:
    return f"p50 {ms(latency.p50)} ms, p99 {ms(latency.p99)} ms"


def summary_rows(results: Results) -> list[Row]:
    rows = [
        Row(f"{name}: did not finish", error, "", False) for name, error in results.failed.items()
    ]
    if (fanout_result := results.fanout) is not None:
        best, lossless = fanout_result.best, fanout_result.best_lossless
        rows.append(
            Row(
                "1. fan-out: deliveries/s, 0 lost, p99 <= 50 ms",
                f"{best.deliveries_per_second:,.0f}/s (p99 {ms(best.latency.p99)} ms)"
                if best
                else "no step qualifies",
                ">= 10,000/s",
                best is not None and best.deliveries_per_second >= fanout.DELIVERIES_TARGET,
            )
        )
        rows.append(
            Row(
                "1. fan-out: highest step with 0 lost, any latency",
                f"{lossless.deliveries_per_second:,.0f}/s (p99 {ms(lossless.latency.p99)} ms)"
                if lossless
                else "every step lost messages",
                "report",
                None,
            )
        )
        rows.append(
            Row(
                "1. fan-out: every acknowledged message stored",
                f"{fanout_result.stored:,} stored, {fanout_result.acked:,} acked, "
                f"{fanout_result.sent:,} sent",
                "every acked one",
                fanout_result.stored >= fanout_result.acked,
            )
        )
    if (large_result := results.large) is not None:
        rows.append(
            Row(
                f"2. large group ({large_result.members:,}): until the last member",
                f"{_p(large_result.until_last)}, {large_result.lost} lost",
                "p99 <= 100 ms",
                large_result.ok,
            )
        )
    if (mentions_result := results.mentions) is not None:
        rows.extend(_mentions_rows(mentions_result))
    if (idle_result := results.idle) is not None:
        failed = f", {idle_result.failures} failed to open" if idle_result.failures else ""
        rows.append(
            Row(
                f"3. idle ({idle_result.sockets:,} sockets): memory each",
                f"{idle_result.kib_per_socket:.1f} KiB{failed}",
                "<= 50 KiB",
                idle_result.kib_per_socket <= idle.KIB_PER_SOCKET_TARGET
                and not idle_result.failures,
            )
        )
        rows.append(
            Row(
                "3. idle: server CPU",
                f"{idle_result.cpu_percent:.1f}% of a core",
                "<= 10%",
                idle_result.cpu_percent <= idle.CPU_PERCENT_TARGET,
            )
        )
    if (storm_result := results.storm) is not None:
        until = storm_result.all_subscribed_seconds
        rows.append(
            Row(
                f"4. connect storm ({storm_result.sockets:,} at once)",
                f"{storm_result.failures} failed; all subscribed in "
                + (f"{until:.2f} s" if until is not None else "n/a"),
                "0 failures",
                storm_result.ok,
            )
        )
    for item in results.history or []:
        timing = "server" if item.newest.server else "client"
        for name, page in (("newest page", item.newest), ("deep before= page", item.deep)):
            rows.append(
                Row(
                    f"5. history ({item.messages:,} msgs), {name}, {timing} time",
                    _p(page.server or page.client),
                    "p50 <= 3 ms, p99 <= 15 ms",
                    page.ok,
                )
            )
    rows.extend(_history_growth_rows(results.history or []))
    if (rest_result := results.rest) is not None:
        at_target = rest_result.at_target_rate
        rows.append(
            Row(
                "6. REST send at 200 requests/s",
                _p(at_target.latency) if at_target else "not run",
                "p50 <= 4 ms, p99 <= 15 ms",
                at_target.meets_targets if at_target else None,
            )
        )
        highest = rest_result.highest_sustained
        rows.append(
            Row(
                "6. REST send: highest sustained rate",
                f"{highest.offered:,} requests/s ({_p(highest.latency)})" if highest else "none",
                "report",
                None,
            )
        )
        rows.append(
            Row(
                "6. REST send: messages stored",
                f"{rest_result.stored:,} of {rest_result.created:,} created",
                "all",
                rest_result.stored == rest_result.created,
            )
        )
    return rows


def _mentions_rows(result: mentions.MentionsResult) -> list[Row]:
    title = f"7. @all to {result.members:,} members"
    if result.skipped:
        return [Row(f"{title}: not measured", result.skipped, "", None)]
    extra = result.ack_extra_p50
    until = result.until_all_notified
    return [
        Row(
            f"{title}: sender's ack, @all minus plain, p50",
            f"{ms(extra)} ms ({ms(result.all_ack.p50)} vs {ms(result.plain_ack.p50)} ms)",
            f"<= {mentions.ACK_EXTRA_P50_TARGET_MS} ms",
            extra is not None and extra <= mentions.ACK_EXTRA_P50_TARGET_MS,
        ),
        Row(
            f"{title}: until every member's notification",
            f"{_p(until)}, max {ms(until.max)} ms, {result.lost} lost",
            f"max <= {mentions.UNTIL_NOTIFIED_TARGET_MS:,} ms",
            result.lost == 0
            and until.max is not None
            and until.max <= mentions.UNTIL_NOTIFIED_TARGET_MS,
        ),
    ]


def _history_growth_rows(items: list[history.HistoryResult]) -> list[Row]:
    by_size = {item.messages: item for item in items}
    small, large = by_size.get(1_000_000), by_size.get(10_000_000)
    if not (small and large):
        return []
    rows = []
    for name in ("newest", "deep"):
        before, after = getattr(small, name), getattr(large, name)
        before_p99 = (before.server or before.client).p99
        after_p99 = (after.server or after.client).p99
        ratio = after_p99 / before_p99
        rows.append(
            Row(f"5. history {name}: p99 at 10M / at 1M", f"{ratio:.2f}x", "<= 1.2x", ratio <= 1.2)
        )
    return rows


def text_table(rows: list[Row]) -> str:
    header = ("metric", "measured", "target", "")
    lines = [header, *((r.metric, r.measured, r.target, r.verdict) for r in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(4)]
    rendered = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in rendered)
