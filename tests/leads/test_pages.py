"""Browser pages (server-rendered): scope, actions through the same services, errors."""

import pytest
from django.utils import timezone

from leads.models import Escalation, Lead, LeadDefinition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pages_need_login(client):
    for url in ["/leads/", "/leads/queue/", "/leads/import/", "/leads/definition/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_lead_detail_scope(client, seller, other_seller, claimed):
    lead = claimed(seller)
    client.force_login(other_seller)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    client.force_login(seller)
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    assert lead.name.encode() in response.content
    assert b"Log a touch" in response.content


def test_marketer_sees_the_trail_but_no_actions(client, marketer, seller, claimed):
    lead = claimed(seller)
    client.force_login(marketer)
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    assert b"Log a touch" not in response.content
    assert b"History" in response.content


def test_claim_touch_qualify_convert_through_the_pages(client, seller, make_lead):
    lead = make_lead()
    client.force_login(seller)
    response = client.post("/leads/queue/claim/")
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"

    client.post(f"/leads/{lead.pk}/touch/", {"kind": "call", "note": "hello"})
    lead.refresh_from_db()
    assert lead.status == "contacted"

    response = client.post(
        f"/leads/{lead.pk}/qualify/", {"criterion_target_segment": "on"}, follow=True
    )
    assert b"does not meet the agreed definition" in response.content
    lead.refresh_from_db()
    assert lead.status == "contacted"

    client.post(
        f"/leads/{lead.pk}/qualify/",
        {
            "criterion_target_segment": "on",
            "criterion_real_need": "on",
            "criterion_valid_contacts": "on",
            "criterion_ready_for_dialog": "on",
        },
    )
    lead.refresh_from_db()
    assert lead.status == "qualified"

    response = client.post(
        f"/deals/convert/{lead.pk}/", {"title": "Deal", "amount": "abc"}, follow=True
    )
    assert b"valid amount" in response.content
    client.post(f"/deals/convert/{lead.pk}/", {"title": "Deal", "amount": "1500.00"})
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert client.get(f"/leads/{lead.pk}/").status_code == 200


def test_touch_from_the_queue_returns_to_the_queue(client, seller, claimed):
    lead = claimed(seller)
    client.force_login(seller)
    response = client.post(f"/leads/{lead.pk}/touch/", {"kind": "message", "next": "/leads/queue/"})
    assert response["Location"] == "/leads/queue/"
    response = client.post(
        f"/leads/{lead.pk}/touch/", {"kind": "message", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/leads/{lead.pk}/"


def test_actions_on_someone_elses_lead_are_404(client, seller, other_seller, claimed):
    lead = claimed(seller)
    client.force_login(other_seller)
    for action in ["touch", "qualify", "disqualify"]:
        assert client.post(f"/leads/{lead.pk}/{action}/", {"kind": "call"}).status_code == 404
    assert (
        client.post(f"/deals/convert/{lead.pk}/", {"title": "x", "amount": "1"}).status_code == 404
    )


def test_disqualify_page_requires_a_reason(client, seller, claimed):
    lead = claimed(seller)
    client.force_login(seller)
    client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "nonsense"})
    assert Lead.objects.get(pk=lead.pk).status == "assigned"
    client.post(f"/leads/{lead.pk}/disqualify/", {"reason": ""})
    assert Lead.objects.get(pk=lead.pk).status == "assigned"
    client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "not_target"})
    assert Lead.objects.get(pk=lead.pk).status == "disqualified"


def test_disqualify_form_preselects_nothing_and_asks_first(client, seller, claimed):
    lead = claimed(seller)
    client.force_login(seller)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    form = html[html.index(f'action="/leads/{lead.pk}/disqualify/"') :]
    form = form[: form.index("</form>")]
    assert "data-confirm=" in form
    assert '<option value="" selected>' in form
    assert form.count("selected") == 1


def test_no_response_needs_the_attempts_first(client, seller, claimed, settings):
    settings.NO_RESPONSE_MIN_ATTEMPTS = 3
    lead = claimed(seller)
    client.force_login(seller)
    for _ in range(3):
        response = client.post(
            f"/leads/{lead.pk}/disqualify/", {"reason": "no_response"}, follow=True
        )
        assert Lead.objects.get(pk=lead.pk).status != "disqualified"
        assert "attempts" in response.content.decode()
        client.post(f"/leads/{lead.pk}/touch/", {"kind": "call"})
    client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "no_response"})
    assert Lead.objects.get(pk=lead.pk).status == "disqualified"


def test_queue_page_for_sales_and_heads(client, seller, make_lead):
    make_lead()
    client.force_login(seller)
    response = client.get("/leads/queue/")
    assert response.status_code == 200
    assert b"Claim next lead" in response.content
    assert b"SLA breaches today" not in response.content
    client.force_login(UserFactory(role="sales", is_head=True))
    assert b"SLA breaches today" in client.get("/leads/queue/").content


def test_breaches_today_name_each_salesperson_as_everywhere_else(client, make_lead):
    anna = UserFactory(role="sales", username="apetrova", first_name="Anna", last_name="Petrova")
    nameless = UserFactory(role="sales", username="ivanov", first_name="", last_name="")
    for owner, level in [(anna, 1), (anna, 2), (nameless, 1)]:
        Escalation.objects.create(
            lead=make_lead(),
            queue_entry=1,
            level=level,
            action="notified_heads",
            owner=owner,
            at=timezone.now(),
        )
    client.force_login(UserFactory(role="sales", is_head=True))
    page = client.get("/leads/queue/").content.decode()
    table = page[page.index("SLA breaches today") :]
    assert f'?owner={anna.pk}&amp;breached=true">Anna Petrova</a>' in table
    assert f'?owner={nameless.pk}&amp;breached=true">ivanov</a>' in table
    assert "apetrova" not in table


def test_breaches_today_are_counted_in_russian(client, make_lead):
    # "Breached" heads a column of counts here ("Просрочено"); the leads list's filter keeps
    # the state of one lead ("Нарушен").
    anna = UserFactory(role="sales", first_name="Anna", last_name="Petrova")
    Escalation.objects.create(
        lead=make_lead(),
        queue_entry=1,
        level=1,
        action="notified_heads",
        owner=anna,
        at=timezone.now(),
    )
    client.force_login(UserFactory(role="sales", is_head=True))
    client.cookies["django_language"] = "ru"
    page = client.get("/leads/queue/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    table = page[page.index("Нарушения SLA сегодня") :]
    assert '<th class="num">Просрочено</th>' in table
    assert "Нарушен<" not in table
    assert "Нарушен" in client.get("/leads/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_queue_page_is_not_for_marketing(client, marketer):
    client.force_login(marketer)
    assert client.get("/leads/queue/").status_code == 403
    assert client.post("/leads/queue/claim/").status_code == 403


def test_empty_queue_and_capacity_messages(client, seller, make_lead, capacity):
    client.force_login(seller)
    response = client.post("/leads/queue/claim/", follow=True)
    assert b"The queue is empty" in response.content
    capacity(seller, 0)
    make_lead()
    response = client.post("/leads/queue/claim/", follow=True)
    assert b"capacity" in response.content


def test_lead_list_filters(client, marketer, seller, claimed, make_lead):
    claimed(seller)
    make_lead()
    client.force_login(marketer)
    response = client.get("/leads/?status=assigned")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1
    response = client.get("/leads/?date_from=not-a-date")
    assert response.status_code == 200
    assert b"Some filters are invalid" in response.content


def test_definition_page_propose_and_approve(client):
    marketing_head = UserFactory(role="marketing", is_head=True)
    sales_head = UserFactory(role="sales", is_head=True)
    client.force_login(marketing_head)
    assert client.get("/leads/definition/").status_code == 200
    client.post(
        "/leads/definition/",
        {
            "rows": "2",
            "code_0": "target_segment",
            "label_0": "Target",
            "required_0": "on",
            "code_1": "budget",
            "label_1": "Budget",
        },
    )
    draft = LeadDefinition.objects.get(version=2)
    assert [(c.code, c.required) for c in draft.criteria.all()] == [
        ("target_segment", True),
        ("budget", False),
    ]
    client.post("/leads/definition/", {"approve": "2"})
    client.force_login(sales_head)
    client.post("/leads/definition/", {"approve": "2"})
    draft.refresh_from_db()
    assert draft.status == "active"


@pytest.mark.parametrize(
    "post",
    [
        {"rows": "x"},
        {"rows": "1", "code_0": "bad code", "label_0": "L"},
        {"rows": "1", "code_0": "", "label_0": "only label"},
        {"rows": "0"},
    ],
)
def test_definition_page_bad_input_is_a_message_not_a_500(client, post):
    client.force_login(UserFactory(role="sales", is_head=True))
    response = client.post("/leads/definition/", post, follow=True)
    assert response.status_code == 200
    assert LeadDefinition.objects.count() == 1


def test_definition_page_is_read_only_for_non_heads(client, seller):
    client.force_login(seller)
    assert client.get("/leads/definition/").status_code == 200
    assert client.post("/leads/definition/", {"approve": "1"}).status_code == 403


def test_my_leads_put_untouched_ones_first(seller, claimed):
    from django.utils import timezone

    from leads.selectors import leads_of
    from leads.services import lead_touch

    first = claimed(seller)
    second = claimed(seller)
    lead_touch(lead=first, by=seller, kind="call", now=timezone.now())
    assert [lead.pk for lead in leads_of(user=seller)] == [second.pk, first.pk]


def test_date_inputs_get_iso_values_in_russian(client, seller):
    """HTML date inputs show nothing unless their value is ISO (issue 13, item 7)."""
    client.force_login(seller)
    client.cookies["django_language"] = "ru"
    html = client.get("/leads/?date_from=2026-01-15", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'lang="ru"' in html
    assert 'value="2026-01-15"' in html
