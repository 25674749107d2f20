"""History reasons are stored as written and shown in the reader's language."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from leads.models import Lead
from leads.services import sla_sweep
from org.history import reason_text


def test_known_notes_are_translated_and_their_codes_named():
    names = {"no_response": "Молчит", "new": "Новая", "proposal": "КП"}
    with translation.override("ru"):
        assert reason_text("claimed") == "взят из очереди"
        assert reason_text("SLA breached: level 1").startswith("SLA нарушен: уровень 1")
        assert reason_text("intake (api); queued") == "получен через API; в очереди"
        assert reason_text("first touch (call)") == "первое касание (звонок)"
        assert reason_text("disqualified (no_response)", names) == "дисквалифицирован (Молчит)"
        assert reason_text("stage new -> proposal", names) == "этап Новая → КП"
        assert reason_text("assigned to anna") == "назначен: anna"
    with translation.override("en"):
        assert reason_text("claimed") == "claimed from the queue"
        assert reason_text("qualified (definition v3)") == "qualified (lead definition v3)"


def test_unknown_notes_are_shown_as_stored():
    with translation.override("ru"):
        assert reason_text("imported from the old CRM") == "imported from the old CRM"
        assert reason_text(None) == ""


@pytest.mark.django_db
def test_lead_page_history_in_russian(client, seller, claimed):
    lead = claimed(seller)
    sla_sweep(now=timezone.now() + timedelta(hours=2))
    assert Lead.objects.get(pk=lead.pk).sla_breached
    client.force_login(seller)
    html = client.get(f"/leads/{lead.pk}/", headers={"accept-language": "ru"}).content.decode()
    assert "взят из очереди" in html
    assert "SLA нарушен: уровень 1" in html
    assert "Назначен" in html  # the status column shows the status's name, not "assigned"
    for raw in (">claimed<", "SLA breached", ">assigned<"):
        assert raw not in html
