"""`python -m bench`: run the scenarios, print the summary, write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import traceback
from dataclasses import asdict, replace
from pathlib import Path

from bench import document
from bench.conditions import Conditions, redis_version
from bench.procstat import MachineMeter, raise_open_file_limit
from bench.report import Results, summary_rows, text_table
from bench.scenarios import fanout, history, idle, large_group, mentions, rest_send, storm
from bench.seed import Plan, seed
from bench.server import ROOT, SERVERS, Server, ServerError, manage, site_environment
from bench.sizes import Sizes, sizes_for
from bench.stage import Stage

# In the order they run. REST send goes last: past its saturation point every request holds a
# database connection, and the server can exhaust PostgreSQL's for a while.
SCENARIOS = {
    "fanout": fanout.run,
    "large": large_group.run,
    "mentions": mentions.run,
    "storm": storm.run,
    "idle": idle.run,
    "history": history.run,
    "rest": rest_send.run,
}
DEFAULT_OUT = ROOT / "docs" / "benchmarks.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of docs/benchmarks.md. Uses PostgreSQL and Redis when "
        "DATABASE_URL and REDIS_URL are set, otherwise SQLite and the in-memory channel layer.",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes, seconds")
    parser.add_argument(
        "--only",
        type=_scenario_list,
        default=list(SCENARIOS),
        help=f"comma-separated scenarios to run, of: {','.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--server", choices=SERVERS, default="daphne")
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes, one port each, clients spread over them (needs REDIS_URL)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the Markdown report to write, plots in a folder beside it "
        "(default: docs/benchmarks.md; a --quick run writes none unless told)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON")
    parser.add_argument(
        "--history-messages",
        type=_count_list,
        help="comma-separated sizes of the history groups (default 1000000,10000000: "
        "the p99 at 10M is compared with the one at 1M)",
    )
    parser.add_argument(
        "--load-processes", type=_positive, help="load-generator processes (default 2)"
    )
    args = parser.parse_args(argv)
    if args.workers > 1 and not os.environ.get("REDIS_URL"):
        parser.error("--workers above 1 needs REDIS_URL: the in-memory layer is per process")
    if args.out is None and not args.quick:
        args.out = DEFAULT_OUT
    return args


def _scenario_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown scenario {unknown}; of: {','.join(SCENARIOS)}")
    return [name for name in SCENARIOS if name in names]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _count_list(text: str) -> tuple[int, ...]:
    return tuple(_positive(part.replace("_", "")) for part in text.split(","))


def run(args: argparse.Namespace, conditions: Conditions) -> tuple[Results, Sizes]:
    sizes = sizes_for(
        quick=args.quick,
        history_messages=args.history_messages,
        postgresql=os.environ.get("DATABASE_URL", "").startswith("postgres"),
    )
    if args.load_processes:
        sizes = replace(sizes, load_processes=args.load_processes)
    results = Results()
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        env = site_environment(Path(workdir))
        manage(env, "migrate", "--no-input")
        run_id = secrets.token_hex(4)
        seeded = seed(
            env,
            Plan(
                users=sizes.users,
                group_size=sizes.fanout_members,
                large_group=sizes.large_members,
                run_id=run_id,
            ),
        )
        conditions.server = f"{args.server} {conditions.packages.get(args.server, '')}"
        conditions.workers = args.workers
        conditions.database = seeded.database
        conditions.channel_layer = seeded.channel_layer
        conditions.redis = redis_version(env["REDIS_URL"]) if env.get("REDIS_URL") else None
        conditions.load_processes = sizes.load_processes
        configured = "from DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded default"
        print(
            f"bench: {args.server} x {args.workers}; database {seeded.database} ({configured}); "
            f"channel layer {seeded.channel_layer}"
            + ("" if os.environ.get("REDIS_URL") else " (embedded default: REDIS_URL not set)"),
            file=sys.stderr,
        )
        with Server(args.server, args.workers, env, Path(workdir)) as server:
            stage = Stage(server=server, seeded=seeded, sizes=sizes, run_id=run_id)
            for name in args.only:
                run_scenario(stage, name, results)
    return results, sizes


def run_scenario(stage: Stage, name: str, results: Results) -> None:
    """Run one scenario into `results`; a failure is recorded, and the next one still runs."""
    stage.wait_for_quiet_server()
    try:
        setattr(results, name, SCENARIOS[name](stage))
    except Exception as error:
        last_line = (str(error).strip().splitlines() or [""])[-1]  # a worker's traceback ends so
        results.failed[name] = f"{type(error).__name__}: {last_line}"
        traceback.print_exc()
        for index in range(len(stage.server.processes)):
            print(f"--- server {index} log ---\n{stage.server.log_tail(index)}", file=sys.stderr)
        stage.progress(f"{name} FAILED: {results.failed[name]}")


def _report_options(argv: list[str]) -> str:
    """The options to reproduce the report with: all but where the raw JSON went."""
    kept, skip = [], False
    for arg in argv:
        if skip or arg.startswith("--json="):
            skip = False
            continue
        skip = arg == "--json"
        if not skip:
            kept.append(arg)
    return " ".join(kept)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_file_limit()
    conditions = Conditions.measure()
    meter = MachineMeter()
    try:
        results, sizes = run(args, conditions)
    except ServerError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    conditions.finish(meter)
    print(text_table(summary_rows(results)))
    if args.out:
        options = _report_options(sys.argv[1:] if argv is None else argv)
        document.write(args.out, conditions, results, sizes, quick=args.quick, options=options)
        print(f"\nwrote {args.out}", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps({"conditions": asdict(conditions), **asdict(results)}, indent=1)
        )
    return 1 if results.failed else 0
