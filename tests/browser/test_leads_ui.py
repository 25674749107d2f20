"""A salesperson's day in a real browser: log in, claim, first touch, qualify, convert."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Payment
from leads.models import Lead
from leads.services import LeadInput, Source, lead_intake
from tests.factories import CampaignFactory, ChannelFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue_with_leads(db):  # type: ignore[no-untyped-def]
    channel = ChannelFactory(slug="google-ads", name="Google Ads")
    campaign = CampaignFactory(slug="spring", name="Spring search", channel=channel)
    now = timezone.now()
    for i, (name, minutes_ago) in enumerate(
        [("Ivan Petrov", 4), ("Anna Smirnova", 2), ("Oleg Sidorov", 1), ("Maria Orlova", 7)]
    ):
        lead_intake(
            data=LeadInput(
                name=name,
                channel=channel,
                campaign=campaign,
                phone=f"+7916123456{i}",
                company="Stroymaster",
                segment="smb",
            ),
            source=Source.API,
            now=now - timedelta(minutes=minutes_ago),
        )


def test_salesperson_claims_and_works_a_lead(page, login, shot, queue_with_leads):
    UserFactory(username="anna", role="sales", first_name="Anna", last_name="Petrova")
    login("anna")
    assert page.url.endswith("/leads/queue/")
    assert page.locator("text=Waiting in the queue").is_visible()
    # live countdowns are rendered by the page's own script
    overdue = page.locator(".countdown.overdue")
    assert overdue.count() >= 1  # Maria has waited 7 minutes
    assert overdue.first.inner_text().startswith("overdue ")
    assert "left" in page.locator(".countdown:not(.overdue)").first.inner_text()
    shot("queue")

    page.click("#claim-next")
    page.wait_for_url("**/leads/*/")
    assert "Maria Orlova" in page.inner_text("h1")  # the earliest deadline first
    shot("lead-claimed")

    page.select_option("select[name=kind]", "call")
    page.fill("input[name=note]", "Interested, wants a demo on Monday")
    page.click("text=Log touch")
    page.wait_for_selector(".msg-success")
    assert page.locator("text=Interested, wants a demo on Monday").is_visible()

    for box in page.locator("input[type=checkbox][name^=criterion_]").all():
        box.check()
    page.click("button:has-text('Qualify')")
    page.wait_for_selector("text=is qualified")

    page.fill("input[name=amount]", "240000")
    page.click("text=Create deal")
    page.wait_for_url("**/deals/*/")  # converting takes you to the new deal
    page.wait_for_selector("text=Deal created")
    lead = Lead.objects.get(name="Maria Orlova")
    assert lead.status == "converted"
    shot("deal-created")

    # A payment far above the deal's amount asks first.
    page.fill("form[action$='/payments/'] input[name=amount]", "9000000")
    page.click("text=Record payment")
    page.wait_for_selector("#confirm-over")
    shot("payment-over-amount")
    page.click("#confirm-over")
    page.wait_for_selector("text=Payment recorded")
    # ... and a payment entered by mistake is voided, with a reason and a confirmation.
    page.click("details.void summary")
    page.fill("details.void input[name=reason]", "one zero too many")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Void payment")
    page.wait_for_selector("text=Payment voided")
    assert not Payment.objects.counted().exists()
    assert Payment.objects.count() == 1
    page.click("button:has-text('Won')")
    page.wait_for_selector(".badge-won")
    shot("deal-won")


def test_queue_refresh_never_eats_a_note_being_typed(page, login, shot, queue_with_leads, settings):
    settings.QUEUE_REFRESH_SECONDS = 1
    UserFactory(username="ivan", role="sales")
    login("ivan")
    page.click("#claim-next")
    page.goto(f"{page.base}/leads/queue/")
    note = page.locator("#queue-panel input[name=note]").first
    note.click()
    note.type("Call back after the board meeting")
    page.wait_for_timeout(3500)  # three refresh periods
    assert note.input_value() == "Call back after the board meeting"
    assert page.locator("[data-paused-note]").is_visible()
    # once the field is left empty and unfocused, the panel refreshes again
    note.fill("")
    page.locator("h1").click()
    with page.expect_response("**/leads/queue/panel/"):
        pass
    shot("queue-refresh")


def test_first_touch_from_the_queue_and_language_switch(page, login, shot, queue_with_leads):
    UserFactory(username="oleg", role="sales")
    login("oleg")
    page.click("#claim-next")
    page.goto(f"{page.base}/leads/queue/")
    page.click("text=Log first touch")
    page.wait_for_selector(".msg-success")
    assert Lead.objects.filter(status="contacted").count() == 1
    page.click(".lang button[value=ru]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    shot("queue-ru")


def test_marketer_filters_leads_and_imports_a_bad_csv(
    page, login, shot, queue_with_leads, tmp_path
):
    UserFactory(username="maria", role="marketing")
    login("maria")
    assert page.url.endswith("/leads/")
    assert page.locator("tbody tr").count() == 4
    page.select_option("select[name=status]", "new")
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 4
    shot("lead-list")

    bad = tmp_path / "leads.csv"
    bad.write_text("name,email,channel\nIvan,not-an-email,google-ads\nAnna,,google-ads\n")
    page.goto(f"{page.base}/leads/import/")
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=Check and import")
    page.wait_for_selector("text=Nothing was imported")
    assert page.locator(".errors-table tbody tr").count() == 2
    shot("import-errors")
