"""A missing key asked for by many threads and processes at once is loaded once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import redis

from socialsched_dagster.cache import RedisCache

# One "run process": `threads` threads ask for the same missing key once Redis says go.
WORKER = """
import json, os, sys, threading, time
import redis
from socialsched_dagster.cache import RedisCache

url, ns, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = redis.Redis.from_url(url)
cache = RedisCache(url, ns)

def load():
    client.incr(ns + ":loader_calls")
    time.sleep(0.4)
    return {"loaded_by": os.getpid()}

results, lock = [], threading.Lock()

def ask():
    value = cache.get_or_set("hot", load)
    with lock:
        results.append(value)

workers = [threading.Thread(target=ask) for _ in range(threads)]
client.incr(ns + ":ready")
while not client.exists(ns + ":go"):
    time.sleep(0.002)
for w in workers:
    w.start()
for w in workers:
    w.join()
print(json.dumps(results))
"""


def ask_in_threads(cache: RedisCache, loader, n: int) -> list:
    barrier, results, lock = threading.Barrier(n), [], threading.Lock()

    def ask():
        barrier.wait()
        value = cache.get_or_set("hot", loader)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_ten_threads_missing_the_same_key_call_the_loader_once(redis_url, ns):
    calls = []

    def slow_loader():
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return {"quota_usage": 7}

    results = ask_in_threads(RedisCache(redis_url, ns), slow_loader, 10)
    assert len(calls) == 1
    assert results == [{"quota_usage": 7}] * 10


def test_two_processes_of_five_threads_call_the_loader_once(redis_url, ns):
    client = redis.Redis.from_url(redis_url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, redis_url, ns, "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 20
        while int(client.get(f"{ns}:ready") or 0) < 2:
            assert time.monotonic() < deadline, "workers did not start"
            assert all(p.poll() is None for p in procs), procs[0].stderr.read()
            time.sleep(0.01)
        client.set(f"{ns}:go", 1)
        outputs = [p.communicate(timeout=20) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    results = [value for out, _ in outputs for value in json.loads(out)]
    assert int(client.get(f"{ns}:loader_calls")) == 1
    assert len(results) == 10 and len({r["loaded_by"] for r in results}) == 1


def test_waiters_load_themselves_rather_than_wait_for_a_stuck_loader(redis_url, ns):
    cache = RedisCache(redis_url, ns, wait_s=0.2)
    calls, finished = [], {}

    def loader():
        first = not calls
        calls.append(1)
        time.sleep(1.0 if first else 0.0)  # the first caller is stuck; the rest are quick
        return "value"

    def ask(name: str):
        started = time.monotonic()
        assert cache.get_or_set("hot", loader) == "value"
        finished[name] = time.monotonic() - started

    stuck = threading.Thread(target=ask, args=("stuck",))
    stuck.start()
    time.sleep(0.05)
    ask("waiter")
    assert finished["waiter"] < 0.6  # about wait_s, not the stuck loader's second
    stuck.join(5)
    assert len(calls) == 2
