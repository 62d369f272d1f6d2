"""api/analytics/versioned.py: the LRU of values keyed by data version, one load per missing key."""
import threading

import pytest

from api.analytics.versioned import VersionedCache


def test_keeps_the_value_of_a_key_and_evicts_the_least_recently_used():
    cache: VersionedCache[str] = VersionedCache(2)
    assert cache.get("a", lambda: "A1") == "A1"
    assert cache.get("a", lambda: "A2") == "A1"  # held: not loaded again
    cache.get("b", lambda: "B1")
    cache.get("a", lambda: "A3")  # a is now the most recently used
    cache.get("c", lambda: "C1")  # evicts b
    assert "b" not in cache and "a" in cache and "c" in cache and len(cache) == 2
    assert cache.get("b", lambda: "B2") == "B2"
    assert cache.loads == 4


def test_a_key_of_none_is_never_kept():
    cache: VersionedCache[int] = VersionedCache(4)
    assert cache.get(None, lambda: 1) == 1
    assert cache.get(None, lambda: 2) == 2
    assert len(cache) == 0 and cache.loads == 0


def test_two_threads_asking_for_one_missing_key_at_once_load_it_once():
    cache: VersionedCache[object] = VersionedCache(4)
    both_asked, loaded = threading.Barrier(2), threading.Event()
    calls: list[str] = []
    results: dict[str, object] = {}
    value = object()

    def load():
        calls.append(threading.current_thread().name)
        both_asked.wait(5)  # the second thread asks while the first is still loading
        loaded.wait(0.2)
        return value

    def second():
        both_asked.wait(5)
        results["second"] = cache.get(("db", 7), lambda: calls.append("second") or object())

    other = threading.Thread(target=second, name="second")
    other.start()
    results["first"] = cache.get(("db", 7), load)
    other.join(5)
    assert not other.is_alive()
    assert results["first"] is value and results["second"] is value
    assert calls == ["MainThread"] and cache.loads == 1


def test_a_failed_load_lets_the_next_caller_load():
    cache: VersionedCache[int] = VersionedCache(4)

    def fail():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get("k", fail)
    assert "k" not in cache
    assert cache.get("k", lambda: 3) == 3


def test_many_threads_released_together_share_one_load():
    cache: VersionedCache[int] = VersionedCache(4)
    start = threading.Barrier(8)
    loads = []

    def load():
        loads.append(1)
        threading.Event().wait(0.05)
        return 42

    got = []

    def ask():
        start.wait(5)
        got.append(cache.get("key", load))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert got == [42] * 8 and len(loads) == 1
