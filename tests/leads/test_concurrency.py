"""Races decided by PostgreSQL: duplicate intake and queue claims, with real threads."""

from collections import Counter
from collections.abc import Callable

import pytest

from leads.models import Lead, LeadRequest
from leads.services import LeadInput, Source, lead_claim_next, lead_intake
from tests.conftest import race
from tests.factories import ChannelFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_requests_for_a_new_contact_create_one_lead():
    channel = ChannelFactory(slug="web")

    def intake(i: int) -> Callable[[], bool]:
        # Same person, written differently each time (case, phone format).
        data = LeadInput(
            name=f"Ivan {i}",
            channel=channel,
            email="ivan@example.ru",
            phone="+79161234567",
        )
        return lambda: lead_intake(data=data, source=Source.API).duplicate

    for round_ in range(5):
        Lead.objects.all().delete() if round_ else None
        duplicates = race(*[intake(i) for i in range(12)], reraise=True)
        assert Lead.objects.count() == 1
        assert sorted(duplicates) == [False] + [True] * 11
        lead = Lead.objects.get()
        assert lead.duplicate_requests == 11
        assert LeadRequest.objects.filter(lead=lead).count() == 12
        LeadRequest.objects.all().delete()


def test_simultaneous_intake_matching_by_email_or_phone():
    channel = ChannelFactory(slug="web")
    contacts = [("a@example.ru", ""), ("", "+79160000001"), ("a@example.ru", "+79160000001")]
    workers = [
        (
            lambda e=e, p=p: lead_intake(
                data=LeadInput(name="A", channel=channel, email=e, phone=p), source=Source.API
            )
        )
        for e, p in contacts * 4
    ]
    race(*workers, reraise=True)
    open_leads = Lead.objects.filter(status__in=Lead.OPEN_STATUSES)
    emails = Counter(open_leads.exclude(email="").values_list("email", flat=True))
    phones = Counter(open_leads.exclude(phone="").values_list("phone", flat=True))
    assert all(n == 1 for n in emails.values())
    assert all(n == 1 for n in phones.values())


def test_sixteen_claimers_never_get_the_same_lead_and_lose_none():
    channel = ChannelFactory(slug="web")
    for i in range(300):
        lead_intake(
            data=LeadInput(name=f"L{i}", channel=channel, email=f"l{i}@x.ru"), source=Source.API
        )
    sellers = [UserFactory(role="sales") for _ in range(16)]

    def claimer(seller) -> Callable[[], list[int]]:  # type: ignore[no-untyped-def]
        def work() -> list[int]:
            got = []
            while (lead := lead_claim_next(user=seller)) is not None:
                got.append(lead.pk)
            return got

        return work

    results = race(*[claimer(s) for s in sellers], reraise=True)
    claimed = [pk for got in results for pk in got]
    assert len(claimed) == 300
    assert len(set(claimed)) == 300  # nobody got a lead twice
    assert Lead.objects.filter(status="new").count() == 0
    for seller, got in zip(sellers, results, strict=True):
        assert set(Lead.objects.filter(owner=seller).values_list("pk", flat=True)) == set(got)


def test_capacity_holds_under_concurrent_claims_by_one_person():
    from leads.models import SalesProfile

    channel = ChannelFactory(slug="web")
    for i in range(20):
        lead_intake(
            data=LeadInput(name=f"L{i}", channel=channel, email=f"l{i}@x.ru"), source=Source.API
        )
    seller = UserFactory(role="sales")
    SalesProfile.objects.create(user=seller, max_open_leads=3)

    def claim() -> int | None:
        from leads.services import CapacityReached

        try:
            lead = lead_claim_next(user=seller)
        except CapacityReached:
            return None
        return lead.pk if lead else None

    results = race(*[claim for _ in range(8)], reraise=True)
    assert len([r for r in results if r is not None]) == 3
    assert Lead.objects.filter(owner=seller).count() == 3


def test_round_robin_spreads_simultaneous_intake_across_people():
    from leads.models import AssignmentMode, SalesProfile

    channel = ChannelFactory(slug="referrals", assignment=AssignmentMode.ROUND_ROBIN)
    sellers = [UserFactory(role="sales") for _ in range(4)]
    for seller in sellers:
        SalesProfile.objects.create(user=seller)
    workers = [
        (
            lambda i=i: (
                lead_intake(
                    data=LeadInput(name=f"R{i}", channel=channel, email=f"r{i}@x.ru"),
                    source=Source.API,
                ).lead.owner_id
            )
        )
        for i in range(16)
    ]
    owners = race(*workers, reraise=True)
    counts = Counter(owners)
    assert None not in counts
    assert sum(counts.values()) == 16
    assert set(counts) == {s.pk for s in sellers}
    assert sorted(counts.values()) == [4, 4, 4, 4]  # a real rotation, not first-come
