"""Users, tokens and groups for a run: `seed(env, plan)` runs bench.seeder in the site's
environment (a JSON plan on its stdin, the JSON answer on its stdout).

Users are created once and reused across runs (`bench00000`...); the run's groups are new each
run, and the previous run's are deleted first. Users get an unusable password and an API
token: registering every user through the API would spend the seeding time hashing passwords,
which is not what is measured (how long it would take: docs/performance.md).

Every user belongs to one "home" group of `group_size` consecutive users (the fan-out uses the
first of them); the "large" group holds the first `large_group` users.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass

from bench.server import ROOT, ServerError


@dataclass(frozen=True)
class Plan:
    users: int
    group_size: int
    large_group: int
    run_id: str


@dataclass(frozen=True)
class Seeded:
    user_ids: list[int]
    tokens: list[str]
    home_groups: list[int]  # home_groups[i] holds users i*group_size .. (i+1)*group_size - 1
    large_group: int | None
    database: str
    channel_layer: str


def seed(env: dict[str, str], plan: Plan) -> Seeded:
    result = subprocess.run(
        [sys.executable, "-m", "bench.seeder"],
        cwd=ROOT,
        env=env,
        input=json.dumps(asdict(plan)),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ServerError(f"seeding failed:\n{result.stdout}{result.stderr}")
    return Seeded(**json.loads(result.stdout))
