"""Readiness checks: can this process reach PostgreSQL and the cache/broker right now?

Each check runs in its own thread and is given ``READINESS_TIMEOUT`` seconds; a check that
hangs (a black-holed host) counts as failed instead of holding the probe. The database check
opens a fresh connection (not the request's), so it proves new connections can be made.
"""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections

OK = "ok"


def check_database() -> None:
    base = connections[DEFAULT_DB_ALIAS]
    params = dict(base.settings_dict)
    if base.vendor == "postgresql":
        timeout = max(1, int(settings.READINESS_TIMEOUT + 0.5))
        params["OPTIONS"] = {**params.get("OPTIONS", {}), "connect_timeout": timeout}
    wrapper = type(base)(params, DEFAULT_DB_ALIAS)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        wrapper.close()


def check_cache() -> None:
    """Write and read back a key. With REDIS_URL the cache is the Celery broker's Redis too."""
    cache = caches["default"]
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, OK, timeout=10)
    if cache.get(key) != OK:
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache}


def readiness() -> dict[str, str]:
    """``{"database": "ok" | "<what failed>", "cache": ...}``; never raises."""
    results: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    for name, future in futures.items():
        try:
            future.result(timeout=settings.READINESS_TIMEOUT)
            results[name] = OK
        except FutureTimeout:
            results[name] = "timeout"
        except Exception as exc:  # each backend raises its own connection errors
            results[name] = f"error: {type(exc).__name__}"
    pool.shutdown(wait=False, cancel_futures=True)
    return results
