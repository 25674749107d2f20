"""POST /api/v1/leads/batch/ per the contract, the bulk path it shares with the single POST and
CSV import, and two concurrent batches sharing contacts."""

from collections.abc import Callable
from typing import Any

import pytest

from leads.models import Lead, LeadRequest
from leads.services import LeadInput, Source, lead_intake_many
from tests.conftest import race
from tests.factories import ChannelFactory, UserFactory

URL = "/api/v1/leads/batch/"


@pytest.fixture
def client(as_user, marketer, channel):  # type: ignore[no-untyped-def]
    return as_user(marketer)


def _item(n: int, **fields: Any) -> dict[str, Any]:
    return {"name": f"Lead {n}", "email": f"lead{n}@example.ru", "channel": "website", **fields}


@pytest.mark.django_db
def test_each_item_is_judged_like_a_single_post_in_order(client, marketer):
    existing = client.post("/api/v1/leads/", _item(0), format="json").json()
    items = [
        _item(1, phone="8 (916) 000-00-01"),
        {"name": "No contact", "channel": "website"},  # invalid
        _item(0, email="LEAD0@example.ru"),  # repeat of an open lead
        {"name": "Same phone", "phone": "+7 916 000 00 01", "channel": "website"},  # of item 0
        _item(2, channel="nowhere"),  # invalid
        _item(3),
        _item(3, name="Again"),  # repeat of the batch's own item 5
    ]

    response = client.post(URL, {"leads": items}, format="json")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["status"] for r in results] == [
        "created",
        "invalid",
        "duplicate",
        "duplicate",
        "invalid",
        "created",
        "duplicate",
    ]
    first, third = (
        Lead.objects.get(email="lead1@example.ru"),
        Lead.objects.get(email="lead3@example.ru"),
    )
    assert [r["id"] for r in results] == [
        first.pk,
        None,
        existing["id"],
        first.pk,
        None,
        third.pk,
        third.pk,
    ]
    assert "non_field_errors" in results[1]["errors"]
    assert "channel" in results[4]["errors"]
    assert all(r["errors"] is None for r in results if r["status"] != "invalid")
    # Same records as the single POST: the repeats are counted and logged on their lead.
    assert first.phone == "+79160000001" and first.duplicate_requests == 1
    assert third.duplicate_requests == 1
    assert Lead.objects.get(pk=existing["id"]).duplicate_requests == 1
    assert LeadRequest.objects.filter(duplicate=True).count() == 3
    assert LeadRequest.objects.filter(duplicate=False).count() == 3
    record = first.history.get()  # type: ignore[attr-defined]
    assert (record.history_type, record.history_user_id) == ("+", marketer.pk)
    assert record.history_change_reason == "intake (api); queued"
    assert first.status == "new" and first.sla_deadline is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"leads": []},
        {"leads": [_item(i) for i in range(1001)]},
        {"lead": [_item(1)]},
        [_item(1)],
        {"leads": _item(1)},
        {"leads": "x"},
    ],
    ids=["empty", "1001", "wrong-key", "bare-list", "object", "string"],
)
def test_a_body_that_is_not_1_to_1000_leads_is_400_and_stores_nothing(client, body):
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert Lead.objects.count() == 0
    assert LeadRequest.objects.count() == 0


@pytest.mark.django_db
def test_an_item_that_is_not_an_object_is_invalid_alone(client):
    response = client.post(URL, {"leads": ["x", _item(1), None]}, format="json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["invalid", "created", "invalid"]


# The fixed statement count is PostgreSQL's: SQLite splits bulk writes by its parameter limit.
@pytest.mark.postgres
@pytest.mark.django_db
def test_a_thousand_items_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = client.post(URL, {"leads": [_item(i) for i in range(1000)]}, format="json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created"] * 1000


@pytest.mark.django_db
def test_only_marketing_and_management_send_batches(as_user, seller, manager, channel, api):
    assert as_user(seller).post(URL, {"leads": [_item(1)]}, format="json").status_code == 403
    assert api.post(URL, {"leads": [_item(1)]}, format="json").status_code == 401
    assert as_user(manager).post(URL, {"leads": [_item(1)]}, format="json").status_code == 200


# The fixed statement count is PostgreSQL's: SQLite splits bulk writes by its parameter limit.
@pytest.mark.postgres
@pytest.mark.django_db
def test_csv_import_goes_through_the_bulk_path(marketer, channel, django_assert_max_num_queries):
    import io

    from leads.csv_import import leads_import_csv

    rows = "\n".join(f"Lead {i},lead{i % 1500}@example.ru,website" for i in range(2500))
    with django_assert_max_num_queries(30):
        report = leads_import_csv(
            file=io.BytesIO(f"name,email,channel\n{rows}\n".encode()), by=marketer
        )
    assert (report.created, report.duplicates) == (1500, 1000)
    assert Lead.objects.count() == 1500


# --- Races on PostgreSQL ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_contacts_make_one_lead_per_contact():
    channel = ChannelFactory(slug="web")
    by = UserFactory(role="marketing")

    # Four batches over 200 contacts, each in its own order, overlapping by e-mail or phone.
    def batch(k: int) -> Callable[[], list[bool]]:
        items = [
            LeadInput(
                name=f"B{k} {i}",
                channel=channel,
                email=f"c{i}@x.ru" if (i + k) % 3 else "",
                phone=f"+7916{i:07d}" if (i + k) % 3 != 1 else "",
            )
            for i in (range(200) if k % 2 else reversed(range(200)))
        ]
        return lambda: [
            r.duplicate for r in lead_intake_many(items=items, source=Source.API, by=by)
        ]

    for round_ in range(3):
        if round_:
            LeadRequest.objects.all().delete()
            Lead.objects.all().delete()
        results = race(*[batch(k) for k in range(4)], reraise=True)
        open_leads = Lead.objects.filter(status__in=Lead.OPEN_STATUSES)
        emails = [e for e in open_leads.values_list("email", flat=True) if e]
        phones = [p for p in open_leads.values_list("phone", flat=True) if p]
        assert len(emails) == len(set(emails)) and len(phones) == len(set(phones))
        created = sum(not duplicate for got in results for duplicate in got)
        assert created == open_leads.count()
        assert LeadRequest.objects.count() == 800
        assert LeadRequest.objects.filter(duplicate=False).count() == created
        assert sum(open_leads.values_list("duplicate_requests", flat=True)) == 800 - created


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_and_single_posts_racing_for_one_contact():
    from leads.services import lead_intake

    channel = ChannelFactory(slug="web")
    items = [LeadInput(name=f"B {i}", channel=channel, email=f"c{i}@x.ru") for i in range(50)]
    singles = [
        (
            lambda i=i: lead_intake(
                data=LeadInput(name="S", channel=channel, email=f"c{i}@x.ru"), source=Source.API
            )
        )
        for i in range(0, 50, 5)
    ]
    race(lambda: lead_intake_many(items=items, source=Source.API), *singles, reraise=True)
    assert Lead.objects.count() == 50
    assert LeadRequest.objects.count() == 60


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_one_write_statement_stores_what_the_orm_stores(marketer, channel, monkeypatch):
    """``_write_postgresql`` stores exactly the rows ``_write_orm`` (``bulk_create``,
    simple-history's bulk insert, ``update``) stores for the same batch: every column of every
    lead (scored, queued, auto-assigned, from a form with consent, with a campaign and UTM
    tags), every creation history row (reason and user), the repeat counters of the open
    leads and every request record (the repeats of open leads and of the batch's own leads
    included)."""
    from django.db import transaction
    from django.utils import timezone

    from leads.models import AssignmentMode, SalesProfile, ScoringModel
    from leads.services import intake
    from tests.factories import CampaignFactory, WebFormFactory

    now = timezone.now()
    campaign = CampaignFactory(channel=channel, slug="spring")
    rr = ChannelFactory(slug="referrals", assignment=AssignmentMode.ROUND_ROBIN)
    SalesProfile.objects.create(user=UserFactory(role="sales"))
    form = WebFormFactory(channel=channel, slug="demo")
    ScoringModel.objects.create(
        version=1,
        closed_leads=50,
        converted_leads=20,
        intercept=-0.3,
        weights={"segment=smb": 0.4, "channel=website": 0.2, "need=short": -0.1},
        base_rate=0.4,
    )
    open_lead, open_too = (
        result.lead
        for result in lead_intake_many(
            items=[
                LeadInput(name="Open", channel=channel, phone="+79160000000"),
                LeadInput(name="Open too", channel=channel, email="l5@x.ru"),
            ],
            source=Source.API,
        )
    )
    items = [
        LeadInput(
            name=f"L{i}",
            channel=rr if i % 5 == 4 else channel,
            email=f"l{i % 9}@x.ru" if i % 3 else "",
            phone=f"+7916000{i % 11:04d}" if i % 3 != 1 else "",
            company="ACME" if i % 2 else "",
            need="Wants a demo" if i % 4 else "",
            segment=("smb", "mid", "")[i % 3],
            region="msk" if i % 7 == 0 else "",
            campaign=campaign if i % 6 == 0 else None,
            form=form if i % 8 == 0 else None,
            consent_text="I agree" if i % 8 == 0 else "",
            utm_source="ads" if i % 2 else "",
            utm_campaign=f"w{i % 3}",
        )
        for i in range(30)
    ]

    Stored = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]

    def stored(sql: bool) -> Stored:
        class Rollback(Exception):
            pass

        if not sql:
            monkeypatch.setattr(intake, "_write_postgresql", intake._write_orm)
        leads: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        requests: list[dict[str, Any]] = []
        try:
            with transaction.atomic():
                results = lead_intake_many(items=items, source=Source.CSV, by=marketer, now=now)
                order = {r.lead.pk: n for n, r in enumerate(results)}  # ids differ per run
                order.update({open_lead.pk: -1, open_too.pk: -2})
                leads = [
                    {**row, "id": order[row["id"]], "updated_at": None}
                    for row in Lead.objects.order_by("id").values()
                ]
                history = [
                    {**row, "id": order[row["id"]], "history_id": None, "history_date": None}
                    for row in Lead.history.exclude(  # type: ignore[attr-defined]
                        id__in=[open_lead.pk, open_too.pk]
                    )
                    .order_by("history_id")
                    .values()
                ]
                requests = [
                    {**row, "id": None, "lead_id": order[row["lead_id"]]}
                    for row in LeadRequest.objects.order_by("id").values()
                ]
                assert all(r.lead.pk for r in results)
                raise Rollback
        except Rollback:
            pass
        monkeypatch.undo()
        return leads, history, requests

    orm = stored(sql=False)
    sql = stored(sql=True)
    leads, history, requests = orm
    assert len(leads) == 2 + 13 and len(requests) == 2 + 30  # the open leads and their requests
    assert len(history) == 13
    assert {h["history_change_reason"][:12] for h in history} == {"intake (csv)"}
    assert {h["history_user_id"] for h in history} == {marketer.pk}
    assert {lead["status"] for lead in leads} == {"new", "assigned"}
    assert {lead["score"] is not None for lead in leads[2:]} == {True}
    assert [lead["duplicate_requests"] for lead in leads[:2]] == [1, 3]
    assert sql == orm


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_intakes_of_one_contact_take_turns_and_never_collide(monkeypatch):
    """Eight single intakes of one contact at once: the first creates the lead, the others
    wait on the contact's lock and then read it (the read takes its snapshot after the lock,
    though both go in one round trip), so none reaches the unique index and has to be
    judged again."""
    from leads.services import intake, lead_intake

    collisions: list[Exception] = []
    is_violation = intake._is_dedup_violation

    def counted(exc: Exception) -> bool:
        collisions.append(exc)
        return is_violation(exc)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "_is_dedup_violation", counted)
    channel = ChannelFactory(slug="web")
    data = LeadInput(name="Same", channel=channel, email="same@x.ru", phone="+79160000001")
    results = race(*[lambda: lead_intake(data=data, source=Source.API)] * 8, reraise=True)
    assert sorted(r.duplicate for r in results) == [False] + [True] * 7
    assert len({r.lead.pk for r in results}) == 1
    assert collisions == []
    assert Lead.objects.get().duplicate_requests == 7


@pytest.mark.django_db
def test_each_item_gets_its_own_sla_policy_from_one_read(client, channel):
    """The policies that may apply to every (channel, segment) of a batch are read once;
    each new lead still gets the most specific one: channel and segment, channel, segment,
    then the default (5 minutes)."""
    from datetime import timedelta

    from leads.models import SlaPolicy
    from tests.conftest import count_queries

    other = ChannelFactory(slug="expo")
    SlaPolicy.objects.create(
        name="web smb", first_response_minutes=7, channel=channel, segment="smb"
    )
    SlaPolicy.objects.create(name="web", first_response_minutes=11, channel=channel)
    SlaPolicy.objects.create(name="any ent", first_response_minutes=13, segment="ent")
    expected = {
        ("website", "smb"): 7,
        ("website", "ent"): 11,
        ("website", ""): 11,
        ("expo", "smb"): 5,
        ("expo", "ent"): 13,
        ("expo", ""): 5,
    }
    items = [
        _item(n, channel=slug, segment=segment)
        for n, (slug, segment) in enumerate(list(expected) * 3)
    ]
    client.post(URL, {"leads": [_item(101)]}, format="json")  # the scoring model's version
    one_key = count_queries(lambda: client.post(URL, {"leads": [_item(100)]}, format="json"))
    many = count_queries(lambda: client.post(URL, {"leads": items}, format="json"), status=200)
    assert many.queries == one_key.queries
    for lead in Lead.objects.exclude(email__in=["lead100@example.ru", "lead101@example.ru"]):
        minutes = expected[(lead.channel.slug, lead.segment)]
        assert lead.sla_deadline - lead.created_at == timedelta(minutes=minutes), lead.name
    assert other.leads.count() == 9
