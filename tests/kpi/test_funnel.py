"""The funnel report: exact figures on the known data set (see conftest.py), per grouping."""

from datetime import date

import pytest
from django.test import override_settings

from kpi.reports import ReportQuery, funnel_report
from kpi.reports.expressions import median_in_aggregate, window_medians
from leads.models import Lead
from org.periods import Period
from tests.kpi.conftest import NOW

pytestmark = pytest.mark.django_db

CONTRACT = [
    "key",
    "leads",
    "contacted",
    "qualified",
    "disqualified",
    "deals",
    "won",
    "revenue",
    "lead_to_deal_rate",
    "median_first_response_seconds",
    "sla_met_rate",
]


def report(group_by: str, **params: str) -> dict:
    query = ReportQuery(group_by=group_by, period=Period(date(2025, 3, 1), date(2025, 3, 31)))
    return funnel_report(query=query, now=NOW, **params).as_dict()


def contract(row: dict) -> dict:
    return {name: row[name] for name in CONTRACT}


def by_key(data: dict) -> dict:
    return {row["key"]: row for row in data["rows"]}


def test_totals(funnel_data):
    totals = report("channel")["totals"]
    assert contract(totals) == {
        "key": None,
        "leads": 9,  # L1-L8 and L12; L9 (Feb 28) and L10 (Apr 1) are outside
        "contacted": 7,  # all but L5 and L6
        "qualified": 5,  # L1, L2, L3 (later disqualified), L4, L7
        "disqualified": 3,  # L3, L5, L8
        "deals": 4,  # L1, L2, L4, L7
        "won": 2,  # L1, L7
        "revenue": "650.50",  # 300 + 200 + 100.50 (paid in April) + 50 (lost deal); L9 not
        "lead_to_deal_rate": 4 / 9,
        # 60, 300, 600, 720, 1800, 7200, 90000
        "median_first_response_seconds": 720.0,
        # decided: L1-L5, L7, L12 (L6 is inside its deadline at NOW, L8 has none); met: L1, L2
        "sla_met_rate": 2 / 7,
    }
    assert (totals["sla_met"], totals["sla_missed"]) == (2, 5)


def test_by_channel(funnel_data):
    data = report("channel")
    assert [row["key"] for row in data["rows"]] == ["ads", "seo"]
    rows = by_key(data)
    assert contract(rows["ads"]) == {
        "key": "ads",
        "leads": 5,
        "contacted": 4,
        "qualified": 4,
        "disqualified": 2,
        "deals": 3,
        "won": 1,
        "revenue": "650.50",
        "lead_to_deal_rate": 0.6,
        "median_first_response_seconds": 450.0,  # (300 + 600) / 2 of 60, 300, 600, 7200
        "sla_met_rate": 0.4,
    }
    assert contract(rows["seo"]) == {
        "key": "seo",
        "leads": 4,
        "contacted": 3,
        "qualified": 1,
        "disqualified": 1,
        "deals": 1,
        "won": 1,
        "revenue": "0.00",
        "lead_to_deal_rate": 0.25,
        "median_first_response_seconds": 1800.0,  # of 720, 1800, 90000
        "sla_met_rate": 0.0,  # L7, L12 missed; L6 pending; L8 without deadline
    }
    assert rows["ads"]["label"] == "Ads"
    assert rows["ads"]["cost"] is None and rows["ads"]["roi"] is None


def test_by_campaign_with_costs(funnel_data):
    data = report("campaign")
    assert [row["key"] for row in data["rows"]] == [None, "spring", "brand"]
    rows = by_key(data)
    assert contract(rows["spring"]) == {
        "key": "spring",
        "leads": 3,
        "contacted": 3,
        "qualified": 3,
        "disqualified": 1,
        "deals": 2,
        "won": 1,
        "revenue": "600.50",
        "lead_to_deal_rate": 2 / 3,
        "median_first_response_seconds": 300.0,
        "sla_met_rate": 2 / 3,
    }
    assert rows["spring"]["cost"] == "1000.00"
    assert rows["spring"]["cost_per_lead"] == "333.33"
    assert rows["spring"]["cost_per_sale"] == "1000.00"
    assert rows["spring"]["roi"] == pytest.approx(-0.3995, abs=1e-12)
    assert contract(rows["brand"]) == {
        "key": "brand",
        "leads": 2,
        "contacted": 1,
        "qualified": 1,
        "disqualified": 1,
        "deals": 1,
        "won": 0,
        "revenue": "50.00",
        "lead_to_deal_rate": 0.5,
        "median_first_response_seconds": 7200.0,
        "sla_met_rate": 0.0,
    }
    # Unknown cost: no cost figures at all.
    assert [rows["brand"][k] for k in ("cost", "cost_per_lead", "cost_per_sale", "roi")] == [
        None
    ] * 4
    assert rows[None]["label"] == "No campaign"
    assert (rows[None]["leads"], rows[None]["deals"], rows[None]["cost"]) == (4, 1, None)
    # Totals' cost figures cover the campaigns whose cost is known (spring only).
    totals = data["totals"]
    assert (totals["cost"], totals["cost_per_lead"], totals["cost_per_sale"]) == (
        "1000.00",
        "333.33",
        "1000.00",
    )
    assert totals["roi"] == pytest.approx(-0.3995, abs=1e-12)


def test_by_segment(funnel_data):
    rows = by_key(report("segment"))
    assert contract(rows["smb"]) == {
        "key": "smb",
        "leads": 5,
        "contacted": 4,
        "qualified": 3,
        "disqualified": 1,
        "deals": 3,
        "won": 2,
        "revenue": "600.50",
        "lead_to_deal_rate": 0.6,
        "median_first_response_seconds": 510.0,  # (300 + 720) / 2 of 60, 300, 720, 90000
        "sla_met_rate": 0.4,
    }
    assert contract(rows["enterprise"]) == {
        "key": "enterprise",
        "leads": 3,
        "contacted": 3,
        "qualified": 2,
        "disqualified": 2,
        "deals": 1,
        "won": 0,
        "revenue": "50.00",
        "lead_to_deal_rate": 1 / 3,
        "median_first_response_seconds": 1800.0,
        "sla_met_rate": 0.0,
    }
    # L6 alone: nothing touched, nothing decided -> undefined figures are null, not 0.
    assert contract(rows[None]) == {
        "key": None,
        "leads": 1,
        "contacted": 0,
        "qualified": 0,
        "disqualified": 0,
        "deals": 0,
        "won": 0,
        "revenue": "0.00",
        "lead_to_deal_rate": 0.0,
        "median_first_response_seconds": None,
        "sla_met_rate": None,
    }


def test_by_salesperson_and_form(funnel_data):
    data = report("owner")
    s1, s2 = funnel_data.s1.pk, funnel_data.s2.pk
    assert [row["key"] for row in data["rows"]] == [s1, s2, None]  # 4, 4 (by name), 1
    rows = by_key(data)
    assert rows[s1]["label"] == "Anna Sales"
    assert (rows[s1]["leads"], rows[s1]["deals"], rows[s1]["won"]) == (4, 3, 2)
    assert rows[s1]["median_first_response_seconds"] == 300.0  # of 60, 300, 90000
    assert rows[s1]["sla_met_rate"] == 0.5  # L1, L2 met; L5, L7 missed
    assert rows[s2]["median_first_response_seconds"] == 1260.0  # (720 + 1800) / 2
    assert rows[s2]["sla_met_rate"] == 0.0  # L3, L4, L12 missed; L8 has no deadline
    assert rows[s2]["revenue"] == "50.00"
    assert rows[None]["label"] == "Unassigned"

    forms = by_key(report("form"))
    assert (forms["spring-form"]["leads"], forms["spring-form"]["revenue"]) == (2, "600.50")
    assert forms["spring-form"]["sla_met_rate"] == 1.0
    assert forms[None]["leads"] == 7


def test_rows_add_up_to_totals(funnel_data):
    for group_by in ("channel", "campaign", "segment", "form", "owner"):
        data = report(group_by)
        for name in ("leads", "contacted", "qualified", "disqualified", "deals", "won"):
            assert sum(r[name] for r in data["rows"]) == data["totals"][name], (group_by, name)


def test_empty_period_has_null_rates(funnel_data):
    query = ReportQuery(group_by="channel", period=Period(date(2024, 1, 1), date(2024, 1, 31)))
    data = funnel_report(query=query, now=NOW).as_dict()
    assert data["rows"] == []
    assert contract(data["totals"]) == {
        "key": None,
        "leads": 0,
        "contacted": 0,
        "qualified": 0,
        "disqualified": 0,
        "deals": 0,
        "won": 0,
        "revenue": "0.00",
        "lead_to_deal_rate": None,
        "median_first_response_seconds": None,
        "sla_met_rate": None,
    }


def test_narrowing_to_some_leads(funnel_data):
    """The population can be narrowed (a marketer's own campaigns) before grouping."""
    mine = Lead.objects.filter(campaign__owner=funnel_data.marketer)
    data = report("campaign", leads=mine)
    assert [row["key"] for row in data["rows"]] == ["spring"]
    assert data["totals"]["median_first_response_seconds"] == 300.0


def test_pending_deadline_becomes_a_miss_once_past(funnel_data):
    """L6 is untouched: pending two minutes after midnight, missed once its deadline passed."""
    query = ReportQuery(group_by="channel", period=Period(date(2025, 3, 31), date(2025, 3, 31)))
    assert funnel_report(query=query, now=NOW).totals.sla_met_rate is None
    later = NOW.replace(minute=10)
    assert funnel_report(query=query, now=later).totals.sla_met_rate == 0.0


@override_settings(TIME_ZONE="Europe/Moscow")
def test_dates_are_days_in_the_configured_time_zone(funnel_data):
    """Moscow is UTC+3: March there starts Feb 28 21:00 UTC and ends Mar 31 21:00 UTC, so L9
    (Feb 28 23:59:59 UTC) is in and L6 (Mar 31 23:59:59 UTC) is out."""
    rows = by_key(report("campaign"))
    assert rows["spring"]["leads"] == 4
    assert rows["spring"]["revenue"] == "1599.50"  # + L9's 999
    assert rows[None]["leads"] == 3


def test_window_median_path_matches(funnel_data):
    """The ordered window-function median (SQLite's path, and valid on every backend) gives
    the same values as the report; on PostgreSQL this checks it against percentile_cont."""
    march = Lead.objects.filter(Period(date(2025, 3, 1), date(2025, 3, 31)).created_q()).order_by()
    ads, seo = funnel_data.ads.pk, funnel_data.seo.pk
    assert window_medians(march, "channel") == {ads: 450.0, seo: 1800.0}
    assert window_medians(march, None) == {None: 720.0}
    assert window_medians(march.filter(first_touch_at__isnull=True), None) == {}
    segments = window_medians(march, "segment")
    assert segments == {"smb": 510.0, "enterprise": 1800.0}
    if median_in_aggregate():
        rows = by_key(report("segment"))
        assert {k: rows[k]["median_first_response_seconds"] for k in segments} == segments
