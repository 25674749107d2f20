"""The Content-Security-Policy holds in a real browser: the main pages, their scripts and the
API docs work without a single CSP (or Permissions-Policy) complaint in the console."""

from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Deal
from deals.services import deal_create_from_lead
from leads.models import Lead
from leads.services import LeadInput, Source, lead_claim_next, lead_intake, lead_qualify, lead_touch
from tests.deals.factories import ALL_MET
from tests.factories import ChannelFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECURITY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


@pytest.fixture
def console(page):  # type: ignore[no-untyped-def]
    """Every console error and uncaught page error, as text."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def violations(errors: list[str]) -> list[str]:
    return [e for e in errors if any(word in e for word in SECURITY_WORDS)]


@pytest.fixture
def funnel(db):  # type: ignore[no-untyped-def]
    """Two leads in the queue and one deal of the salesperson ``sam``."""
    channel = ChannelFactory(slug="google-ads", name="Google Ads")
    seller = UserFactory(username="sam", role="sales")
    for i, name in enumerate(["Ivan Petrov", "Anna Smirnova", "Oleg Sidorov"]):
        lead_intake(
            data=LeadInput(name=name, channel=channel, phone=f"+7916123450{i}"),
            source=Source.API,
        )
    lead = lead_claim_next(user=seller)
    assert lead is not None
    lead_touch(lead=lead, by=seller, kind="call", now=timezone.now())
    lead.refresh_from_db()
    lead = lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
    deal_create_from_lead(lead=lead, by=seller, title="CRM licences", amount=Decimal("1000"))
    return seller


def test_the_detector_sees_a_violation(page, console, live_server):
    """The check below can fail: an inline handler on our page is refused and reported."""
    page.goto(f"{page.base}/accounts/login/")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=/x onerror=\"window.hit=1\">')"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.hit") is None
    assert violations(console)


def test_main_pages_raise_no_csp_violation(page, login, console, funnel, settings):
    settings.QUEUE_REFRESH_SECONDS = 1
    login("sam")
    # The queue with its live panel: the refresh is an htmx request under the policy.
    page.goto(f"{page.base}/leads/queue/")
    with page.expect_response("**/leads/queue/panel/"):
        pass
    assert page.locator("#queue-panel").is_visible()
    # A lead page, with its countdowns drawn by static/js/tandem.js.
    lead = Lead.objects.filter(status="new").first()
    page.goto(f"{page.base}/leads/{lead.pk}/")
    page.wait_for_selector("[data-deadline]")
    # The deal board: drag the card onto the next column; the page posts the move.
    deal = Deal.objects.get()
    page.goto(f"{page.base}/deals/")
    card = page.locator(f".deal-card[data-deal='{deal.pk}']")
    target = page.locator(".board-col[data-stage='meeting']")
    card.drag_to(target)
    page.wait_for_selector(".msg-success")
    deal.refresh_from_db()
    assert deal.stage.code == "meeting"
    # A KPI report.
    page.goto(f"{page.base}/reports/speed-to-lead/")
    page.wait_for_selector("h1")
    assert violations(console) == [], console


def test_print_button_and_admin_under_the_policy(page, login, console, funnel):
    UserFactory(username="boss", role="management", is_head=True, is_staff=True)
    login("boss")
    page.goto(f"{page.base}/reports/")
    page.goto(f"{page.base}/admin/leads/lead/")
    page.wait_for_selector("#result_list")
    assert violations(console) == [], console


def test_api_docs_work_under_the_policy(page, console, live_server):
    page.goto(f"{page.base}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".swagger-ui .opblock").count() > 50
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.wait_for_selector(".swagger-ui .opblock-body")
    assert violations(console) == [], console
