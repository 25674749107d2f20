"""The company calendar (issue 13, item 14): public holidays of HOLIDAYS_COUNTRY plus the
company's days off and worked weekend days, read by every business-hours deadline and the sweep."""

import zoneinfo
from datetime import UTC, date, datetime, time

import pytest
from django.test import override_settings

from leads.models import Escalation, Lead, SlaPolicy
from leads.services import sla_sweep
from leads.sla import BusinessHours, add_working_time, deadline_for
from org.calendar import Calendar, company_calendar, public_holidays
from org.models import CompanyDay
from org.services import company_day_delete, company_day_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.fixture
def office_hours(channel):  # type: ignore[no-untyped-def]
    """Leads from ``channel`` (the one ``make_lead`` uses): 60 working minutes, 9-18 Moscow."""
    return SlaPolicy.objects.create(
        name="Office",
        channel=channel,
        first_response_minutes=60,
        business_hours_start=time(9),
        business_hours_end=time(18),
        working_days=[1, 2, 3, 4, 5],
        timezone="Europe/Moscow",
    )


def test_russian_public_holidays_close_the_day():
    cal = Calendar(country="RU")
    assert not cal.is_worked(date(2027, 1, 4), WEEKDAYS)  # a Monday in the New Year break
    assert not cal.is_worked(date(2026, 12, 31), WEEKDAYS)  # a moved day off (a Thursday)
    assert cal.is_worked(date(2027, 1, 11), WEEKDAYS)
    assert not cal.is_worked(date(2027, 1, 9), WEEKDAYS)  # a plain Saturday
    assert Calendar(country="").is_worked(date(2027, 1, 4), WEEKDAYS)  # no country: no holidays


def test_a_lead_arriving_on_3_january_waits_for_the_first_working_day(make_lead, office_hours):
    lead = make_lead(now=msk(2027, 1, 3, 10, 0))
    # 1-8 January are public holidays in Russia, 9-10 the weekend: Monday 11 January.
    assert Lead.objects.get(pk=lead.pk).sla_deadline == msk(2027, 1, 11, 10, 0)
    assert sla_sweep(now=msk(2027, 1, 6, 12, 0)).total == 0  # nobody is chased meanwhile


@override_settings(HOLIDAYS_COUNTRY="")
def test_without_a_country_only_the_weekdays_count(make_lead, office_hours):
    lead = make_lead(now=msk(2027, 1, 3, 10, 0))
    assert Lead.objects.get(pk=lead.pk).sla_deadline == msk(2027, 1, 4, 10, 0)


def test_company_days_off_and_worked_weekend_days(make_lead, office_hours, manager):
    company_day_set(by=manager, day=date(2026, 12, 7), kind="day_off", note="Team day")
    company_day_set(by=manager, day=date(2026, 12, 12), kind="working_day", note="Moved")
    friday_evening = make_lead(now=msk(2026, 12, 11, 17, 30))
    sunday = make_lead(now=msk(2026, 12, 6, 12, 0))
    # 30 minutes on Friday, the other 30 on the worked Saturday.
    assert Lead.objects.get(pk=friday_evening.pk).sla_deadline == msk(2026, 12, 12, 9, 30)
    # Monday 7 December is the company's day off: Tuesday.
    assert Lead.objects.get(pk=sunday.pk).sla_deadline == msk(2026, 12, 8, 10, 0)


def test_a_company_working_day_beats_a_public_holiday():
    cal = Calendar(overrides={date(2027, 1, 4): CompanyDay.Kind.WORKING_DAY}, country="RU")
    hours = BusinessHours(start=time(9), end=time(18), days=WEEKDAYS, tz=MSK)
    assert add_working_time(msk(2027, 1, 3, 12, 0), 5, hours, cal) == msk(2027, 1, 4, 9, 5)


def test_deadline_for_reads_the_calendar_only_with_business_hours(channel, office_hours):
    deadline, _ = deadline_for(channel=channel, segment="", start=msk(2027, 1, 3, 10, 0))
    assert deadline == msk(2027, 1, 11, 10, 0).astimezone(UTC)
    office_hours.delete()  # the default: every minute counts, holidays too
    deadline, _ = deadline_for(channel=channel, segment="", start=msk(2027, 1, 3, 10, 0))
    assert deadline == msk(2027, 1, 3, 10, 5).astimezone(UTC)


def test_the_sweeps_second_level_counts_working_time_too(make_lead, office_hours):
    UserFactory(role="sales", is_head=True)
    lead = make_lead(now=msk(2026, 12, 30, 17, 0))  # deadline 18:00, the last working hour
    assert Lead.objects.get(pk=lead.pk).sla_deadline == msk(2026, 12, 30, 18, 0)
    assert sla_sweep(now=msk(2026, 12, 30, 18, 0)).level1 == 1
    # One SLA period later in working time is 10:00 on 11 January, not 19:00 on 30 December.
    assert Lead.objects.get(pk=lead.pk).sla_next_check_at == msk(2027, 1, 11, 10, 0)
    assert sla_sweep(now=msk(2026, 12, 30, 19, 30)).total == 0
    assert sla_sweep(now=msk(2027, 1, 5, 12, 0)).total == 0
    assert sla_sweep(now=msk(2027, 1, 11, 10, 0)).level2 == 1
    assert Escalation.objects.filter(lead=lead).count() == 2


def test_the_calendar_is_read_in_one_query(django_assert_num_queries, manager):
    company_day_set(by=manager, day=date(2026, 12, 7), kind="day_off")
    with django_assert_num_queries(1):
        cal = company_calendar(since=date(2026, 12, 1))
    assert cal.overrides == {date(2026, 12, 7): "day_off"}


def test_only_management_edits_the_calendar_and_edits_are_audited(manager, seller):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        company_day_set(by=seller, day=date(2026, 12, 7), kind="day_off")
    with pytest.raises(ValidationError) as bad:
        company_day_set(by=manager, day=date(1999, 12, 31), kind="holiday")
    assert set(bad.value.message_dict) == {"date", "kind"}
    day = company_day_set(by=manager, day=date(2026, 12, 7), kind="day_off")
    same = company_day_set(by=manager, day=date(2026, 12, 7), kind="working_day", note="moved")
    assert same.pk == day.pk and CompanyDay.objects.get().kind == "working_day"
    company_day_delete(by=manager, company_day=same)
    assert not CompanyDay.objects.exists()
    trail = CompanyDay.history.order_by("history_id")  # type: ignore[attr-defined]
    assert [(h.history_change_reason, h.history_user_id) for h in trail] == [
        ("added", manager.pk),
        ("changed", manager.pk),
        ("removed", manager.pk),
    ]


def test_the_calendar_page(client, manager, seller):
    client.force_login(manager)
    page = client.get("/settings/calendar/")
    assert page.status_code == 200
    assert "New Year Holidays" in page.content.decode()
    saved = client.post(
        "/settings/calendar/", {"date": "2026-12-12", "kind": "working_day", "note": "Moved"}
    )
    assert saved.status_code == 302
    day = CompanyDay.objects.get()
    assert (day.date, day.kind, day.note) == (date(2026, 12, 12), "working_day", "Moved")
    assert "2026-12-12" in client.get("/settings/calendar/").content.decode()
    bad = client.post("/settings/calendar/", {"date": "12.12.2026x", "kind": "day_off"})
    assert bad.status_code == 400
    assert client.post(f"/settings/calendar/{day.pk}/delete/").status_code == 302
    assert not CompanyDay.objects.exists()

    client.force_login(seller)
    assert client.get("/settings/calendar/").status_code == 403
    assert (
        client.post("/settings/calendar/", {"date": "2026-12-12", "kind": "day_off"}).status_code
        == 403
    )
    assert not CompanyDay.objects.exists()


def test_the_calendar_page_names_holidays_in_russian(client, manager):
    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/settings/calendar/"})
    page = client.get("/settings/calendar/").content.decode()
    assert "Новогодние каникулы" in page
    assert public_holidays(2027)[date(2027, 1, 7)] == "Christmas Day"


def test_management_edits_the_calendar_in_the_admin(client, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/org/companyday/add/", {"date": "2026-12-07", "kind": "day_off", "note": "Team"}
    )
    assert response.status_code == 302
    day = CompanyDay.objects.get()
    assert day.history.get().history_user_id == manager.pk  # type: ignore[attr-defined]
    moved = client.post(
        f"/admin/org/companyday/{day.pk}/change/",
        {"date": "2026-12-08", "kind": "day_off", "note": "Team"},
    )
    assert moved.status_code == 302
    assert list(CompanyDay.objects.values_list("date", flat=True)) == [date(2026, 12, 8)]
