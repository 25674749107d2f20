"""``GET /api/v1/reports/scoring/`` (docs/api.md): expected deals = the exact sum of the open
leads' scores, per channel / campaign / form; the model in use."""

from decimal import Decimal

import pytest
from django.utils import timezone

from kpi.reports.scoring import scoring_report
from leads.models import Lead, ScoringFlag
from leads.scoring.training import FLAG_MIN_LEADS, train_scoring
from org.models import Notification
from tests.factories import CampaignFactory, ChannelFactory
from tests.leads.scoring_data import closed_history

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/scoring/"


@pytest.fixture
def expo(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="expo", name="Exhibitions")


@pytest.fixture
def cold(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="cold", name="Cold calls")


def test_without_a_model(as_user, marketer, make_lead):
    make_lead()
    body = as_user(marketer).get(URL).json()
    assert body["model"] is None
    [row] = body["rows"]
    assert (row["key"], row["open_leads"], row["scored_leads"]) == ("website", 1, 0)
    assert row["expected_deals"] == 0 and row["mean_score"] is None


def test_sums_are_exact_per_group(as_user, seller, expo, cold, make_lead):
    # given a model and open leads of two channels and two campaigns, one closed lead
    closed_history(converting=expo, failing=cold, per_channel=25)
    model = train_scoring().model
    spring = CampaignFactory(slug="spring", channel=expo)
    leads = [make_lead(channel=expo, campaign=spring) for _ in range(3)]
    leads += [make_lead(channel=cold) for _ in range(4)]
    Lead.objects.filter(pk=leads[-1].pk).update(status=Lead.Status.DISQUALIFIED)
    leads = [Lead.objects.get(pk=lead.pk) for lead in leads]
    # when
    by_channel = as_user(seller).get(URL).json()
    by_campaign = as_user(seller).get(URL, {"group_by": "campaign"}).json()
    # then
    rows = {row["key"]: row for row in by_channel["rows"]}
    for slug, members in (("expo", leads[:3]), ("cold", leads[3:6])):
        total = sum(lead.score for lead in members)
        assert rows[slug]["open_leads"] == rows[slug]["scored_leads"] == len(members)
        assert Decimal(str(rows[slug]["expected_deals"])) == total
        assert Decimal(str(rows[slug]["mean_score"])) == (total / len(members)).quantize(
            Decimal("0.0001")
        )
    campaigns = {row["key"]: row for row in by_campaign["rows"]}
    assert set(campaigns) == {"spring", None}
    assert Decimal(str(campaigns["spring"]["expected_deals"])) == sum(
        lead.score for lead in leads[:3]
    )
    assert by_channel["model"] == {
        "version": 1,
        "trained_at": model.trained_at.isoformat().replace("+00:00", "Z"),
        "closed_leads": 50,
        "auc": model.auc,
    }
    # the trend: this week's scored leads, all statuses
    assert rows["cold"]["trend"][-1]["leads"] == 4


def test_by_form(as_user, seller, make_lead):
    body = as_user(seller).get(URL, {"group_by": "form"}).json()
    assert body["rows"] == []


@pytest.mark.parametrize("group_by", ["segment", "owner", "x" * 300, "\x00"])
def test_unknown_grouping_is_400(as_user, seller, group_by):
    response = as_user(seller).get(URL, {"group_by": group_by})
    assert response.status_code == 400
    assert "group_by" in response.json()


def test_the_report_needs_a_login(api):
    assert api.get(URL).status_code == 401


def test_query_count_does_not_grow_with_groups(django_assert_num_queries, expo, cold, make_lead):
    make_lead(channel=expo)
    # open leads, weekly trend, names, the model (flags only for campaigns)
    with django_assert_num_queries(4):
        few = scoring_report(group_by="channel")
    for n in range(5):
        make_lead(channel=ChannelFactory(slug=f"c{n}"))
    with django_assert_num_queries(4):
        many = scoring_report(group_by="channel")
    assert (len(few.rows), len(many.rows)) == (1, 6)  # a row per channel with open leads


def test_a_poorly_scoring_campaign_is_flagged_to_its_marketer_once(expo, cold, marketer, make_lead):
    # given a campaign on the channel that never converts, with recent leads, whose marketer
    # uses Tandem in Russian
    marketer.language = "ru"
    marketer.save(update_fields=["language"])
    closed_history(converting=expo, failing=cold, per_channel=25)
    bad = CampaignFactory(slug="bad", channel=cold, owner=marketer, name="Bad one")
    good = CampaignFactory(slug="good", channel=expo, owner=marketer)
    for _ in range(FLAG_MIN_LEADS):
        make_lead(channel=cold, campaign=bad)
        make_lead(channel=expo, campaign=good)
    # when the model is trained (the leads are rescored), twice the same week
    first = train_scoring(now=timezone.now())
    second = train_scoring(now=timezone.now())
    # then the bad campaign is flagged once, its marketer told once
    assert [f.campaign.slug for f in first.flagged] == ["bad"]
    assert second.flagged == []
    assert ScoringFlag.objects.get().marketer == marketer
    [note] = Notification.objects.filter(recipient=marketer)
    assert note.subject == "Кампания «Bad one»: её новые лиды получают низкую оценку"
    rows = {r.key: r for r in scoring_report(group_by="campaign").rows}
    assert rows["bad"].flagged and not rows["good"].flagged
