"""How big each scenario is: the targets' sizes (docs/performance.md), and a --quick smoke run
of a few seconds."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    fanout_groups: int = 10
    fanout_members: int = 10
    fanout_senders: int = 2
    fanout_rates: tuple[int, ...] = (100, 200, 300, 400, 600, 800, 1000, 1200, 1500, 2000)
    step_seconds: float = 10
    drain_seconds: float = 3
    large_members: int = 1000
    large_messages: int = 100
    mention_messages: int = 40  # to the large group, every other one @all
    idle_sockets: int = 10_000
    idle_seconds: float = 30
    idle_settle_seconds: float = 3  # before each memory reading
    idle_processes: int = 4  # 2,500 client sockets each, well under the open-file limit
    storm_sockets: int = 1000
    # The history target compares 10M with 1M (bench/report.py). Seeded once, because filling
    # the groups is slow (docs/performance.md), and reused by later runs.
    history_messages: tuple[int, ...] = (1_000_000, 10_000_000)
    history_requests: int = 500
    # From below the target, so that a server that cannot hold 200/s still shows what it holds.
    rest_rates: tuple[int, ...] = (50, 100, 150, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000)
    load_processes: int = 2

    @property
    def users(self) -> int:
        return max(
            self.fanout_groups * self.fanout_members,
            self.large_members,
            self.idle_sockets,
            self.storm_sockets,
        )


FULL = Sizes()

QUICK = Sizes(
    fanout_groups=2,
    fanout_members=4,
    fanout_rates=(10, 20),
    step_seconds=1,
    drain_seconds=1,
    large_members=12,
    large_messages=3,
    mention_messages=4,
    idle_sockets=24,
    idle_seconds=1,
    idle_settle_seconds=0.5,
    idle_processes=2,
    storm_sockets=24,
    history_messages=(300,),
    history_requests=10,
    rest_rates=(20,),
)


def sizes_for(
    *, quick: bool, history_messages: tuple[int, ...] | None, postgresql: bool = True
) -> Sizes:
    """The run's sizes. Without PostgreSQL the history stops at 1M: SQLite loads messages
    through the ORM, far too slowly for 10M (docs/performance.md)."""
    sizes = QUICK if quick else FULL
    if history_messages:
        return replace(sizes, history_messages=history_messages)
    if not postgresql:
        return replace(sizes, history_messages=sizes.history_messages[:1])
    return sizes
