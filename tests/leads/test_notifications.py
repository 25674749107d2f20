"""Notifications people can live with (issue 13, items 12 and 7): one SLA digest per sweep per
person instead of one message per lead, written in the recipient's language; the heads are
asked when a lead-definition version awaits their approval; "mark all as read"."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from leads.services import definition_approve, definition_propose, lead_claim_next, sla_sweep
from leads.services import sweep as sweep_module
from org.models import Notification
from org.services import Message, notify_many
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def sales_head(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales", is_head=True)


def mentioned(note: Notification) -> list[int]:
    return [int(pk) for pk in re.findall(r"/leads/(\d+)/", note.body)]


def test_one_digest_per_sweep_for_the_head_not_one_per_lead(
    make_lead, sales_head, django_capture_on_commit_callbacks
):
    leads = [make_lead(now=T0, name=f"Lead {i}") for i in range(7)]
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=T0 + timedelta(minutes=5)).level1 == 7
    note = Notification.objects.get(recipient=sales_head)
    assert note.subject == "SLA breached: 7 leads have had no first touch"
    assert sorted(mentioned(note)) == sorted(lead.pk for lead in leads)
    assert "Lead 3" in note.body
    assert note.link == "/reports/sla/"
    assert len(mail.outbox) == 1  # one e-mail too

    # The next sweep with new breaches is a new digest; nothing already told is repeated.
    late = make_lead(now=T0 + timedelta(minutes=2))
    sla_sweep(now=T0 + timedelta(minutes=7))
    newest = Notification.objects.filter(recipient=sales_head).order_by("-pk")
    assert newest.count() == 2
    assert mentioned(newest[0]) == [late.pk]
    assert newest[0].link == f"/leads/{late.pk}/"  # a single lead: straight to it


def test_a_sweep_of_several_batches_still_writes_one_digest_and_one_email(
    make_lead, sales_head, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sweep_module, "BATCH_SIZE", 2)
    leads = [make_lead(now=T0) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=T0 + timedelta(minutes=5)).level1 == 5
    note = Notification.objects.get(recipient=sales_head)
    assert note.subject.startswith("SLA breached: 5 leads")
    assert sorted(mentioned(note)) == sorted(lead.pk for lead in leads)
    assert [m.to for m in mail.outbox] == [[sales_head.email]]
    assert "SLA breached: 5 leads" in mail.outbox[0].subject


def test_the_salesperson_reads_one_digest_for_all_their_leads_sent_back(
    make_lead, sales_head, seller, manager
):
    for _ in range(3):
        make_lead(now=T0)
    for _ in range(3):
        lead_claim_next(user=seller, now=T0)
    unclaimed = [make_lead(now=T0) for _ in range(2)]
    result = sla_sweep(now=T0 + timedelta(minutes=30))  # both levels in one sweep
    assert (result.level1, result.level2) == (5, 5)
    assert Notification.objects.count() == 3  # head, salesperson, manager: one each
    mine = Notification.objects.get(recipient=seller)
    assert mine.subject.startswith("3 of your leads went back to the queue")
    assert len(mentioned(mine)) == 3
    boss = Notification.objects.get(recipient=manager)
    assert sorted(mentioned(boss)) == sorted(lead.pk for lead in unclaimed)
    assert len(mentioned(Notification.objects.get(recipient=sales_head))) == 5


def test_a_person_in_several_groups_reads_one_digest_with_every_part(make_lead, seller):
    head = UserFactory(role="sales", is_head=True)
    make_lead(now=T0)
    lead_claim_next(user=head, now=T0)  # the head owns a lead too
    sla_sweep(now=T0 + timedelta(minutes=30))
    note = Notification.objects.get(recipient=head)
    assert note.subject == (
        "SLA breached: 1 lead has had no first touch; "
        "1 of your leads went back to the queue: no first touch in time"
    )


def test_the_digest_is_written_in_each_recipients_language(make_lead):
    russian = UserFactory(role="sales", is_head=True, language="ru")
    english = UserFactory(role="sales", is_head=True, language="en")
    for _ in range(2):
        make_lead(now=T0)
    sla_sweep(now=T0 + timedelta(minutes=5))
    assert Notification.objects.get(recipient=russian).subject == (
        "SLA нарушен: 2 лида без первого касания"
    )
    assert "срок" in Notification.objects.get(recipient=russian).body
    assert Notification.objects.get(recipient=english).subject == (
        "SLA breached: 2 leads have had no first touch"
    )


def test_every_message_is_rendered_per_recipient_language(seller, other_seller):
    seller.language = "ru"
    seller.save()
    from django.utils.translation import gettext as _

    notify_many([Message([seller, other_seller], lambda: _("Nothing yet."), "own words")])
    assert Notification.objects.get(recipient=seller).subject == "Пока ничего нет."
    assert Notification.objects.get(recipient=other_seller).subject == "Nothing yet."
    assert Notification.objects.get(recipient=seller).body == "own words"  # data as given


# --- The lead definition asks for approval ----------------------------------------------


CRITERIA = [{"code": "budget", "label": "Has a budget", "required": True}]


def test_heads_are_asked_when_a_version_awaits_their_approval(manager):
    marketing_head = UserFactory(role="marketing", is_head=True)
    other_marketing_head = UserFactory(role="marketing", is_head=True, language="ru")
    sales_head = UserFactory(role="sales", is_head=True)
    UserFactory(role="sales")  # not a head: never asked
    draft = definition_propose(by=marketing_head, criteria=CRITERIA)  # type: ignore[list-item]

    asked = Notification.objects.filter(subject__contains="awaits your approval")
    assert sorted(asked.values_list("recipient", flat=True)) == [sales_head.pk]
    assert Notification.objects.get(recipient=other_marketing_head).subject == (
        f"Определение лида v{draft.version} ждёт вашего утверждения"
    )
    assert not Notification.objects.filter(recipient=marketing_head).exists()  # the proposer
    informed = Notification.objects.get(recipient=manager)
    assert informed.subject == f"Lead definition v{draft.version} awaits the heads' approval"
    assert informed.link == "/leads/definition/"

    Notification.objects.all().delete()
    definition_approve(definition=draft, by=marketing_head)
    assert not Notification.objects.exists()  # asked once already; no reminder flood
    definition_approve(definition=draft, by=sales_head)
    told = Notification.objects.filter(subject=f"Lead definition v{draft.version} is now active")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [marketing_head.pk, manager.pk]
    )
    assert Notification.objects.get(recipient=other_marketing_head).subject.endswith(
        "вступило в действие"
    )


def test_mark_all_as_read_marks_only_mine(client, seller, other_seller):
    notify_many([Message([seller, other_seller], "one"), Message([seller], "two")])
    client.force_login(seller)
    page = client.get("/notifications/").content.decode()
    assert "Mark all as read" in page
    response = client.post("/notifications/read/", follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=seller, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=other_seller).read_at is None


def test_the_digest_reads_one_lead_a_line_on_the_page(client, make_lead, sales_head):
    for _ in range(2):
        make_lead(now=T0)
    sla_sweep(now=T0 + timedelta(minutes=5))
    client.force_login(sales_head)
    page = client.get("/notifications/").content.decode()
    assert page.count("<br>- Lead") == 2


def test_a_large_digest_names_the_first_leads_and_counts_them_all(
    make_lead, sales_head, monkeypatch
):
    """An outage's digest is not thousands of lines: the headline counts every lead, the body
    names the first DIGEST_LINES (in escalation order) and says how many more there are."""
    monkeypatch.setattr(sweep_module, "DIGEST_LINES", 3)
    monkeypatch.setattr(sweep_module, "BATCH_SIZE", 2)  # the count grows across batches too
    leads = [make_lead(now=T0 + timedelta(seconds=i)) for i in range(5)]
    assert sla_sweep(now=T0 + timedelta(minutes=6)).level1 == 5
    note = Notification.objects.get(recipient=sales_head)
    assert note.subject == "SLA breached: 5 leads have had no first touch"
    assert mentioned(note) == [lead.pk for lead in leads[:3]]
    assert note.body.endswith("… and 2 more leads")
    assert note.link == "/reports/sla/"
