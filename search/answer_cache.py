"""A per-process cache of public search answers (公开检索缓存).

Keyed by the request, the audience's scope and the index generation: every write to the
index starts a new generation, so an answer is never served after the index changed
(a decision reaches public search with the next request).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

Value = TypeVar("Value")


class AnswerCache(Generic[Value]):
    """A bounded least-recently-used map from (key, generation) to an answer."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, int], Value] = OrderedDict()
        self._generation = -1
        self._lock = threading.Lock()

    def get(self, key: str, generation: int) -> Value | None:
        """The answer stored for ``key`` in ``generation``, or None."""
        if self.size <= 0:
            return None
        with self._lock:
            if generation != self._generation:  # the index changed: forget everything
                self._entries.clear()
                self._generation = generation
                return None
            value = self._entries.get((key, generation))
            if value is not None:
                self._entries.move_to_end((key, generation))
            return value

    def put(self, key: str, generation: int, value: Value) -> None:
        """Remember ``value`` for ``key`` in ``generation`` (dropped if the index moved on)."""
        if self.size <= 0:
            return
        with self._lock:
            if generation != self._generation:
                if generation < self._generation:
                    return
                self._entries.clear()
                self._generation = generation
            self._entries[(key, generation)] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
