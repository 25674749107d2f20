"""Lead-quality roll-ups on a known data set: every figure below is worked out by hand.

lead created     campaign (owner)        form  channel  rating  tags
A    2025-03-03  spring (marketer)       f1    website  5       ready_to_buy, good_fit
B    2025-03-04  spring (marketer)       f1    website  2       no_budget
C    2025-03-12  spring (marketer)       -     website  4       good_fit
D    2025-03-12  brand (other_marketer)  -     ads      1       wrong_contacts, no_budget
E    2025-03-20  -                       -     ads      3       -
G    2025-02-20  spring (marketer)       -     website  1       -          (before March)

Weeks start on Monday (UTC in tests): A, B in 2025-03-03; C, D in 2025-03-10; E in 2025-03-17.
"""

from datetime import UTC, date, datetime

import pytest

from feedback.models import LeadFeedback
from feedback.rollups import quality_rollup
from feedback.services import lead_feedback_give
from tests.factories import CampaignFactory, ChannelFactory, WebFormFactory

pytestmark = pytest.mark.django_db

MARCH = "from=2025-03-01&to=2025-03-31"


@pytest.fixture
def data(worked, seller, campaign, other_marketer, channel):  # type: ignore[no-untyped-def]
    ads = ChannelFactory(slug="ads", name="Ads")
    brand = CampaignFactory(slug="brand", name="Brand", channel=ads, owner=other_marketer)
    f1 = WebFormFactory(slug="f1", name="Form one", channel=channel, campaign=campaign)
    rows = [
        ("A", 3, {"campaign": campaign, "form": f1}, 5, ["ready_to_buy", "good_fit"]),
        ("B", 4, {"campaign": campaign, "form": f1}, 2, ["no_budget"]),
        ("C", 12, {"campaign": campaign}, 4, ["good_fit"]),
        ("D", 12, {"campaign": brand, "channel": ads}, 1, ["wrong_contacts", "no_budget"]),
        ("E", 20, {"campaign": None, "channel": ads}, 3, []),
        ("G", -8, {"campaign": campaign}, 1, []),  # 2025-02-20
    ]
    leads = {}
    for name, day, fields, rating, tags in rows:
        created = (
            datetime(2025, 3, day, 10, tzinfo=UTC)
            if day > 0
            else datetime(2025, 2, 28 + day, 10, tzinfo=UTC)
        )
        lead = worked(seller, name=name, now=created, **fields)
        lead_feedback_give(lead=lead, by=seller, rating=rating, tags=tags)
        leads[name] = lead
    return leads


def _get(client, query: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = client.get(f"/api/v1/feedback/quality/?{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def _ratings(*counts: int) -> dict[str, int]:
    return {str(r): n for r, n in zip(range(1, 6), counts, strict=True)}


def test_per_campaign_in_march(as_user, marketer, data):
    body = _get(as_user(marketer), f"group_by=campaign&{MARCH}")
    assert body["group_by"] == "campaign"
    spring, brand, none = body["rows"]
    assert spring == {
        "key": "spring",
        "label": "Spring",
        "feedbacks": 3,
        "leads": 3,
        "average_rating": 3.67,
        "ratings": _ratings(0, 1, 0, 1, 1),
        "tags": {"good_fit": 2, "no_budget": 1, "ready_to_buy": 1},
        "weeks": [
            {"week": "2025-03-03", "feedbacks": 2, "average_rating": 3.5},
            {"week": "2025-03-10", "feedbacks": 1, "average_rating": 4.0},
            {"week": "2025-03-17", "feedbacks": 0, "average_rating": None},
        ],
    }
    assert (brand["key"], brand["feedbacks"], brand["average_rating"]) == ("brand", 1, 1.0)
    assert brand["tags"] == {"no_budget": 1, "wrong_contacts": 1}
    assert [w["feedbacks"] for w in brand["weeks"]] == [0, 1, 0]
    assert (none["key"], none["label"], none["average_rating"]) == ("", "", 3.0)
    assert [w["average_rating"] for w in none["weeks"]] == [None, None, 3.0]

    totals = body["totals"]
    assert (totals["feedbacks"], totals["leads"], totals["average_rating"]) == (5, 5, 3.0)
    assert totals["ratings"] == _ratings(1, 1, 1, 1, 1)
    assert totals["tags"] == {"good_fit": 2, "no_budget": 2, "ready_to_buy": 1, "wrong_contacts": 1}
    assert totals["weeks"] == [
        {"week": "2025-03-03", "feedbacks": 2, "average_rating": 3.5},
        {"week": "2025-03-10", "feedbacks": 2, "average_rating": 2.5},
        {"week": "2025-03-17", "feedbacks": 1, "average_rating": 3.0},
    ]


def test_per_form_and_per_channel(as_user, manager, data):
    by_form = _get(as_user(manager), f"group_by=form&{MARCH}")["rows"]
    assert [(r["key"], r["feedbacks"], r["average_rating"]) for r in by_form] == [
        ("", 3, 2.67),  # C, D, E: (4 + 1 + 3) / 3
        ("f1", 2, 3.5),
    ]
    by_channel = _get(as_user(manager), f"group_by=channel&{MARCH}")["rows"]
    assert [(r["key"], r["label"], r["feedbacks"], r["average_rating"]) for r in by_channel] == [
        ("website", "Website", 3, 3.67),
        ("ads", "Ads", 2, 2.0),
    ]


def test_without_a_period_every_lead_counts_and_weeks_follow(as_user, marketer, data):
    spring = _get(as_user(marketer), "group_by=campaign")["rows"][0]
    assert (spring["feedbacks"], spring["average_rating"]) == (4, 3.0)  # (5 + 2 + 4 + 1) / 4
    assert [w["week"] for w in spring["weeks"]] == [
        "2025-02-17",
        "2025-03-03",
        "2025-03-10",
        "2025-03-17",
    ]


def test_a_marketer_sees_their_own_campaigns_with_mine(as_user, marketer, other_marketer, data):
    mine = _get(as_user(marketer), f"mine=true&{MARCH}")
    assert [r["key"] for r in mine["rows"]] == ["spring"]
    assert mine["totals"]["feedbacks"] == 3
    theirs = _get(as_user(other_marketer), f"mine=true&{MARCH}")
    assert [r["key"] for r in theirs["rows"]] == ["brand"]
    one = _get(as_user(marketer), f"campaign=brand&{MARCH}")
    assert [r["key"] for r in one["rows"]] == ["brand"]


def test_a_second_opinion_does_not_count_twice(as_user, marketer, seller, data):
    lead_feedback_give(lead=data["A"], by=seller, rating=3, tags=["good_fit"])
    spring = _get(as_user(marketer), f"{MARCH}")["rows"][0]
    assert (spring["feedbacks"], spring["average_rating"]) == (3, 3.0)  # (3 + 2 + 4) / 3
    assert spring["tags"] == {"good_fit": 2, "no_budget": 1}


def test_the_function_gives_decimals_rounded_half_up(data):
    report = quality_rollup(feedback=LeadFeedback.objects.all(), group_by="channel")
    website = report.rows[0]
    assert str(website.average_rating) == "3.00"  # (5 + 2 + 4 + 1) / 4
    assert report.weeks[0] == date(2025, 2, 17)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=segment", "group_by"),
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2025-03-10&to=2025-03-01", "from"),  # org.periods: keyed like the KPI reports
        ("mine=maybe", "mine"),
    ],
)
def test_bad_parameters_are_a_400(as_user, marketer, query, field):
    response = as_user(marketer).get(f"/api/v1/feedback/quality/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_roll_ups_are_for_marketing_and_management(api, as_user, seller, marketer, manager):
    assert as_user(seller).get("/api/v1/feedback/quality/").status_code == 403
    assert as_user(marketer).get("/api/v1/feedback/quality/").status_code == 200
    assert as_user(manager).get("/api/v1/feedback/quality/").status_code == 200
    assert api.get("/api/v1/feedback/quality/").status_code == 401


def test_no_feedback_gives_empty_rows_and_null_average(as_user, manager):
    body = _get(as_user(manager), "")
    assert body["rows"] == []
    assert body["totals"]["feedbacks"] == 0 and body["totals"]["average_rating"] is None
