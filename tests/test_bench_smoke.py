"""The benchmark harness keeps working: a --quick run against a real server counts right.

Never a speed: the figures of a smoke run on a busy test machine mean nothing. On PostgreSQL
the harness works in the test database (flushed afterwards); on the embedded default it makes
a SQLite file of its own.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def harness_environment() -> dict[str, str]:
    """The test run's environment, with DATABASE_URL pointing at the test database."""
    env = dict(os.environ)
    if connection.vendor == "postgresql":
        test_database = "/" + connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlsplit(env["DATABASE_URL"])._replace(path=test_database).geturl()
    else:
        env.pop("DATABASE_URL", None)
    return env


@pytest.fixture(scope="module")
def quick_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """One `python -m bench --quick` run: its exit code, output, JSON results and report."""
    out = tmp_path_factory.mktemp("bench")
    with django_db_blocker.unblock():
        completed = subprocess.run(
            [sys.executable, "-m", "bench", "--quick"]
            + ["--out", str(out / "benchmarks.md"), "--json", str(out / "results.json")],
            cwd=ROOT,
            env=harness_environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        yield completed, out
        if connection.vendor == "postgresql":
            call_command("flush", "--no-input", verbosity=0)


@pytest.fixture(scope="module")
def results(quick_run) -> dict:
    completed, out = quick_run
    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = json.loads((out / "results.json").read_text())
    assert data["failed"] == {}
    return data


def test_fanout_delivers_every_message_to_every_member_exactly_once(results):
    # given a quick run's fan-out
    fanout = results["fanout"]

    # then every message of every step reached every member of its group, once, in order
    assert fanout["steps"]
    for step in fanout["steps"]:
        assert step["sent"] > 0
        assert step["acked"] == step["sent"]
        assert step["delivered"] == step["expected"] == step["sent"] * fanout["members"]
        assert step["duplicates"] == step["out_of_order"] == 0
        assert step["errors"] == []
        assert step["latency"]["count"] == step["delivered"]


def test_fanout_counts_every_sent_message_stored(results):
    fanout = results["fanout"]

    assert fanout["stored"] == fanout["sent"] == sum(step["sent"] for step in fanout["steps"])


def test_large_group_delivers_each_message_to_every_member(results):
    large = results["large"]

    assert large["messages"] == 3
    assert large["lost"] == 0
    assert large["until_last"]["count"] == 3


def test_at_all_notifies_every_member_through_the_worker(results):
    # given
    mentions = results["mentions"]

    # then: with Redis, a worker's frames reach every member; the in-memory layer says why not
    if not os.environ.get("REDIS_URL"):
        assert mentions["skipped"] == "needs REDIS_URL"
        return
    assert mentions["messages"] == 4
    assert mentions["lost"] == 0
    assert mentions["plain_ack"]["count"] == mentions["all_ack"]["count"] == 2
    assert mentions["until_all_notified"]["count"] == 2


def test_connect_storm_and_idle_sockets_all_open(results):
    storm, idle = results["storm"], results["idle"]

    assert storm["failures"] == 0
    assert storm["handshake"]["count"] == storm["sockets"]
    assert storm["all_subscribed_seconds"] > 0
    assert idle["sockets"] > 0
    assert idle["rss_before_kib"] > 0
    assert idle["rss_after_kib"] > 0


def test_history_reads_full_pages(results):
    [history] = results["history"]

    for page in (history["newest"], history["deep"]):
        assert page["wrong_pages"] == 0
        assert page["client"]["count"] == history["requests"]


def test_rest_send_counts_every_created_message_stored(results):
    rest = results["rest"]

    assert rest["steps"]
    assert all(step["created"] == step["requests"] > 0 for step in rest["steps"])
    assert rest["stored"] == rest["created"]


def test_summary_table_and_report_with_plots_are_written(quick_run, results):
    completed, out = quick_run

    assert "1. fan-out: deliveries/s" in completed.stdout
    report = (out / "benchmarks.md").read_text()
    assert "## Conditions" in report
    assert "| Python speed | `sum(range(10**6))` in " in report
    # how to reproduce it: the options it ran with, except where the raw JSON went
    assert f'`make bench BENCH_ARGS="--quick --out {out / "benchmarks.md"}"`' in report
    for plot in ("fanout-latency", "fanout-throughput", "rest-latency"):
        assert f"benchmarks/{plot}.png" in report
        assert (out / "benchmarks" / f"{plot}.png").stat().st_size > 0
