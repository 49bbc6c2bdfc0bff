"""What /proc says about a process and the machine: resident memory and CPU time."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """VmRSS of the process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


class CpuMeter:
    """CPU used by a set of processes between two readings, as a percentage of one core."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.started = time.monotonic()
        self.cpu = sum(cpu_seconds(pid) for pid in pids)

    def percent(self) -> float:
        elapsed = time.monotonic() - self.started
        used = sum(cpu_seconds(pid) for pid in self.pids) - self.cpu
        return 100 * used / elapsed if elapsed > 0 else 0.0


def machine_busy_seconds() -> float:
    """CPU time all cores together have spent busy since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS


def own_busy_seconds() -> float:
    """CPU time of this process and of its children that have ended (and been waited for)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class MachineMeter:
    """How busy the machine was, and how much of that was this process and its children, as
    per cent of ONE core (200% = both cores of a two-core machine fully busy)."""

    def __init__(self):
        self.started = time.monotonic()
        self.machine = machine_busy_seconds()
        self.own = own_busy_seconds()

    def percents(self) -> tuple[float, float]:
        elapsed = time.monotonic() - self.started
        machine = machine_busy_seconds() - self.machine
        own = own_busy_seconds() - self.own
        return 100 * machine / elapsed, 100 * own / elapsed


def raise_open_file_limit() -> int:
    """Lift the soft limit on open files to the hard limit (inherited by child processes)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard
