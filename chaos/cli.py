"""`python -m chaos [--short] [--long] [--only R1,R3] [--write-docs]`: start the suite's own
PostgreSQL, Redis and two server processes, run the scenarios, print a line of figures for
each, and exit non-zero on any broken promise. `--long` adds R5, an hour of mixed load;
`--write-docs` puts the figures into docs/reliability.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench.seed import Plan, seed
from bench.server import ROOT

from .processes import Postgres, Redis, Site
from .scenarios import LONG, SCENARIOS, Result, World, sockets

DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- chaos figures: begin -->", "<!-- chaos figures: end -->"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--short", action="store_true", help="the short run CI makes")
    parser.add_argument("--only", help="scenarios, e.g. R1,R3 (default: all but R5)")
    parser.add_argument("--long", action="store_true", help="add R5, an hour of mixed load")
    parser.add_argument(
        "--long-seconds", type=float, default=3600, help="R5's duration (default an hour)"
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/reliability.md")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the folder of data and logs")
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(f"[chaos {time.monotonic() - _started:7.1f}s] {message}", flush=True)


_started = time.monotonic()


async def _run(world: World, names: list[str]) -> list[Result]:
    results = []
    for name in names:
        _log(f"{name} ...")
        result = await SCENARIOS[name](world)
        figures = ", ".join(f"{key} {value}" for key, value in result.figures.items())
        verdict = "ok" if not result.failures else "FAILED: " + "; ".join(result.failures)
        _log(f"{result.name}: {figures} -> {verdict}")
        results.append(result)
    return results


def _commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


HEADER = "| scenario | promise | figures | verdict | run |"


def _write_docs(results: list[Result], short: bool) -> None:
    """Put the run's rows into docs/reliability.md's table, in place of the same scenarios'
    rows of earlier runs (each row says its commit and date): a run of some scenarios keeps
    the others' last figures."""
    run = f"`{_commit()}`, {time.strftime('%Y-%m-%d')}" + (", short" if short else "")
    text = DOC.read_text()
    before, _, rest = text.partition(BEGIN)
    table, _, after = rest.partition(END)
    rows = {
        line.split("|")[1].split()[0]: line for line in table.splitlines() if line.startswith("| R")
    }
    for result in results:
        figures = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.figures.items())
        verdict = "held" if not result.failures else "BROKEN: " + "; ".join(result.failures)
        rows[result.name.split()[0]] = (
            f"| {result.name} | {result.promise} | {figures} | {verdict} | {run} |"
        )
    ordered = [rows[key] for key in sorted(rows, key=lambda key: int(key[1:]))]
    lines = [BEGIN, HEADER, "|---|---|---|---|---|", *ordered, END]
    DOC.write_text(before + "\n".join(lines) + after)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
    else:
        names = [name for name in SCENARIOS if args.long or name not in LONG]
    scale = 0.2 if args.short else 1.0
    folder = tempfile.mkdtemp(prefix="chaos-")
    workdir = Path(folder)
    workdir.chmod(0o755)  # PostgreSQL's own user reaches its folder in it
    postgres, redis = Postgres(workdir / "postgres"), Redis(workdir)
    site = None
    try:
        _log(f"starting PostgreSQL and Redis of the suite's own in {folder}")
        postgres.start()
        postgres.create_database()
        redis.start()
        site = Site(workdir, count=2, database=postgres.url, redis=redis.url)
        site.migrate()
        users = 1 + max(sockets(name, scale) for name in names)  # and the sender
        seeded = seed(
            site.env,
            Plan(users=users, group_size=users, large_group=0, run_id=uuid.uuid4().hex),
        )
        site.start()
        _log(f"two daphne processes on ports {site.ports}; {users} members in one group")
        world = World(
            postgres, redis, site, seeded.home_groups[0], seeded.tokens, scale, args.long_seconds
        )
        results = asyncio.run(_run(world, names))
        tracebacks = site.count_in_logs("Traceback")
        errors = site.count_in_logs("Internal Server Error")
        _log(f"the servers' logs: {tracebacks} tracebacks, {errors} 500s")
    finally:
        if site is not None:
            site.stop()
        redis.kill()
        postgres.stop("immediate")
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    if args.write_docs:
        _write_docs(results, args.short)
    return 0 if all(not r.failures for r in results) else 1
