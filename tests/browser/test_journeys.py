"""The daily journeys of the head of sales, the marketer and the manager in a real browser,
plus the checks every page must pass: Russian without English left over, a phone-sized
screen without sideways scrolling, and no serious accessibility violations (axe-core)."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.services import deal_create_from_lead
from feedback.models import ActionItem, Dispute, ReviewMeeting
from feedback.services import dispute_raise, dispute_respond
from leads.models import Lead, LeadDefinition
from leads.services import (
    LeadInput,
    Source,
    definition_approve,
    definition_propose,
    lead_claim_next,
    lead_intake,
    lead_qualify,
    lead_touch,
    sla_sweep,
)
from org.models import Responsibility
from tests.factories import CampaignFactory, ChannelFactory, UserFactory
from tests.kpi.bonus_data import BonusData, bonus_data  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}


def _lead(name: str, channel, campaign=None, minutes_ago: int = 1, **extra) -> Lead:  # type: ignore[no-untyped-def]
    return lead_intake(
        data=LeadInput(
            name=name,
            channel=channel,
            campaign=campaign,
            phone=extra.pop("phone", f"+7916{abs(hash(name)) % 10_000_000:07d}"),
            **extra,
        ),
        source=Source.API,
        now=timezone.now() - timedelta(minutes=minutes_ago),
    ).lead


def _switch_to(page, language: str) -> None:  # type: ignore[no-untyped-def]
    page.click(f".lang button[value={language}]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


# --- Head of sales -----------------------------------------------------------------------


def test_head_of_sales_sees_the_team_reassigns_follows_breaches_and_approves(page, login, shot):
    head = UserFactory(username="shead", role="sales", is_head=True, first_name="Sergey")
    anna = UserFactory(username="anna", role="sales", first_name="Anna", last_name="Petrova")
    UserFactory(username="ivan", role="sales", first_name="Ivan", last_name="Orlov")
    mhead = UserFactory(username="mhead", role="marketing", is_head=True)
    channel = ChannelFactory(slug="website", name="Website")
    _lead("Oleg Sidorov", channel, minutes_ago=30)
    late = lead_claim_next(user=anna, now=timezone.now() - timedelta(minutes=30))
    assert late is not None
    sla_sweep(now=timezone.now())  # anna missed the first touch: a breach today
    _lead("Maria Orlova", channel)
    fresh = lead_claim_next(user=anna)
    assert fresh is not None
    definition_propose(
        by=mhead,
        criteria=[
            {"code": "target_segment", "label": "Target segment", "required": True},
            {"code": "budget", "label": "Has a budget", "required": False},
        ],
    )

    login("shead")
    page.goto(f"{page.base}/leads/queue/")
    breaches = page.locator("section:has(h2:has-text('SLA breaches today'))")
    assert breaches.locator("a").count() >= 1  # every row links to the leads behind it
    shot("head-breaches")
    breaches.locator("a").first.click()
    page.wait_for_load_state()
    assert "breached=true" in page.url
    assert page.locator("tbody tr").count() >= 1
    shot("head-breached-leads")

    # The team view: the reps' leads, and one handed over to a colleague.
    page.goto(f"{page.base}/leads/?owner={anna.pk}")
    assert page.locator("tbody tr:has-text('Maria Orlova')").count() == 1
    page.click("text=Maria Orlova")
    page.wait_for_url(f"**/leads/{fresh.pk}/")
    page.select_option("#assign-owner", label="Ivan Orlov")
    page.click("#assign-submit")
    page.wait_for_selector(".msg-success")
    fresh.refresh_from_db()
    assert fresh.owner.username == "ivan"
    shot("head-reassigned")

    # A lead-definition version waits for the heads' approval.
    page.goto(f"{page.base}/leads/definition/")
    page.click("button[name=approve]")
    page.wait_for_load_state()
    draft = LeadDefinition.objects.get(version=2)
    assert draft.approvals.filter(user=head).exists()  # the sales head's half of the approval
    definition_approve(definition=draft, by=mhead)
    assert LeadDefinition.objects.get(version=2).status == "active"
    shot("head-definition")


# --- Marketer ----------------------------------------------------------------------------


def test_marketer_sees_outcomes_imports_exports_and_answers_a_dispute(page, login, shot, tmp_path):  # type: ignore[no-untyped-def]
    marketer = UserFactory(username="maria", role="marketing", first_name="Maria")
    seller = UserFactory(username="oleg", role="sales", first_name="Oleg")
    channel = ChannelFactory(slug="google-ads", name="Google Ads")
    campaign = CampaignFactory(slug="spring", name="Spring search", channel=channel, owner=marketer)
    _lead("Ivan Petrov", channel, campaign)
    lead = lead_claim_next(user=seller)
    assert lead is not None
    lead_touch(lead=lead, by=seller, kind="call")
    dispute = dispute_raise(lead=lead, by=seller, unmet_criteria=["real_need"], comment="A student")

    login("maria")
    page.goto(f"{page.base}/reports/campaigns/")
    assert page.locator("table.report").first.locator("text=Spring search").count() >= 1
    assert page.locator("text=Ivan Petrov").count() >= 1  # every lead and what became of it
    shot("marketer-campaigns")
    with page.expect_download() as download:
        page.click("text=Download CSV")
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    rows = list(csv.reader(io.StringIO(text), dialect))
    assert len(rows) >= 2 and any("Ivan Petrov" in cell for cell in rows[1])

    good = tmp_path / "leads.csv"
    # by the names the pages show, in any case (slugs work too)
    good.write_text(
        "name,email,channel,campaign\nAnna Smirnova,anna@example.com,google ads,Spring Search\n"
    )
    page.goto(f"{page.base}/leads/import/")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=Check and import")
    page.wait_for_selector(".msg-success")
    assert Lead.objects.filter(name="Anna Smirnova", campaign=campaign).exists()
    shot("marketer-import")

    page.goto(f"{page.base}/feedback/disputes/{dispute.pk}/")
    page.check("input[name=answer][value=contest]")
    page.fill("textarea[name=comment], input[name=comment]", "They asked for a demo")
    page.click("text=Send answer")
    page.wait_for_load_state()
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.CONTESTED
    shot("marketer-dispute-answered")


# --- Manager -----------------------------------------------------------------------------


def test_manager_edits_matrix_decides_dispute_holds_reviews_and_reads_kpis(
    page,
    login,
    shot,
    bonus_data: BonusData,  # noqa: F811
):  # type: ignore[no-untyped-def]
    d = bonus_data
    channel = ChannelFactory(slug="fairs", name="Fairs")
    _lead("Pavel Kozlov", channel)
    lead = lead_claim_next(user=d.s1)
    assert lead is not None
    lead_touch(lead=lead, by=d.s1, kind="call")
    dispute = dispute_raise(lead=lead, by=d.s1, unmet_criteria=["real_need"], comment="No need")
    dispute_respond(dispute=dispute, by=d.mh, answer="contest", comment="They have a need")

    login(d.manager.username)
    page.goto(f"{page.base}/matrix/")
    page.select_option("select[name='cell-proposal-marketing']", "C")
    page.click("text=Save the matrix")
    page.wait_for_selector(".msg-success")
    assert Responsibility.objects.get(stage__code="proposal", department="marketing").letter == "C"
    shot("manager-matrix")

    page.goto(f"{page.base}/feedback/disputes/{dispute.pk}/")
    page.check("input[name=decision][value=upheld]")
    page.fill("[name=reason]", "No budget and no need")
    page.click("button:has-text('Decide')")
    page.wait_for_load_state()
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UPHELD
    assert page.locator("text=Contested by marketing").count() >= 1  # the answer as given
    shot("manager-dispute-decided")

    def review(title: str, decisions: list[tuple[str, str]]) -> None:
        page.goto(f"{page.base}/feedback/reviews/new/")
        page.fill("[name=title]", title)
        page.check(f"input[name=participants][value='{d.m1.pk}']")
        page.check(f"input[name=participants][value='{d.s1.pk}']")
        for i, (text, owner) in enumerate(decisions):
            page.fill(f"[name=item{i}-text]", text)
            page.select_option(f"[name=item{i}-owner]", owner)
            page.fill(f"[name=item{i}-due_on]", timezone.localdate().isoformat())
        page.click("text=Save the meeting")
        page.wait_for_selector(".msg-success")

    review("Weekly review, quiet week", [])
    review(
        "Weekly review",
        [("Payback one-pager", str(d.m1.pk)), ("Call the three stuck deals", str(d.s1.pk))],
    )
    assert ReviewMeeting.objects.count() == 2
    assert ActionItem.objects.count() == 2
    shot("manager-review")

    page.goto(f"{page.base}/reports/bonus/periods/{d.period.pk}/")
    assert page.locator("text=120.0%").count() >= 1  # attainment of the revenue goal
    assert page.locator("text=180.00").count() >= 1  # the pool so far, with its currency
    shot("manager-period")


# --- Russian, phones, accessibility ------------------------------------------------------

# Words that may stay in Latin script in the Russian interface: product and unit codes.
CODES = {"Tandem", "SLA", "RUB", "API", "CSV", "JSON", "UTM", "ROI", "EN", "RU", "KPI", "v"}


def _data_strings() -> list[str]:
    """What people and the seed data wrote (stage names, reasons, criteria): data, shown as
    written in any language."""
    from deals.models import DealStage, LostReason
    from leads.models import DisqualificationReason, LeadCriterion

    texts = [
        *DealStage.objects.values_list("name", flat=True),
        *LostReason.objects.values_list("label", flat=True),
        *DisqualificationReason.objects.values_list("label", flat=True),
        *LeadCriterion.objects.values_list("label", flat=True),
    ]
    return sorted(texts, key=len, reverse=True)


def _latin_words(page) -> set[str]:  # type: ignore[no-untyped-def]
    """Latin-script words in the visible text and placeholders, data and codes aside."""
    text = page.evaluate(
        """() => {
          const parts = [document.body.innerText];
          document.querySelectorAll('input[placeholder], textarea[placeholder]')
            .forEach(e => parts.push(e.placeholder));
          return parts.join('\\n');
        }"""
    )
    text = re.sub(r"\S+@\S+", " ", text)  # e-mail addresses are data
    for data in _data_strings():
        text = text.replace(data, " ")
    return {w for w in re.findall(r"[A-Za-z]+", text)} - CODES


def test_salesperson_day_in_russian_has_no_english_left(page, login, shot):
    UserFactory(username="irina", role="sales", first_name="Ирина", last_name="Соколова")
    channel = ChannelFactory(slug="yandex", name="Яндекс Директ")
    campaign = CampaignFactory(slug="vesna", name="Весенняя", channel=channel)
    for i, name in enumerate(["Пётр Иванов", "Анна Смирнова"]):
        _lead(
            name, channel, campaign, minutes_ago=3 - i, company="Стройка", phone=f"+7916000000{i}"
        )
    login("irina")
    _switch_to(page, "ru")
    page.goto(f"{page.base}/leads/queue/")
    assert _latin_words(page) == set(), page.url
    page.click("#claim-next")
    page.wait_for_url("**/leads/*/")
    lead = Lead.objects.get(name="Пётр Иванов")
    lead_touch(lead=lead, by=lead.owner, kind="call")
    lead = lead_qualify(lead=Lead.objects.get(pk=lead.pk), by=lead.owner, criteria=ALL_MET)
    deal = deal_create_from_lead(
        lead=lead, by=lead.owner, title="Лицензии", amount=Decimal("250000")
    )
    for path in (f"/leads/{lead.pk}/", f"/deals/{deal.pk}/", "/deals/", "/leads/", "/feedback/"):
        page.goto(f"{page.base}{path}")
        assert _latin_words(page) == set(), (path, sorted(_latin_words(page)))
    page.goto(f"{page.base}/deals/{deal.pk}/")
    assert page.locator("text=250\u00a0000,00\u00a0RUB").count() >= 1
    shot("ru-deal")


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{page.url}: {width} px wide on a {inner} px screen"


def test_head_of_sales_queue_keeps_my_leads_short_and_breaches_beside_the_queue(page, login, shot):
    # given a head of sales with no leads of their own and a long queue beside them
    UserFactory(username="shead", role="sales", is_head=True)
    channel = ChannelFactory(slug="website", name="Website")
    for i in range(8):
        _lead(f"Waiting Lead {i}", channel)
    # when they open the queue on a desktop screen (the page fixture: 1366 px)
    login("shead")
    page.goto(f"{page.base}/leads/queue/")
    mine = page.locator("section:has(h2:has-text('My leads'))").bounding_box()
    waiting = page.locator("section:has(h2:has-text('Waiting in the queue'))").bounding_box()
    breaches = page.locator("section:has(h2:has-text('SLA breaches today'))").bounding_box()
    shot("head-queue-desktop")
    # then "My leads" is as tall as its one empty row, not the queue's height of blank card,
    # and the breaches table follows right under it, beside the queue, not below all of it
    assert mine is not None and waiting is not None and breaches is not None
    assert mine["y"] == waiting["y"]  # side by side
    assert mine["height"] < waiting["height"] / 2
    assert breaches["x"] == mine["x"]
    assert breaches["y"] < mine["y"] + mine["height"] + 40


def test_phone_queue_and_lead_page_fit_the_screen(browser, live_server, shot):  # type: ignore[no-untyped-def]
    UserFactory(username="pavel", role="sales", first_name="Pavel", last_name="Konstantinopolsky")
    channel = ChannelFactory(slug="exhibitions", name="Exhibitions and trade fairs")
    campaign = CampaignFactory(slug="crm-expo", name="CRM Expo 2026, Moscow", channel=channel)
    for i in range(3):
        _lead(
            f"Konstantin Konstantinopolsky-Rimsky {i}",
            channel,
            campaign,
            minutes_ago=3 - i,
            email=f"konstantin.konstantinopolsky.rimsky{i}@very-long-company-domain.example.com",
            company="Severstal-Trade International Holding",
        )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        phone.goto(f"{live_server.url}/accounts/login/")
        phone.fill("input[name=username]", "pavel")
        phone.fill("input[name=password]", "pass-w0rd-123")
        phone.click("main form button[type=submit]")
        phone.wait_for_url("**/leads/queue/")
        _no_sideways_scroll(phone)
        assert not phone.locator("nav.nav-wide").is_visible()  # folded into the menu
        phone.click(".nav-menu summary")
        assert phone.locator(".nav-menu nav a").first.is_visible()
        phone.click(".nav-menu summary")
        # the claim button is within the thumb's reach: on screen without scrolling
        box = phone.locator("#claim-next").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844
        phone.click("#claim-next")
        phone.wait_for_url("**/leads/*/")
        _no_sideways_scroll(phone)
        assert phone.locator(".lead-contact a[href^='tel:']").is_visible()
        phone.screenshot(path=str(_screens() / "phone-lead.png"), full_page=True)

        phone.goto(f"{live_server.url}/leads/queue/")
        _no_sideways_scroll(phone)
        button = phone.locator("text=Log first touch")
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth")  # the label is not cut
        phone.screenshot(path=str(_screens() / "phone-queue.png"), full_page=True)
        button.click()
        phone.wait_for_selector(".msg-success")
        assert Lead.objects.filter(status="contacted").count() == 1
    finally:
        context.close()


def _screens():  # type: ignore[no-untyped-def]
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


def test_main_pages_have_no_serious_accessibility_violations(page, login):
    from axe_playwright_python.sync_playwright import Axe

    manager = UserFactory(username="olga", role="management", is_head=True, is_staff=True)
    seller = UserFactory(username="sasha", role="sales")
    channel = ChannelFactory(slug="website", name="Website")
    campaign = CampaignFactory(slug="spring", name="Spring", channel=channel)
    _lead("Ivan Petrov", channel, campaign)
    lead = lead_claim_next(user=seller)
    assert lead is not None
    lead_touch(lead=lead, by=seller, kind="call")
    lead = lead_qualify(lead=Lead.objects.get(pk=lead.pk), by=seller, criteria=ALL_MET)
    deal = deal_create_from_lead(lead=lead, by=seller, title="Licences", amount=Decimal("1000"))
    _lead("Anna Smirnova", channel, campaign)
    del manager

    axe = Axe()
    problems: list[str] = []

    def check(path: str) -> None:
        page.goto(f"{page.base}{path}")
        page.wait_for_load_state()
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [", ".join(n["target"]) for n in violation["nodes"][:3]]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")

    check("/accounts/login/")
    login("sasha")
    for path in ("/leads/queue/", f"/leads/{lead.pk}/", f"/deals/{deal.pk}/", "/deals/"):
        check(path)
    page.context.clear_cookies()
    login("olga")
    for path in (
        "/leads/",
        "/leads/definition/",
        "/leads/import/",
        "/reports/",
        "/reports/sla/",
        "/reports/campaigns/",
        "/feedback/",
        "/feedback/disputes/",
        "/feedback/reviews/new/",
        "/matrix/",
        "/notifications/",
    ):
        check(path)
    assert not problems, "\n".join(problems)
