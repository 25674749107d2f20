"""A PostgreSQL outage is a 503 with Retry-After (JSON from the API, a page in the browser),
and the next request after it works again without a restart (issue 14, Medium 9)."""

import psycopg
import pytest
from django.db import connection

from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _terminate_mid_request():  # type: ignore[no-untyped-def]
    """A query wrapper that, before the request's second query, has another session
    terminate this connection's backend, as a database restart would."""
    state = {"queries": 0}

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        state["queries"] += 1
        if state["queries"] == 2:
            pid = connection.connection.info.backend_pid
            db = connection.settings_dict
            with psycopg.connect(
                host=db["HOST"],
                port=db["PORT"] or 5432,
                user=db["USER"],
                password=db["PASSWORD"] or None,
                dbname=db["NAME"],
                autocommit=True,
            ) as killer:
                killer.execute("select pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    return wrapper


def _check_outage(client, url: str, *, json: bool) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False  # answer as production does, not re-raise
    with connection.execute_wrapper(_terminate_mid_request()):
        response = client.get(url)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    if json:
        assert response["Content-Type"] == "application/json"
        assert "unavailable" in response.json()["detail"]
    else:
        assert b"Briefly unavailable" in response.content
    # The request boundary Django's handler runs (the test client skips it) drops the
    # broken connection; the next request reconnects, no restart.
    connection.close_if_unusable_or_obsolete()
    assert client.get(url).status_code == 200


def test_api_answers_an_outage_with_a_json_503_and_recovers(client) -> None:
    user = UserFactory(role="management")
    client.force_login(user)
    _check_outage(client, "/api/v1/leads/", json=True)


def test_pages_answer_an_outage_with_a_friendly_503_and_recover(client) -> None:
    user = UserFactory(role="management")
    client.force_login(user)
    _check_outage(client, "/leads/", json=False)


def test_an_unreachable_database_is_a_503_until_it_is_back(client, settings) -> None:
    user = UserFactory(role="management")
    client.force_login(user)
    client.raise_request_exception = False
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = 1  # nothing listens there
    try:
        response = client.get("/api/v1/leads/")
        assert response.status_code == 503
        assert response["Retry-After"]
        assert client.get("/leads/").status_code == 503
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert client.get("/api/v1/leads/").status_code == 200
