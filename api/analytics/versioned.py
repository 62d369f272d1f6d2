"""A small least-recently-used cache of values computed from versioned data, with one loader per missing key.

The analytics caches key what they keep by the version of the data it was computed from (a layer's version
and clock time, a chunk's gen): a key is never reused for other data, so a value found is current and the
only policy needed is a bound on how many are kept. Requests arriving together for a key not held yet (the
dashboard's calls on a fresh worker) wait for the first one's load instead of each computing it again.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedCache(Generic[V]):
    """Up to `size` values by key, least recently used evicted first; `get(key, load)` loads a missing key
    once however many threads ask for it at once (a load that raises lets the next waiter try)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._loading: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.loads = 0  # values loaded (for tests and the benchmark)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, key: Hashable | None, load: Callable[[], V]) -> V:
        """The value kept for `key`, else `load()`'s, kept; a None key is never kept (no version to trust)."""
        if key is None:
            return load()
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                gate = self._loading.get(key)
                mine = gate is None
                if mine:
                    gate = self._loading[key] = threading.Lock()
                    gate.acquire()
            if not mine:
                with gate:  # wait for the loader, then look again
                    pass
                continue
            try:
                value = load()
                with self._lock:
                    self.loads += 1
                    self._items[key] = value
                    self._items.move_to_end(key)
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
                return value
            finally:
                with self._lock:
                    del self._loading[key]
                gate.release()
