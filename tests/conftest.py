import contextlib
import os
from datetime import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from leads.models import Lead, SalesProfile
from leads.services import LeadInput, Source, lead_claim_next, lead_intake, lead_touch
from org.models import User
from tests.factories import ChannelFactory, UserFactory

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


# --- Leads made through the real services (usable by every app's tests) ---------------


@pytest.fixture
def channel(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="website", name="Website")


@pytest.fixture
def make_lead(channel):  # type: ignore[no-untyped-def]
    """``make_lead(email=..., now=...)``: a lead created through the intake service."""
    counter = iter(range(10_000))

    def make(now: datetime | None = None, **fields: object) -> Lead:
        n = next(counter)
        data = {"name": f"Lead {n}", "channel": channel, "email": f"lead{n}@example.com"}
        data.update(fields)
        return lead_intake(data=LeadInput(**data), source=Source.API, now=now).lead  # type: ignore[arg-type]

    return make


@pytest.fixture
def claimed(make_lead):  # type: ignore[no-untyped-def]
    """``claimed(seller)``: a fresh lead claimed by that salesperson."""

    def claim(seller: User, now: datetime | None = None) -> Lead:
        make_lead(now=now)
        lead = lead_claim_next(user=seller, now=now)
        assert lead is not None
        return lead

    return claim


@pytest.fixture
def touched(claimed):  # type: ignore[no-untyped-def]
    def touch(seller: User) -> Lead:
        lead = claimed(seller)
        lead_touch(lead=lead, by=seller, kind="call", now=timezone.now())
        lead.refresh_from_db()
        return lead

    return touch


@pytest.fixture
def capacity():  # type: ignore[no-untyped-def]
    def set_capacity(user: User, limit: int | None) -> SalesProfile:
        profile, _ = SalesProfile.objects.update_or_create(
            user=user, defaults={"max_open_leads": limit}
        )
        return profile

    return set_capacity


@pytest.fixture(autouse=True)
def _fresh_scoring_models() -> None:
    """Compiled scoring models are cached per process by id; a test database may reuse ids."""
    from leads.scoring import scoring

    scoring.forget()
