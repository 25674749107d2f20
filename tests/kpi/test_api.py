"""GET /api/v1/reports/...: the contract's shape, bad input, who may read, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpi.reports.expressions import median_in_aggregate
from tests.conftest import Count
from tests.factories import CampaignFactory, ChannelFactory, UserFactory
from tests.kpi.conftest import MARCH, at
from tests.kpi.factories import deal_for, lead_at

pytestmark = pytest.mark.django_db

ROW = {
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
}


def test_anonymous_is_401(api):
    for url in ["funnel", "rejections", "speed-to-lead"]:
        assert api.get(f"/api/v1/reports/{url}/").status_code == 401


@pytest.mark.parametrize("role", ["marketing", "sales", "management"])
def test_funnel_contract_for_every_role(as_user, funnel_data, role):
    response = as_user(UserFactory(role=role)).get(
        "/api/v1/reports/funnel/", {"group_by": "segment", **MARCH}
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"rows", "totals"}
    assert all(set(row) >= ROW for row in [*data["rows"], data["totals"]])
    assert [row["key"] for row in data["rows"]] == ["smb", "enterprise", None]
    totals = data["totals"]
    assert (totals["leads"], totals["revenue"], totals["median_first_response_seconds"]) == (
        9,
        "650.50",
        720.0,
    )


def test_funnel_by_channel_over_http(as_user, manager, funnel_data):
    """The API's clock is the real one: L6's deadline passed long ago, so L6 is decided
    (missed) here, unlike at NOW in the service tests."""
    data = as_user(manager).get("/api/v1/reports/funnel/", {"group_by": "channel", **MARCH}).json()
    seo = next(row for row in data["rows"] if row["key"] == "seo")
    assert seo["sla_met_rate"] == 0.0
    assert data["totals"]["sla_met_rate"] == 2 / 8  # L6 joins the decided ones: 2 met of 8


def test_rejection_reasons_by_campaign(as_user, marketer, funnel_data):
    data = (
        as_user(marketer)
        .get("/api/v1/reports/rejections/", {"group_by": "campaign", **MARCH})
        .json()
    )
    rows = {row["key"]: row for row in data["rows"]}
    assert rows["spring"] == {
        "key": "spring",
        "label": "Spring",
        "leads": 3,
        "disqualified": 1,
        "disqualified_rate": 1 / 3,
        "reasons": [
            {
                "code": "no_need",
                "label": rows["spring"]["reasons"][0]["label"],
                "count": 1,
                "share": 1.0,
            }
        ],
    }
    assert [(r["code"], r["count"]) for r in rows["brand"]["reasons"]] == [("not_target", 1)]
    assert [(r["code"], r["count"]) for r in rows[None]["reasons"]] == [("no_need", 1)]
    totals = data["totals"]
    assert (totals["leads"], totals["disqualified"], totals["disqualified_rate"]) == (9, 3, 1 / 3)
    assert [(r["code"], r["count"], r["share"]) for r in totals["reasons"]] == [
        ("no_need", 2, 2 / 3),
        ("not_target", 1, 1 / 3),
    ]


def test_rejection_reasons_by_channel(as_user, marketer, funnel_data):
    data = as_user(marketer).get("/api/v1/reports/rejections/", MARCH).json()
    assert [(r["key"], r["disqualified"]) for r in data["rows"]] == [("ads", 2), ("seo", 1)]
    ads = data["rows"][0]
    assert [(r["code"], r["share"]) for r in ads["reasons"]] == [
        ("no_need", 0.5),
        ("not_target", 0.5),
    ]
    assert data["rows"][1]["disqualified_rate"] == 0.25


def test_speed_to_lead_curve(as_user, seller, funnel_data):
    data = as_user(seller).get("/api/v1/reports/speed-to-lead/", MARCH).json()
    curve = [
        (r["bucket"], r["leads"], r["deals"], r["won"], r["conversion_rate"]) for r in data["rows"]
    ]
    assert curve == [
        ("under_5m", 1, 1, 1, 1.0),  # L1 (60 s)
        ("5m_30m", 3, 1, 0, 1 / 3),  # L2 (exactly 300 s), L3, L12
        ("30m_1h", 1, 0, 0, 0.0),  # L8 (exactly 1800 s)
        ("1h_24h", 1, 1, 0, 1.0),  # L4
        ("over_24h", 1, 1, 1, 1.0),  # L7
        ("never", 2, 0, 0, 0.0),  # L5, L6
    ]
    assert data["totals"] == {
        "bucket": "total",
        "label": "Total",
        "leads": 9,
        "deals": 4,
        "won": 2,
        "conversion_rate": 4 / 9,
        "win_rate": 2 / 9,
    }


def test_speed_to_lead_narrowed_and_empty(as_user, seller, funnel_data):
    data = (
        as_user(seller).get("/api/v1/reports/speed-to-lead/", {**MARCH, "campaign": "brand"}).json()
    )
    assert [r["leads"] for r in data["rows"]] == [0, 0, 0, 1, 0, 1]
    assert data["rows"][0]["conversion_rate"] is None  # no leads: undefined, not 0
    # group_by does not apply to the curve and is ignored rather than rejected.
    response = as_user(seller).get("/api/v1/reports/speed-to-lead/", {**MARCH, "group_by": "x"})
    assert response.status_code == 200


def test_funnel_narrowed_to_a_channel(as_user, manager, funnel_data):
    data = (
        as_user(manager)
        .get("/api/v1/reports/funnel/", {"group_by": "campaign", "channel": "seo", **MARCH})
        .json()
    )
    assert [(r["key"], r["leads"]) for r in data["rows"]] == [(None, 4)]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"group_by": "colour"},
            "group_by",
            "Unknown grouping 'colour'; use one of: channel, campaign, segment, form, owner.",
        ),
        ({"from": "2025-13-01"}, "from", "2025-13-01 is not a calendar date."),
        ({"to": "yesterday"}, "to", "Enter a date as YYYY-MM-DD."),
        ({"from": "2025-3-1"}, "from", "Enter a date as YYYY-MM-DD."),
        (
            {"from": "0001-01-01", "to": "0001-01-02"},
            "from",
            "Must be between 2000-01-01 and 2100-12-31.",
        ),
        (
            {"from": "2100-12-30", "to": "9999-12-31"},
            "to",
            "Must be between 2000-01-01 and 2100-12-31.",
        ),
        (
            {"from": "2025-03-02", "to": "2025-03-01"},
            "from",
            "The start date is after the end date.",
        ),
        (
            {"from": "2015-01-01", "to": "2025-12-31"},
            "to",
            "The period is 4018 days long; at most 3660 days are allowed.",
        ),
        ({"campaign": "nope"}, "campaign", "Unknown campaign 'nope'."),
        ({"channel": "a\x00b"}, "channel", "Unknown channel 'a\\x00b'."),
        ({"from": "2025-01-01\x00"}, "from", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_bad_input_is_a_clear_400(as_user, manager, params, field, message):
    response = as_user(manager).get("/api/v1/reports/funnel/", params)
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_all_problems_are_reported_at_once(as_user, manager):
    response = as_user(manager).get(
        "/api/v1/reports/rejections/", {"group_by": "x", "from": "x", "to": "2025-01-01"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"group_by", "from"}


def test_the_maximum_range_is_a_setting(as_user, manager, settings):
    settings.REPORT_MAX_DAYS = 31
    client = as_user(manager)
    assert client.get("/api/v1/reports/funnel/", MARCH).status_code == 200
    response = client.get("/api/v1/reports/funnel/", {"from": "2025-03-01", "to": "2025-04-01"})
    assert response.status_code == 400
    assert response.json() == {"to": ["The period is 32 days long; at most 31 days are allowed."]}


def test_defaults_are_the_last_30_days_by_channel(as_user, manager):
    response = as_user(manager).get("/api/v1/reports/funnel/")
    assert response.status_code == 200
    assert response.json()["totals"]["leads"] == 0


def add_groups(n: int) -> None:
    """n more channels, campaigns and salespeople, each with a paid deal and a rejection."""
    for i in range(n):
        channel = ChannelFactory()
        campaign = CampaignFactory(channel=channel, cost="10.00")
        seller = UserFactory(role="sales")
        lead = lead_at(
            at(15),
            touch_after=60 * (i + 1),
            qualified=True,
            channel=channel,
            campaign=campaign,
            owner=seller,
            segment=f"seg{i}",
        )
        deal_for(lead, payments=(("10.00", at(20)), ("5.00", at(21))))
        lead_at(at(16), reason="no_response", channel=channel, campaign=campaign, owner=seller)


def report(request):  # type: ignore[no-untyped-def]
    """A report's queries and its number of rows (a report is one object with ``rows``)."""
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    assert response.status_code == 200, response.content[:300]
    return Count(len(ctx.captured_queries), len(response.json()["rows"]))


FUNNEL_ROWS = {
    "channel": (2, 9),
    "campaign": (3, 10),
    "segment": (3, 10),
    "form": (2, 2),
    "owner": (3, 10),
}


@pytest.mark.parametrize("group_by", ["channel", "campaign", "segment", "form", "owner"])
def test_funnel_query_count_is_constant_in_groups(as_user, manager, funnel_data, group_by):
    client = as_user(manager)
    # 1 grouped aggregate of the leads (counts and, on PostgreSQL, the medians) + 1 grouped
    # sum of their payments + 1 aggregate for the totals' median (SQLite: + 1 window query for
    # the groups' medians) + 1 lookup of the groups' slugs and names (none for segments,
    # which are their own names).
    expected = (3 if median_in_aggregate() else 4) + (group_by != "segment")
    params = {"group_by": group_by, **MARCH}
    few = report(lambda: client.get("/api/v1/reports/funnel/", params))
    add_groups(7)
    many = report(lambda: client.get("/api/v1/reports/funnel/", params))
    assert (few.queries, many.queries) == (expected, expected)
    # Seven more channels, campaigns, segments and owners each (the new leads come through
    # no web form, so the form grouping keeps its two rows).
    assert (few.rows, many.rows) == FUNNEL_ROWS[group_by]


def test_rejection_and_speed_query_counts_are_constant(as_user, manager, funnel_data):
    client = as_user(manager)
    add_groups(1)
    # Rejections: 1 grouped aggregate by (group, reason) + 1 group lookup + 1 reason lookup.
    rejections = {"group_by": "campaign", **MARCH}
    a = report(lambda: client.get("/api/v1/reports/rejections/", rejections))
    # Speed to lead: 1 grouped aggregate by bucket.
    b = report(lambda: client.get("/api/v1/reports/speed-to-lead/", MARCH))
    add_groups(7)
    c = report(lambda: client.get("/api/v1/reports/rejections/", rejections))
    d = report(lambda: client.get("/api/v1/reports/speed-to-lead/", MARCH))
    # Seven more campaigns' rejection rows; the speed buckets stay six.
    assert (a, b, c, d) == (Count(3, 4), Count(1, 6), Count(3, 11), Count(1, 6))


def test_schema_describes_the_reports(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    funnel = schema["paths"]["/api/v1/reports/funnel/"]["get"]
    assert {p["name"] for p in funnel["parameters"]} >= {"group_by", "from", "to"}
    assert "400" in funnel["responses"]
    assert "/api/v1/reports/rejections/" in schema["paths"]
    assert "/api/v1/reports/speed-to-lead/" in schema["paths"]
