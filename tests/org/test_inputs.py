"""Values from the outside world never reach a 500: one parser for ids, one for timestamps,
a nesting limit for JSON bodies and bounded stored dates (issue 14, Medium 6)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from org.inputs import ID_MAX, parse_id, parse_timestamp

pytestmark = pytest.mark.django_db

ODD_IDS = ["²", "①", "٣", "1.5", "-1", "0", str(ID_MAX + 1), "9" * 40, " ", "1e3"]

# Every id filter of the API: (list endpoint, parameter).
ID_FILTERS = [
    ("/api/v1/leads/", "owner"),
    ("/api/v1/deals/", "owner"),
    ("/api/v1/lead-feedback/", "author"),
    ("/api/v1/lead-feedback/", "lead"),
    ("/api/v1/disputes/", "raised_by"),
    ("/api/v1/disputes/", "lead"),
    ("/api/v1/objections/", "lead"),
    ("/api/v1/objections/", "deal"),
    ("/api/v1/action-items/", "owner"),
    ("/api/v1/action-items/", "meeting"),
    ("/api/v1/briefs/", "requester"),
    ("/api/v1/briefs/", "assignee"),
]
TIMESTAMP_FILTERS = ["/api/v1/leads/", "/api/v1/deals/", "/api/v1/lead-feedback/"]


def test_parse_id_takes_ascii_digits_a_bigint_holds() -> None:
    assert parse_id("42") == 42
    assert parse_id(str(ID_MAX)) == ID_MAX
    for raw in ODD_IDS:
        with pytest.raises(ValueError):
            parse_id(raw)


def test_parse_timestamp_keeps_offsets_postgresql_accepts() -> None:
    assert parse_timestamp("2026-01-31T10:00:00+03:00") == datetime(2026, 1, 31, 7, tzinfo=UTC)
    assert parse_timestamp("2026-01-31T10:00:00Z") == datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert parse_timestamp("2026-01-31T10:00:00-15:59").tzinfo == UTC
    for raw in [
        "2026-01-31T10:00:00+16:00",
        "2026-01-31T10:00:00-23:59",
        "2026-01-31T10:00:00",  # no offset
        "0001-01-01T00:00:00-05:00",
        "9999-12-31T23:59:59+00:00",
        "2026-02-30T10:00:00Z",
        "yesterday",
    ]:
        with pytest.raises(ValidationError):
            parse_timestamp(raw)


@pytest.mark.parametrize(("url", "param"), ID_FILTERS)
def test_every_id_filter_answers_odd_ids_with_a_400(as_user, manager, url, param) -> None:
    client = as_user(manager)
    for raw in ["²", "①", "9" * 40]:
        response = client.get(url, {param: raw})
        assert response.status_code == 400, (url, param, raw, response.status_code)
        assert param in response.json()
    assert client.get(url, {param: "1"}).status_code == 200


@pytest.mark.parametrize("url", TIMESTAMP_FILTERS)
def test_created_after_with_an_offset_postgresql_rejects_is_a_400(as_user, manager, url) -> None:
    client = as_user(manager)
    for raw in ["2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-20:00", "0001-01-01T00:00:00Z"]:
        response = client.get(url, {"created_after": raw})
        assert response.status_code == 400, (url, raw)
        assert "created_after" in response.json()
    assert client.get(url, {"created_before": "2026-01-01T00:00:00+03:00"}).status_code == 200


@pytest.mark.parametrize("raw", ["²", "①", "9" * 40, str(ID_MAX + 1)])
def test_odd_ids_in_paths_are_a_404(as_user, manager, raw) -> None:
    client = as_user(manager)
    for url in [f"/api/v1/leads/{raw}/", f"/api/v1/deals/{raw}/", f"/api/v1/briefs/{raw}/"]:
        assert client.get(url).status_code == 404, url


def test_a_deeply_nested_json_body_is_a_400(as_user, manager) -> None:
    client = as_user(manager)
    body = "[" * 100_000 + "]" * 100_000
    for url in ["/api/v1/leads/", "/api/v1/objections/", "/api/v1/deals/"]:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert "nested" in response.json()["detail"]
    shallow = "[" * 40 + "]" * 40
    response = client.post("/api/v1/objections/", shallow, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_stored_dates_are_bounded(as_user, marketer, manager) -> None:
    client = as_user(manager)
    for due in ["9999-12-31", "0001-01-01", "1999-12-31"]:
        response = client.post(
            "/api/v1/briefs/", {"title": "x", "due_on": due, "assignee": marketer.pk}, format="json"
        )
        assert response.status_code == 400, due
        assert "due_on" in response.json()


def test_filters_read_a_bare_date_or_local_time_in_the_time_zone() -> None:
    assert parse_timestamp("2026-01-31", local_ok=True).tzinfo == UTC
    assert parse_timestamp("2026-01-31T10:00", local_ok=True).tzinfo == UTC
    with pytest.raises(ValidationError):
        parse_timestamp("2026-01-31")
    with pytest.raises(ValidationError):
        parse_timestamp("9999-12-31", local_ok=True)
