"""GET /healthz and /readyz (docs/api.md, Operations): never a 500; 503 names the failing check."""

import socket
import time

import pytest
from django.db import connection
from django.test import override_settings

from ops import health


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_needs_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@override_settings(ALLOWED_HOSTS=["crm.example.com"], SECURE_SSL_REDIRECT=True)
def test_probes_bypass_host_check_and_https_redirect(client, db):
    """Probes call the pod's address over plain http."""
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code == 200


def test_readyz_ok(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.postgres
def test_readyz_503_while_the_database_is_unreachable_then_200(client, db, monkeypatch):
    with monkeypatch.context() as patched:
        # The check opens a fresh connection from these settings; the test's own connection
        # is already open and unaffected.
        patched.setitem(connection.settings_dict, "PORT", closed_port())
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["cache"] == "ok"

    assert client.get("/readyz").status_code == 200


def test_readyz_503_while_the_cache_is_unreachable_then_200(client, db):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"

    assert client.get("/readyz").status_code == 200


def test_a_hanging_check_is_cut_off_by_the_timeout(client, db, monkeypatch, settings):
    settings.READINESS_TIMEOUT = 0.2
    monkeypatch.setitem(health.CHECKS, "cache", lambda: time.sleep(2))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "timeout"


def test_a_check_that_raises_anything_is_a_503_not_a_500(client, db, monkeypatch):
    def broken() -> None:
        raise ZeroDivisionError

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: ZeroDivisionError"
