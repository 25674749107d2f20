"""One period type: every period-taking endpoint and page answers the edge dates cleanly."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from org.inputs import EARLIEST, LATEST, StoredDateFormField
from org.periods import Period
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OVER_CAP = {"from": "2000-01-01", "to": "2025-01-01"}  # > REPORT_MAX_DAYS (3660) days
EDGES = {
    "far future": {"to": "9999-12-31"},
    "year one": {"from": "0001-01-01"},
    "both extremes": {"from": "0001-01-01", "to": "9999-12-31"},
    "reversed": {"from": "2025-03-31", "to": "2025-03-01"},
    "over the cap": OVER_CAP,
    "malformed": {"from": "31.03.2025"},
    "not a day": {"to": "2025-02-30"},
}

API = [
    ("/api/v1/reports/funnel/", "management"),
    ("/api/v1/reports/rejections/", "management"),
    ("/api/v1/reports/speed-to-lead/", "management"),
    ("/api/v1/feedback/quality/", "marketing"),
]
# Report pages re-render their filters with the message and status 400.
REPORT_PAGES = [
    ("/reports/", "management"),
    ("/reports/rejections/", "management"),
    ("/reports/sla/", "management"),
    ("/reports/speed-to-lead/", "management"),
    ("/reports/campaigns/", "marketing"),
]
# Filter pages keep the page (200) and show the error on the form; they name the dates
# date_from / date_to. The lead list is a filter, not a report: no length cap.
FORM_PAGES = [("/feedback/quality/", "marketing", True), ("/leads/", "management", False)]


@pytest.mark.parametrize("params", EDGES.values(), ids=EDGES.keys())
@pytest.mark.parametrize(("url", "role"), API)
def test_api_answers_400_naming_the_parameter(as_user, url, role, params) -> None:
    response = as_user(UserFactory(role=role)).get(url, params)
    assert response.status_code == 400, response.content
    assert set(response.json()) & {"from", "to"}, response.json()


@pytest.mark.parametrize("params", EDGES.values(), ids=EDGES.keys())
@pytest.mark.parametrize(("url", "role"), REPORT_PAGES)
def test_report_pages_answer_400_with_the_message(url, role, params) -> None:
    client = Client()
    client.force_login(UserFactory(role=role))
    response = client.get(url, params)
    assert response.status_code == 400
    assert response.context["errors"]


@pytest.mark.parametrize("params", EDGES.values(), ids=EDGES.keys())
@pytest.mark.parametrize(("url", "role", "capped"), FORM_PAGES)
def test_filter_pages_show_a_form_error(url, role, capped, params) -> None:
    client = Client()
    client.force_login(UserFactory(role=role))
    response = client.get(url, {f"date_{k}": v for k, v in params.items()})
    assert response.status_code == 200
    errors = response.context["form"].errors
    if params is OVER_CAP and not capped:
        assert not errors
    else:
        assert set(errors) & {"date_from", "date_to"}, errors


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "9999-12-31"}, "to"),
        ({"from": "1899-12-31"}, "from"),
        ({"from": "1999-12-31"}, "from"),
        ({"to": "2101-01-01"}, "to"),
        ({"from": "2025-03-02", "to": "2025-03-01"}, "from"),
        (OVER_CAP, "to"),
        ({"from": "2025-3-1"}, "from"),
        ({"from": "2025-01-01\x00"}, "from"),
    ],
)
def test_parse_refuses_keyed_by_the_parameter(params, field) -> None:
    for default_days in (None, 30):
        with pytest.raises(ValidationError) as caught:
            Period.parse(params, default_days=default_days)
        assert field in caught.value.message_dict


@pytest.mark.parametrize(
    ("day", "accepted"),
    [("1999-12-31", False), ("2000-01-01", True), ("2100-12-31", True), ("2101-01-01", False)],
)
def test_a_period_and_a_stored_date_keep_to_the_same_dates(day, accepted) -> None:
    # One rule (org.inputs): a report can be asked about exactly the dates that can be stored.
    field = StoredDateFormField()
    for check in (lambda: Period.parse({"from": day, "to": day}), lambda: field.clean(day)):
        if accepted:
            check()
        else:
            with pytest.raises(ValidationError):
                check()


def test_the_extremes_allowed_have_a_day_after() -> None:
    settings_cap = Period.checked(LATEST, LATEST)
    assert settings_cap.bounds()[1] > settings_cap.bounds()[0]
    assert Period.checked(EARLIEST, EARLIEST).days == 1


def test_open_ends_and_defaults(settings) -> None:
    settings.TIME_ZONE = "Europe/Moscow"
    assert Period.parse({}) == Period(None, None)
    assert Period.parse({"to": "2025-03-31"}, default_days=30) == Period(
        date(2025, 3, 2), date(2025, 3, 31)
    )
    today = date(2025, 3, 10)
    assert Period.parse({}, default_days=30, today=today) == Period(date(2025, 2, 9), today)
    assert Period.parse({"from": "2025-04-01"}, default_days=30, today=today) == Period(
        date(2025, 4, 1), date(2025, 4, 1)
    )


def test_days_and_bounds_are_in_the_configured_zone(settings) -> None:
    settings.TIME_ZONE = "Europe/Moscow"  # UTC+3
    period = Period(date(2025, 3, 30), date(2025, 4, 1))
    assert list(period.each_day()) == [date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 1)]
    assert period.days == 3
    start, end = period.bounds()
    assert (start, end) == (
        datetime(2025, 3, 29, 21, tzinfo=UTC),
        datetime(2025, 4, 1, 21, tzinfo=UTC),
    )
    assert start.tzinfo is UTC
    with pytest.raises(ValueError, match="open"):
        Period(date(2025, 1, 1), None).bounds()
