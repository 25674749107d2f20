"""Lead scores on the pages: the lead page, the queue badge (claim order unchanged), the
funnel report and "My campaigns"."""

import pytest

from leads.scoring.training import train_scoring
from leads.selectors import queue_waiting
from tests.factories import CampaignFactory, ChannelFactory
from tests.leads.scoring_data import closed_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def expo(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="expo", name="Exhibitions")


@pytest.fixture
def cold(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="cold", name="Cold calls")


@pytest.fixture
def trained(expo, cold):  # type: ignore[no-untyped-def]
    closed_history(converting=expo, failing=cold, per_channel=25)
    return train_scoring().model


def test_lead_page_without_history_says_scores_need_more(client, manager, make_lead):
    lead = make_lead()
    client.force_login(manager)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Scores need more history." in page
    assert "0 closed leads, at least 40 are needed" in page


def test_lead_page_shows_the_score_and_its_factors(client, manager, trained, make_lead, expo):
    lead = make_lead(channel=expo)
    client.force_login(manager)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert f"{round(float(lead.score) * 100)}%" in page
    assert "+ channel Exhibitions" in page
    assert f"model v{trained.version}" in page


def test_lead_page_in_russian(client, manager, trained, make_lead, expo):
    lead = make_lead(channel=expo)
    client.force_login(manager)
    page = client.get(f"/leads/{lead.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "+ канал Exhibitions" in page


def test_queue_shows_a_badge_and_keeps_the_claim_order(
    client, seller, trained, make_lead, expo, cold
):
    # a lead that scores low arrives first: it stays first in the queue
    low = make_lead(channel=cold)
    high = make_lead(channel=expo)
    assert [lead.pk for lead in queue_waiting()] == [low.pk, high.pk]
    client.force_login(seller)
    page = client.get("/leads/queue/panel/").content.decode()
    assert "badge-score-high" in page and "badge-score-low" in page
    assert page.index(low.name) < page.index(high.name)
    assert "\u2212 channel Cold calls" in page


def test_funnel_and_my_campaigns_show_expected_deals(client, marketer, trained, make_lead, expo):
    spring = CampaignFactory(slug="spring", channel=expo, owner=marketer, name="Spring fair")
    make_lead(channel=expo, campaign=spring)
    client.force_login(marketer)
    funnel = client.get("/reports/?group_by=campaign").content.decode()
    assert "Lead scores of the open leads" in funnel and "Spring fair" in funnel
    mine = client.get("/reports/campaigns/").content.decode()
    assert "Expected deals" in mine and "Spring fair" in mine


def test_funnel_without_a_model_says_why(client, marketer):
    client.force_login(marketer)
    page = client.get("/reports/").content.decode()
    assert "Scores need more history." in page
