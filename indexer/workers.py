"""Reading and analysis (读取与分析), the third stage of ingest, in worker processes.

The :class:`Analysis` takes the planned units and hands them in small tasks to a pool of
worker processes (one per core), which read, normalize and analyse them
(:func:`indexer.units.analyze_task`); a run of few units is analysed in this process.
Tasks are queued ahead so that the workers keep working while this process writes. Each
batch of results goes to the ``accept`` callback (the writing stage). A worker that dies
fails only the units it held; the pool is started again for the rest.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from analyzers.preload import warm_up
from catalog.records import Record
from indexer.documents import index_doc
from indexer.page_types import FileOptions
from indexer.report import Tally
from indexer.units import Problem, UnitResult, UnitTask, analyze_task

INLINE_UNITS = 24  # fewer units than this are analysed in this process (no pool)
INFLIGHT = 12  # tasks queued per worker: they keep working while this process writes
TASK_COST = 8  # units (a file to read counts 2 more) handed to a worker at once
ENTITY_TASK_COST = 40  # the same with entities on: the model runs over a task's records together


class Analysis:
    """Units in, built records out: a worker pool (started when there is enough work)."""

    def __init__(
        self,
        accept: Callable[[list[UnitResult]], None],
        tally: Tally,
        *,
        workers: int = 1,
        options: FileOptions | None = None,
        entities: bool = False,
    ) -> None:
        self.accept = accept
        self.tally = tally
        self.workers = max(1, workers)
        self.options = options or FileOptions()
        self.entities = entities
        self.task_cost = ENTITY_TASK_COST if entities else TASK_COST
        self.pool: ProcessPoolExecutor | None = None
        self.waiting: list[UnitTask] = []
        self.inflight: deque[tuple[Future, list[UnitTask]]] = deque()
        self.submitted = 0

    def submit(self, task: UnitTask) -> None:
        """Queue one unit; full tasks go to the workers at once."""
        self.waiting.append(task)
        self.submitted += 1
        if self.pool is None and self.workers > 1 and len(self.waiting) >= INLINE_UNITS:
            self._start_pool()
        elif self.workers == 1 and self.submitted == INLINE_UNITS:  # a run worth preparing for
            warm_up(entities=self.entities)
        if (self.pool is not None or self.workers == 1) and _cost(self.waiting) >= self.task_cost:
            self._dispatch()  # one worker: analysed here, a task at a time (memory stays bounded)

    def drain(self) -> None:
        """Analyse everything submitted so far and hand every result to ``accept``."""
        self._dispatch()
        while self.inflight:
            self._collect()
            if not self.inflight:
                self._dispatch()

    def close(self) -> None:
        """Stop the workers (what is still queued is dropped)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _start_pool(self) -> None:
        _warm()
        warm_up(entities=self.entities)  # loaded once here, and frozen: shared by the forks
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.pool = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def _dispatch(self) -> None:
        tasks, self.waiting = self.waiting, []
        if not tasks:
            return
        if self.pool is None:
            self.accept(analyze_task(tasks, self.options))
            return
        self.inflight.append((self.pool.submit(analyze_task, tasks, self.options), tasks))
        while len(self.inflight) > INFLIGHT * self.workers:
            self._collect()

    def _collect(self) -> None:
        """Results of the oldest task in flight (a worker that died fails its units only)."""
        future, tasks = self.inflight.popleft()
        try:
            results = future.result()
        except BrokenProcessPool as exc:
            for task in tasks:
                names = ", ".join(s.path for s in task.sources) or task.source
                self.tally.problem(
                    Problem(names, None, None, f"a worker process died while reading this ({exc})")
                )
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                waiting = [t for _, ts in self.inflight for t in ts]
                self.inflight.clear()
                self._start_pool()
                self.waiting[:0] = waiting
            return
        self.accept(results)


def _cost(tasks: list[UnitTask]) -> int:
    return sum(1 + sum(1 for s in t.sources if s.read) * 2 for t in tasks)


def _warm() -> None:
    """Load what workers use before they are forked, so they share it."""
    index_doc(Record(archive="warm", archive_code="W1", title="預熱", text="預熱"))
    import pypdf  # noqa: F401
    import pypdfium2  # noqa: F401


def _worker_init(parent: int) -> None:
    """In each worker: die with the parent (even when it is SIGKILLed); Ctrl-C is the parent's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
