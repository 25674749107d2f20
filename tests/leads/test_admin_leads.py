"""The admin as each role uses it (issue 13 item 13): SLA working days as checkboxes and the
time zone from a list; attribution read-only to sales, queue leads view-only to them."""

from typing import Any

import pytest

from leads.models import Lead, SlaPolicy
from leads.services import lead_claim_next
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def test_sla_policy_admin_has_day_checkboxes_and_a_time_zone_list(client, manager):
    client.force_login(manager)
    page = client.get("/admin/leads/slapolicy/add/").content.decode()
    assert 'type="checkbox" name="working_days" value="1"' in page
    assert "Monday" in page and "Sunday" in page
    assert '<select name="timezone"' in page
    assert '<option value="Europe/Moscow">Europe/Moscow</option>' in page
    response = client.post(
        "/admin/leads/slapolicy/add/",
        {
            "name": "Office",
            "first_response_minutes": "60",
            "segment": "enterprise",
            "business_hours_start": "09:00",
            "business_hours_end": "18:00",
            "working_days": ["1", "2", "3", "4", "6"],
            "timezone": "Europe/Moscow",
        },
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(name="Office")
    assert (policy.working_days, policy.timezone) == ([1, 2, 3, 4, 6], "Europe/Moscow")
    page = client.get(f"/admin/leads/slapolicy/{policy.pk}/change/").content.decode()
    assert 'value="6" id="id_working_days_5" checked' in page
    assert '<option value="Europe/Moscow" selected>' in page


def _post_data(response: Any) -> dict[str, Any]:
    """What the admin's change form would send back unchanged."""
    form = response.context["adminform"].form
    data = {name: form.initial[name] for name in form.fields if form.initial.get(name) is not None}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{inline.formset.prefix}-{name}"] = management.initial.get(name, 0)
    return data


def test_sales_cannot_change_attribution_in_the_admin(client, seller, manager, make_lead):
    other = ChannelFactory(slug="ads", name="Ads")
    make_lead(utm_source="google")
    lead = lead_claim_next(user=seller)
    assert lead is not None
    client.force_login(seller)
    page = client.get(f"/admin/leads/lead/{lead.pk}/change/")
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    assert not {"channel", "campaign", "form", "utm_source", "utm_content"} & set(fields)
    data = _post_data(page) | {"channel": other.pk, "utm_source": "forged", "company": "Stroy"}
    assert client.post(f"/admin/leads/lead/{lead.pk}/change/", data).status_code == 302
    lead.refresh_from_db()
    assert (lead.company, lead.channel.slug, lead.utm_source) == ("Stroy", "website", "google")

    client.force_login(manager)  # management corrects attribution
    page = client.get(f"/admin/leads/lead/{lead.pk}/change/")
    data = _post_data(page) | {"channel": other.pk, "utm_source": "google-ads"}
    assert client.post(f"/admin/leads/lead/{lead.pk}/change/", data).status_code == 302
    lead.refresh_from_db()
    assert (lead.channel.slug, lead.utm_source) == ("ads", "google-ads")


def test_sales_only_view_a_lead_still_in_the_queue(client, seller, make_lead):
    lead = make_lead()
    client.force_login(seller)
    page = client.get(f"/admin/leads/lead/{lead.pk}/change/")
    assert page.status_code == 200  # in their scope: they may look
    assert 'name="_save"' not in page.content.decode()
    response = client.post(f"/admin/leads/lead/{lead.pk}/change/", {"name": "Renamed"})
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).name == lead.name
