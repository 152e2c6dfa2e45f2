"""core.cache.RedisCache: Django's Redis cache with one redis.Redis client per connection pool (Django builds one per
call). It must behave as Django's backend does, from several threads too, and production must pick it for a
CACHE_URL of redis:// (and still accept it as the shared cache).

Needs Redis (TEST_REDIS_URL, else redis://127.0.0.1:6379/2; skipped when none answers) for the backend tests."""

import os
import threading

import pytest
import redis

from core.cache import RedisCache
from tests.security.test_production import run

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture
def backend():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "core-cache-test"})
    cache.clear()
    yield cache
    cache.clear()


def test_it_behaves_as_django_s_redis_cache(backend):
    assert backend.get("missing", "default") == "default"
    backend.set("name", {"ho_so": "H61.22.10-251130-0001"}, 30)
    assert backend.get("name") == {"ho_so": "H61.22.10-251130-0001"}
    assert backend.add("name", "other") is False and backend.add("new", 1) is True
    assert backend.incr("new", 4) == 5
    backend.set_many({"a": 1, "b": [2]}, 30)
    assert backend.get_many(["a", "b", "c"]) == {"a": 1, "b": [2]}
    assert backend.touch("a", 60) is True
    assert backend.delete("a") is True and backend.get("a") is None
    backend.delete_many(["b", "name"])
    assert backend.get_many(["b", "name"]) == {}
    with pytest.raises(ValueError):
        backend.incr("missing")


def test_one_client_serves_every_call_and_every_thread(backend):
    client = backend._cache.get_client("x")
    assert backend._cache.get_client("y", write=True) is client  # one server: reads and writes share it
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                backend.set(f"t{n}:{i}", i, 30)
                assert backend.get(f"t{n}:{i}") == i
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.get_many([f"t{n}:49" for n in range(8)]) == {f"t{n}:49": 49 for n in range(8)}
    assert backend._cache.get_client("z") is client


def test_production_uses_it_for_a_redis_cache_url(tmp_path):
    proc = run(tmp_path, "manage.py", "shell", "-c",
               "from django.conf import settings; from django.core.cache import caches; "
               "print(settings.CACHES['default']['BACKEND'], type(caches['default']).__module__)")
    assert proc.returncode == 0, proc.stderr  # accepted as the shared cache (onecua.E004 not raised)
    assert proc.stdout.strip().splitlines()[-1] == "core.cache.RedisCache core.cache"
