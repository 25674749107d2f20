import contextlib
import os

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL.split("@")[-1]
    return [
        f"tandem: database {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''} "
        f"{db['NAME']}; broker {broker}; REQUIRE_SERVICES={int(REQUIRE_SERVICES)}"
    ]


def _missing(reason: str) -> None:
    """A test that needs a service fails under REQUIRE_SERVICES=1 and skips otherwise."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis"):
        if not settings.REDIS_URL:
            _missing("this test needs Redis (set REDIS_URL=redis://...)")
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            _missing(f"Redis at {settings.REDIS_URL} is unreachable: {exc}")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    # A test may run with Redis down; throttles fail open then.
    with contextlib.suppress(Exception):
        cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_user():  # type: ignore[no-untyped-def]
    """``as_user(user)`` -> an API client authenticated as that user."""
    return _client_for


@pytest.fixture
def manager(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="management", is_head=True)


@pytest.fixture
def marketer(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="marketing")


@pytest.fixture
def seller(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales")


@pytest.fixture
def other_seller(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales")
