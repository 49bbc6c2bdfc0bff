"""PNG plots of the stepped scenarios (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bench.scenarios.fanout import DELIVERIES_TARGET, FanoutResult
from bench.scenarios.fanout import P99_TARGET_MS as FANOUT_P99_MS
from bench.scenarios.rest_send import P50_TARGET_MS, P99_TARGET_MS, RestSendResult


def _save(figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def fanout_latency(result: FanoutResult, path: Path) -> None:
    offered = [step.offered * result.members for step in result.steps]
    figure, axes = plt.subplots(figsize=(7, 4.2))
    for name in ("p50", "p95", "p99"):
        values = [getattr(step.latency, name) for step in result.steps]
        axes.plot(offered, values, marker="o", label=name)
    axes.axhline(
        FANOUT_P99_MS, color="grey", linestyle="--", label=f"p99 target {FANOUT_P99_MS} ms"
    )
    lossy = [(o, s.latency.p99) for o, s in zip(offered, result.steps, strict=True) if s.lost]
    if lossy:
        axes.scatter(*zip(*lossy, strict=True), color="red", zorder=3, label="messages lost")
    axes.set_yscale("log")
    axes.set_xlabel("offered load (deliveries/s = messages/s x members)")
    axes.set_ylabel("send-to-delivery latency (ms)")
    axes.set_title(f"Fan-out: {result.groups} groups x {result.members} members")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    _save(figure, path)


def fanout_throughput(result: FanoutResult, path: Path) -> None:
    offered = [step.offered * result.members for step in result.steps]
    delivered = [step.deliveries_per_second for step in result.steps]
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot(offered, offered, color="grey", linestyle=":", label="offered")
    axes.plot(offered, delivered, marker="o", label="delivered")
    axes.axhline(DELIVERIES_TARGET, color="grey", linestyle="--", label="target")
    failing = [(o, d) for o, d, s in zip(offered, delivered, result.steps, strict=True) if not s.ok]
    if failing:
        axes.scatter(
            *zip(*failing, strict=True), color="red", zorder=3, label="lost or p99 > target"
        )
    axes.set_xlabel("offered load (deliveries/s)")
    axes.set_ylabel("deliveries/s")
    axes.set_title("Fan-out: deliveries/s against offered load")
    axes.grid(True, alpha=0.3)
    axes.legend()
    _save(figure, path)


def rest_latency(result: RestSendResult, path: Path) -> None:
    offered = [step.offered for step in result.steps]
    figure, axes = plt.subplots(figsize=(7, 4.2))
    for name in ("p50", "p95", "p99"):
        axes.plot(offered, [getattr(s.latency, name) for s in result.steps], marker="o", label=name)
    axes.axhline(P50_TARGET_MS, color="grey", linestyle=":", label=f"p50 target {P50_TARGET_MS} ms")
    axes.axhline(
        P99_TARGET_MS, color="grey", linestyle="--", label=f"p99 target {P99_TARGET_MS} ms"
    )
    axes.set_yscale("log")
    axes.set_xlabel("offered load (requests/s)")
    axes.set_ylabel("latency (ms)")
    axes.set_title("REST send: POST /api/v1/groups/{id}/messages/")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    _save(figure, path)
