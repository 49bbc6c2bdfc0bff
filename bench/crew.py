"""Load processes: each runs its own event loop with its own clients, separate from the harness
and from the server.

    with Crew(worker, specs) as crew:   # one process per spec: `await worker(spec, sync)`
        crew.meet()                      # every worker reached `await sync.meet()`
        crew.stop()                      # `sync.stopping()` returns in every worker
        results = crew.results()         # what each worker returned, in spec order

The barrier counts the harness as one party, so the harness can measure the server at a point
every worker has reached (all sockets open, say). Clocks: time.monotonic() is one clock for all
processes on the machine, so a time stamped in one process is compared in another.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import uvloop

from bench.clients import close_sockets
from bench.procstat import raise_open_file_limit

CONTEXT = multiprocessing.get_context("spawn")


class CrewError(RuntimeError):
    pass


@dataclass
class Sync:
    """What a worker shares with the harness and the other workers."""

    index: int
    barrier: Any  # multiprocessing Barrier
    stop_event: Any  # multiprocessing Event
    counters: Any  # multiprocessing Array of ints, or None

    async def meet(self, timeout: float = 600) -> None:
        await asyncio.to_thread(self.barrier.wait, timeout)

    def stop(self) -> None:
        self.stop_event.set()

    async def stopping(self) -> None:
        await asyncio.to_thread(self.stop_event.wait)


Worker = Callable[[Any, Sync], Coroutine[Any, Any, Any]]  # an async def


def _run_worker(worker: Worker, spec: Any, sync: Sync, results: Any) -> None:
    raise_open_file_limit()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        try:
            results.put((sync.index, ("ok", runner.run(worker(spec, sync)))))
        except BaseException:
            # Free every thread still waiting at the barrier or for the stop, here and in the
            # other processes, before the loop waits for its threads on the way out.
            sync.barrier.abort()
            sync.stop()
            results.put((sync.index, ("error", traceback.format_exc())))


class Crew:
    def __init__(self, worker: Worker, specs: list[Any], *, counters: int = 0):
        self.barrier = CONTEXT.Barrier(len(specs) + 1)
        self.stop_event = CONTEXT.Event()
        self.counters = CONTEXT.Array("q", counters) if counters else None
        self.queue = CONTEXT.Queue()
        self.processes = [
            CONTEXT.Process(
                target=_run_worker,
                args=(
                    worker,
                    spec,
                    Sync(index, self.barrier, self.stop_event, self.counters),
                    self.queue,
                ),
                daemon=True,
            )
            for index, spec in enumerate(specs)
        ]
        self._results: dict[int, tuple[str, Any]] = {}

    @property
    def pids(self) -> list[int | None]:
        """The load processes' ids; None for a process not started yet (outside `with`)."""
        return [process.pid for process in self.processes]

    def __enter__(self) -> Crew:
        for process in self.processes:
            process.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_event.set()
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()

    def meet(self, timeout: float = 600) -> None:
        """Wait until every worker is at `sync.meet()`; a worker's failure raises CrewError."""
        try:
            self.barrier.wait(timeout)
        except Exception:
            self.results(timeout=10)  # raises the worker's error when there is one
            raise CrewError("the load processes did not meet in time") from None

    def stop(self) -> None:
        self.stop_event.set()

    def results(self, timeout: float = 600) -> list[Any]:
        while len(self._results) < len(self.processes):
            try:
                index, outcome = self.queue.get(timeout=timeout)
            except queue.Empty:
                raise CrewError("a load process did not report in time") from None
            self._results[index] = outcome
            if outcome[0] == "error":
                self.barrier.abort()
                self.stop_event.set()
                raise CrewError(f"load process {index} failed:\n{outcome[1]}")
        return [self._results[index][1] for index in range(len(self.processes))]


async def one_sender_round(
    sockets: list[Any],
    sync: Sync,
    *,
    read: Callable[[Any], Coroutine[Any, Any, None]],
    send: Callable[[Any], Coroutine[Any, Any, None]] | None,
    pause: float,
) -> None:
    """One round of a group on these sockets (opened by the worker): each socket read by
    `read`, a ping on each (the server holds live frames until a socket's first), then, once
    every worker has met, `send` on the first socket of the one worker that sends (it stops
    the others), a pause for the last frames, and the sockets closed."""
    reading = [asyncio.create_task(read(socket)) for socket in sockets]
    for socket in sockets:
        await socket.send('{"type": "ping"}')
    await sync.meet()
    if send is not None:
        await send(sockets[0])
        sync.stop()
    else:
        await sync.stopping()
    await asyncio.sleep(pause)
    await close_sockets(sockets)
    await asyncio.gather(*reading, return_exceptions=True)
