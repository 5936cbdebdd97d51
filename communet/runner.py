"""Running one task over many hosts: threads, or forked processes each with its threads.

The runner knows nothing about devices beyond their hostname: it calls ``task(device)`` for
each, reports each result as it comes and returns them all. A task is expected to turn its
own failures into results (:func:`communet.converge.converge` does); the runner still guards
every call, so an exception that escapes a task becomes that host's failed result, and a
process that dies fails the hosts it had not reported, with the reason. A runner never
raises because of one host.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from communet.converge import Result, failed
from communet.inventory import ResolvedDevice

Task = Callable[[ResolvedDevice], Result]
Report = Callable[[Result], None]


class Runner(Protocol):
    """Runs ``task`` for every device; each result reported once; keyed by hostname."""

    def run(
        self, task: Task, devices: Sequence[ResolvedDevice], report: Report
    ) -> dict[str, Result]: ...


def guarded(task: Task) -> Task:
    """``task``, with any exception it lets escape turned into the host's failed result."""

    def call(device: ResolvedDevice) -> Result:
        try:
            return task(device)
        except Exception as error:
            return failed(device, error)

    return call


# The young generation's collection threshold while hosts run (CPython's default: 2,000 in
# 3.13, 700 before). Each host allocates a few thousand short-lived objects per config it
# parses; collected every 2,000 allocations with 20 sessions in flight, the same live parse
# trees were walked again and again: on a 146-device district the collector took 0.78 s of
# the ~1.8 CPU-s of a no-change run (docs/benchmarks.md, provisioning, issue 10).
YOUNG_THRESHOLD = 20_000


@contextlib.contextmanager
def long_lived_heap() -> Iterator[None]:
    """While hosts run: what already exists (modules, the loaded inventory) outlives them,
    so it is frozen out of the collector's reach (and a forked child's collector never
    touches, hence never copies, the pages it inherited), and the young generation is
    collected less often. Both are put back afterwards, except a freeze made before (an
    Ansible worker inherits one: unfreezing would release that too)."""
    threshold = gc.get_threshold()
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    gc.set_threshold(max(threshold[0], YOUNG_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen_before:
            gc.unfreeze()


@dataclass(frozen=True)
class ThreadRunner:
    """Up to ``workers`` hosts at once in one process (sessions wait on the network)."""

    workers: int = 20

    def run(
        self, task: Task, devices: Sequence[ResolvedDevice], report: Report
    ) -> dict[str, Result]:
        results: dict[str, Result] = {}
        call = guarded(task)
        with long_lived_heap(), ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            for future in as_completed([pool.submit(call, d) for d in devices]):
                result = future.result()
                results[result.hostname] = result
                report(result)
        return results


_Inbox = multiprocessing.Queue  # of Result, or None: "this child is done"


@dataclass(frozen=True)
class ProcessRunner:
    """The hosts dealt out round-robin to ``processes`` forked children, ``workers`` threads
    in all (planning and parsing hold the GIL). Children inherit the task and the loaded
    inventory (fork); each result travels back as it comes."""

    processes: int
    workers: int

    def run(
        self, task: Task, devices: Sequence[ResolvedDevice], report: Report
    ) -> dict[str, Result]:
        context = multiprocessing.get_context("fork")
        inbox: _Inbox[Result | None] = context.Queue()
        shares = [devices[i :: self.processes] for i in range(self.processes)]
        total = self.workers  # split exactly: the sessions in all stay `workers`
        children = [
            context.Process(
                target=_child,
                args=(inbox, task, share, total // self.processes + (i < total % self.processes)),
                daemon=True,
            )
            for i, share in enumerate(shares)
        ]
        with long_lived_heap():  # before the fork: the children inherit a frozen heap
            for child in children:
                child.start()
        results: dict[str, Result] = {}
        _collect(inbox, children, results, report)
        for child in children:
            child.join()
        for child, share in zip(children, shares, strict=True):
            for device in share:
                if device.hostname not in results:
                    results[device.hostname] = lost = failed(device, _LostError(device, child))
                    report(lost)
        return results


class _LostError(Exception):
    def __init__(self, device: ResolvedDevice, child: multiprocessing.process.BaseProcess) -> None:
        super().__init__(
            f"{device.hostname}: the worker process (pid {child.pid}) ended with exit code "
            f"{child.exitcode} before reporting this host; its state is unknown: run again to "
            "check it"
        )


def _collect(
    inbox: _Inbox[Result | None],
    children: Sequence[multiprocessing.process.BaseProcess],
    results: dict[str, Result],
    report: Report,
) -> None:
    """Results as they come, until every child said it is done (or died without saying)."""
    running = len(children)
    while running:
        try:
            item = inbox.get(timeout=1.0)
        except queue.Empty:
            if all(child.exitcode is not None for child in children) and inbox.empty():
                break
            continue
        if item is None:
            running -= 1
        else:
            results[item.hostname] = item
            report(item)


def _child(
    inbox: _Inbox[Result | None], task: Task, share: Sequence[ResolvedDevice], workers: int
) -> None:
    """A child process: its hosts in threads, each result sent as it comes."""
    try:
        ThreadRunner(workers).run(task, share, inbox.put)
    finally:
        inbox.put(None)
        inbox.close()
        inbox.join_thread()
