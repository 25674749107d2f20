import contextlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.testcases import QuietWSGIRequestHandler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from leads.models import Lead, SalesProfile
from leads.services import LeadInput, Source, lead_claim_next, lead_intake, lead_touch
from org.models import User
from tests.factories import ChannelFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# The live test server (browser tests, the API fuzz) writes a response's status line and its
# headers in separate small send()s; with Nagle's algorithm on, the second waits for the
# client's delayed ACK, about 40 ms per request on loopback (measured: 49 ms a page, 5 ms
# with this). socketserver's own switch turns it off for each accepted connection.
QuietWSGIRequestHandler.disable_nagle_algorithm = True


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """A request with ``Accept-Language: ru`` leaves Russian active in the thread after it
    (LocaleMiddleware activates, nothing deactivates); each test starts in the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


# What each kind of missing service is called in the skip reasons above and in
# tests/browser/conftest.py; the summary below counts the skips by it.
NEEDS = (("PostgreSQL", "PostgreSQL"), ("Redis", "Redis"), ("Chromium", "Chromium"))
_SKIPPED_FOR_LACK = pytest.StashKey[dict[str, int]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Count the tests skipped for lack of PostgreSQL, Redis or Chromium (said last, below)."""
    counts = {label: 0 for label, _ in NEEDS}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        for label, word in NEEDS:
            if word in reason:
                counts[label] += 1
                break
    terminalreporter.config.stash[_SKIPPED_FOR_LACK] = {k: n for k, n in counts.items() if n}


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run's very last line, loud, when such tests were skipped: a green run on SQLite
    without the services has not run what CI runs."""
    missing = config.stash.get(_SKIPPED_FOR_LACK, {})
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not missing or reporter is None:
        return
    needs = ", ".join(f"{n} for lack of {label}" for label, n in missing.items())
    reporter.write_sep(
        "!",
        f"NOT A CI RUN: {sum(missing.values())} tests skipped ({needs}); "
        "REQUIRE_SERVICES=1 REQUIRE_BROWSER=1 makes them fail instead",
        red=True,
        bold=True,
    )


@dataclass(frozen=True)
class Count:
    queries: int
    rows: int


def rows_in(response: Any, *, row: str = "<tr") -> int:
    """How many rows an answer carries: the API's ``results``, a bare JSON list, or 1 for one
    JSON object; on
    a page, the occurrences of ``row`` inside the table bodies (or, for a ``row`` marker
    such as ``'class="deal-card'``, anywhere in the page)."""
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        if isinstance(data, dict):
            return len(data["results"]) if "results" in data else 1  # one object
        return len(data)
    html = response.content.decode()
    if row != "<tr":
        return html.count(row)
    bodies = re.findall(r"<tbody[^>]*>(.*?)</tbody>", html, flags=re.S)
    placeholders = r'<tr[^>]*>\s*<td[^>]*class="empty"'  # "nothing here yet" is not a row
    return sum(body.count("<tr") - len(re.findall(placeholders, body)) for body in bodies)


def count_queries(request: Callable[[], Any], *, status: int = 200, row: str = "<tr") -> Count:
    """Run one request; check its status; return its number of queries and of rows.

    A query-count test compares both: the same queries for 1 row and for N only means
    something when the answer was a success and really carried the rows."""
    with CaptureQueriesContext(connection) as ctx:
        response = request()
        # A CSV export streams: its queries run as it is read; its rows are the lines under
        # the header.
        lines = (
            b"".join(response.streaming_content).decode().splitlines()
            if getattr(response, "streaming", False)
            else None
        )
    assert response.status_code == status, getattr(response, "content", b"")[:300]
    if lines is not None:
        return Count(len(ctx.captured_queries), len(lines) - 1)
    return Count(len(ctx.captured_queries), rows_in(response, row=row))


def race(*actions: Callable[[], Any], reraise: bool = False) -> list[Any]:
    """Run the actions at the same moment, each in its own thread and database connection (a
    barrier lets them go together). Returns what each returned, or in its place the exception
    it raised, for the test to inspect; with ``reraise`` the first exception is raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)
    errors: list[BaseException] = []

    def run(i: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = action()
        except BaseException as exc:  # the test inspects what each side got
            results[i] = exc
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if reraise and errors:
        raise errors[0]
    return results


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
