"""First-response deadlines, with and without business hours (property-based too)."""

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leads.models import SlaPolicy
from leads.sla import BusinessHours, add_working_time, deadline_for, policy_for
from tests.factories import ChannelFactory

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NY = zoneinfo.ZoneInfo("America/New_York")
OFFICE = BusinessHours(start=time(9), end=time(18), days=frozenset({1, 2, 3, 4, 5}), tz=MSK)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_without_business_hours_every_minute_counts():
    start = datetime(2026, 11, 21, 23, 58, tzinfo=UTC)  # a Saturday night
    assert add_working_time(start, 5, None) == start + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (msk(2026, 11, 23, 10, 0), 5, msk(2026, 11, 23, 10, 5)),  # Monday morning
        (msk(2026, 11, 23, 17, 58), 5, msk(2026, 11, 24, 9, 3)),  # evening spills over
        (msk(2026, 11, 23, 20, 0), 5, msk(2026, 11, 24, 9, 5)),  # after hours
        (msk(2026, 11, 23, 7, 0), 5, msk(2026, 11, 23, 9, 5)),  # before opening
        (msk(2026, 11, 27, 17, 59), 5, msk(2026, 11, 30, 9, 4)),  # Friday -> Monday
        (msk(2026, 11, 28, 12, 0), 60, msk(2026, 11, 30, 10, 0)),  # Saturday
        (msk(2026, 11, 23, 9, 0), 9 * 60 + 1, msk(2026, 11, 24, 9, 1)),  # a whole day
    ],
)
def test_business_hours(start, minutes, expected):
    assert add_working_time(start, minutes, OFFICE) == expected.astimezone(UTC)


def test_daylight_saving_change_neither_adds_nor_loses_an_hour():
    hours = BusinessHours(start=time(9), end=time(18), days=frozenset(range(1, 8)), tz=NY)
    # 2026-11-01 02:00 EDT -> 01:00 EST. Working time runs 17:55 on Oct 31 -> 09:05 on Nov 1.
    start = datetime(2026, 10, 31, 17, 55, tzinfo=NY)
    assert add_working_time(start, 10, hours) == datetime(2026, 11, 1, 9, 5, tzinfo=NY)


def test_broken_hours_are_refused_not_looped_forever():
    bad = BusinessHours(start=time(18), end=time(9), days=frozenset({1}), tz=MSK)
    with pytest.raises(ValueError):
        add_working_time(msk(2026, 11, 23, 10, 0), 5, bad)


starts = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(
    ["Europe/Moscow", "America/New_York", "Asia/Tokyo", "UTC", "Europe/London", "Australia/Sydney"]
)
day_sets = st.sets(st.integers(1, 7), min_size=1, max_size=7)
windows = st.tuples(st.integers(0, 22), st.integers(1, 23)).filter(lambda w: w[0] < w[1])


@settings(max_examples=300, deadline=None)
@given(start=starts, minutes=st.integers(1, 3000), zone=zones, days=day_sets, window=windows)
def test_deadline_properties(start, minutes, zone, days, window):
    tz = zoneinfo.ZoneInfo(zone)
    hours = BusinessHours(start=time(window[0]), end=time(window[1]), days=frozenset(days), tz=tz)
    deadline = add_working_time(start, minutes, hours)
    # never earlier than the plain clock
    assert deadline >= start + timedelta(minutes=minutes)
    # it lands inside a working window on a working day (or exactly at its close)
    local = deadline.astimezone(tz)
    assert local.isoweekday() in days
    opens = datetime.combine(local.date(), hours.start, tzinfo=tz)
    closes = datetime.combine(local.date(), hours.end, tzinfo=tz)
    assert opens < local <= closes or local == closes
    # more minutes never give an earlier deadline
    assert add_working_time(start, minutes + 1, hours) > deadline


@pytest.mark.django_db
def test_most_specific_policy_wins():
    web = ChannelFactory(slug="web")
    expo = ChannelFactory(slug="expo")
    SlaPolicy.objects.create(name="Enterprise", segment="enterprise", first_response_minutes=15)
    SlaPolicy.objects.create(name="Expo", channel=expo, first_response_minutes=60)
    SlaPolicy.objects.create(
        name="Expo ent", channel=expo, segment="enterprise", first_response_minutes=30
    )

    def minutes(channel, segment):  # type: ignore[no-untyped-def]
        return policy_for(channel=channel, segment=segment).first_response_minutes

    assert minutes(web, "") == 5  # the default shipped by the migration
    assert minutes(web, "enterprise") == 15
    assert minutes(expo, "") == 60
    assert minutes(expo, "smb") == 60
    assert minutes(expo, "enterprise") == 30


@pytest.mark.django_db
def test_deadline_for_uses_the_policy_business_hours():
    expo = ChannelFactory(slug="expo")
    SlaPolicy.objects.create(
        name="Expo",
        channel=expo,
        first_response_minutes=60,
        business_hours_start=time(9),
        business_hours_end=time(18),
        working_days=[1, 2, 3, 4, 5],
        timezone="Europe/Moscow",
    )
    deadline, period = deadline_for(channel=expo, segment="", start=msk(2026, 11, 28, 12, 0))
    assert deadline == msk(2026, 11, 30, 10, 0).astimezone(UTC)
    assert period == 60


# --- Policy API (management) -------------------------------------------------------------------


@pytest.mark.django_db
def test_policy_api_creates_and_validates(as_user, manager, seller):
    ChannelFactory(slug="expo")
    client = as_user(manager)
    good = {
        "name": "Expo",
        "first_response_minutes": 30,
        "channel": "expo",
        "business_hours_start": "09:00",
        "business_hours_end": "18:00",
        "working_days": [1, 2, 3, 4, 5],
        "timezone": "Europe/Moscow",
    }
    response = client.post("/api/v1/sla-policies/", good, format="json")
    assert response.status_code == 201, response.json()
    assert client.get("/api/v1/sla-policies/").json()["results"][0]["name"] in {"Default", "Expo"}
    assert as_user(seller).get("/api/v1/sla-policies/").status_code == 403
    assert as_user(seller).post("/api/v1/sla-policies/", good, format="json").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"first_response_minutes": -5}, "first_response_minutes"),
        ({"first_response_minutes": 0}, "first_response_minutes"),
        ({"first_response_minutes": "soon"}, "first_response_minutes"),
        ({"business_hours_start": "09:00"}, "business_hours_end"),
        ({"business_hours_start": "18:00", "business_hours_end": "09:00"}, "business_hours_end"),
        (
            {"business_hours_start": "09:00", "business_hours_end": "18:00", "working_days": []},
            "working_days",
        ),
        ({"working_days": [0, 8]}, "working_days"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"channel": "nowhere"}, "channel"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_policy_values_are_400(as_user, manager, patch, field):
    body = {"name": "P", "first_response_minutes": 10, "segment": "smb", **patch}
    response = as_user(manager).post("/api/v1/sla-policies/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SlaPolicy.objects.filter(name="P").exists()


@pytest.mark.django_db
def test_a_second_policy_for_the_same_scope_is_400(as_user, manager):
    response = as_user(manager).post(
        "/api/v1/sla-policies/",
        {"name": "Another default", "first_response_minutes": 7},
        format="json",
    )
    assert response.status_code == 400
    assert "segment" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"business_hours_start": "09:00"}, "business_hours_end"),
        ({"business_hours_start": "18:00", "business_hours_end": "09:00"}, "business_hours_end"),
        ({"business_hours_start": "09:00", "business_hours_end": "18:00"}, "working_days"),
        ({"working_days": ["0", "8"]}, "working_days"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"segment": ""}, "segment"),  # the default policy exists already
    ],
)
def test_the_admin_checks_a_policy_by_the_api_rules(client, patch, field):
    # given: a member of management in the admin
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="management", is_head=True, is_staff=True))
    body = {"name": "P", "first_response_minutes": "10", "segment": "smb"}
    # when
    response = client.post("/admin/leads/slapolicy/add/", {**body, **patch})
    # then: the form is shown again with the error on the field, nothing saved
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not SlaPolicy.objects.filter(name="P").exists()
    # and a sound policy is saved
    response = client.post("/admin/leads/slapolicy/add/", body)
    assert response.status_code == 302
    assert SlaPolicy.objects.filter(name="P", segment="smb").exists()
