"""A progress display for long management commands, written to the command's stderr.

On a terminal one line is redrawn in place (bar, percent, count, rate); in a log (not a
terminal) a line is written at every tenth, so logs stay readable.
"""

from __future__ import annotations

import time

from django.core.management.base import OutputWrapper

BAR_WIDTH = 30


class ProgressBar:
    def __init__(self, out: OutputWrapper, *, label: str, total: int, enabled: bool = True) -> None:
        self.out = out
        self.enabled = enabled
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.started = time.monotonic()
        self.interactive = out.isatty()
        self._shown = -1  # the last percent (terminal) or tenth (log) written

    def __call__(self, steps: int) -> None:
        """Record `steps` more steps done and redraw when the display would change."""
        self.done = min(self.done + steps, self.total)
        percent = 100 * self.done // self.total if self.total else 100
        mark = percent if self.interactive else percent // 10
        if self.enabled and mark != self._shown:
            self._shown = mark
            self._draw(percent)

    def finish(self) -> float:
        """End the display; returns the seconds elapsed."""
        if self.enabled and self.interactive and self._shown >= 0:
            self.out.write("", ending="\n")
        return time.monotonic() - self.started

    def _draw(self, percent: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = f"{self.done / elapsed:,.0f}/s" if elapsed > 0 else ""
        filled = BAR_WIDTH * percent // 100
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        line = f"{self.label} [{bar}] {percent:3d}% {self.done:,}/{self.total:,} {rate}"
        if self.interactive:
            self.out.write(f"\r{line}", ending="")
            self.out.flush()
        else:
            self.out.write(line)
