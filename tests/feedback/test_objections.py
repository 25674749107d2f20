"""The objection library: adding objections, recording where they were heard (own leads,
touches and deals only), marketing's answers with links and files, votes, frequency, and
the best answers on the lead page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from feedback.models import AnswerVote, Objection, ObjectionAnswer, ObjectionHeard
from feedback.selectors import objection_answers_for, week_start, weekly_frequency
from feedback.services import answer_add, answer_vote, objection_create, objection_record_heard
from org.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def price(seller) -> Objection:  # type: ignore[no-untyped-def]
    return objection_create(by=seller, text="Too expensive", category="price")


def _heard(client, objection, **data):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/objections/{objection.pk}/heard/", data, format="json")


@pytest.mark.parametrize("who", ["seller", "marketer", "manager"])
def test_every_department_adds_objections(as_user, request, who):
    response = as_user(request.getfixturevalue(who)).post(
        "/api/v1/objections/", {"text": "We use spreadsheets", "category": "need"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["text"], body["category"], body["heard"], body["answer_count"]) == (
        "We use spreadsheets",
        "need",
        0,
        0,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "", "category": "price"}, "text"),
        ({"text": "Too expensive", "category": "price"}, "text"),  # already in the library
        ({"text": "TOO EXPENSIVE", "category": "price"}, "text"),
        ({"text": "New one", "category": "weather"}, "category"),
        ({"text": "x" * 301, "category": "price"}, "text"),
    ],
)
def test_bad_objections_are_400(as_user, seller, price, data, field):
    response = as_user(seller).post("/api/v1/objections/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Objection.objects.count() == 1


# --- Where it was heard --------------------------------------------------------------------


def test_heard_on_a_lead_a_touch_or_a_deal(as_user, seller, price, worked, deal_of):
    lead = worked(seller)
    touch = lead.touches.get()
    client = as_user(seller)
    on_lead = _heard(client, price, lead=lead.pk, note="Asked for a discount")
    assert on_lead.status_code == 201, on_lead.json()
    assert (on_lead.json()["lead"], on_lead.json()["touch"]) == (lead.pk, None)
    on_touch = _heard(client, price, touch=touch.pk)
    assert on_touch.status_code == 201
    assert (on_touch.json()["lead"], on_touch.json()["touch"]) == (lead.pk, touch.pk)
    assert on_touch.json()["heard_at"] == touch.at.isoformat().replace("+00:00", "Z")
    deal = deal_of(seller)
    on_deal = _heard(client, price, deal=deal.pk)
    assert on_deal.status_code == 201
    assert (on_deal.json()["deal"], on_deal.json()["lead"]) == (deal.pk, deal.lead_id)
    listed = client.get(f"/api/v1/objections/{price.pk}/").json()
    assert listed["heard"] == listed["heard_recently"] == 3


def test_who_may_record_where(
    as_user, seller, other_seller, marketer, manager, price, worked, deal_of
):
    lead, deal = worked(seller), deal_of(seller)
    touch = lead.touches.get()
    colleague = as_user(other_seller)
    assert _heard(colleague, price, lead=lead.pk).status_code == 404
    assert _heard(colleague, price, touch=touch.pk).status_code == 404
    assert _heard(colleague, price, deal=deal.pk).status_code == 404
    assert _heard(as_user(marketer), price, lead=lead.pk).status_code == 403
    assert not ObjectionHeard.objects.exists()
    assert _heard(as_user(manager), price, deal=deal.pk).status_code == 201  # management: any


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"note": "nowhere"},
        {"lead": "x"},
        {"heard_at": "not a time", "lead": 0},
    ],
)
def test_nowhere_or_garbage_is_a_400(as_user, seller, price, data):
    response = _heard(as_user(seller), price, **data)
    assert response.status_code == 400
    assert not ObjectionHeard.objects.exists()


def test_a_touch_of_another_lead_or_a_future_time_is_a_400(as_user, seller, price, worked):
    first, second = worked(seller), worked(seller)
    client = as_user(seller)
    mismatch = _heard(client, price, lead=first.pk, touch=second.touches.get().pk)
    assert mismatch.status_code == 400 and "touch" in mismatch.json()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    late = _heard(client, price, lead=first.pk, heard_at=future)
    assert late.status_code == 400 and "heard_at" in late.json()
    assert not ObjectionHeard.objects.exists()


def test_an_archived_objection_is_not_recorded(as_user, seller, price, worked):
    Objection.objects.filter(pk=price.pk).update(is_active=False)
    assert _heard(as_user(seller), price, lead=worked(seller).pk).status_code == 404


# --- Answers and votes -------------------------------------------------------------------------


def test_marketing_answers_with_a_link_and_a_file(
    as_user, marketer, seller, price, worked, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    objection_record_heard(objection=price, by=seller, lead=worked(seller))
    client = as_user(marketer)
    with_link = client.post(
        f"/api/v1/objections/{price.pk}/answers/",
        {"text": "Show the payback", "link": "https://example.com/roi"},
        format="json",
    )
    assert with_link.status_code == 201, with_link.json()
    assert with_link.json()["link"] == "https://example.com/roi"
    assert with_link.json()["helpful"] == 0
    with_file = client.post(
        f"/api/v1/objections/{price.pk}/answers/",
        {"text": "The one-pager", "file": SimpleUploadedFile("roi.pdf", b"%PDF-1.4 demo")},
        format="multipart",
    )
    assert with_file.status_code == 201, with_file.json()
    assert with_file.json()["file"].endswith(".pdf")
    assert ObjectionAnswer.objects.get(text="The one-pager").file.read() == b"%PDF-1.4 demo"
    # Salespeople who heard it lately are told.
    assert (
        Notification.objects.filter(recipient=seller, subject__contains="New answer").count() == 2
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "See", "link": "javascript:alert(1)"}, "link"),
        ({"text": "See", "link": "example.com"}, "link"),
        ({"text": "See", "file": SimpleUploadedFile("run.exe", b"MZ")}, "file"),
    ],
)
def test_bad_answers_are_400(as_user, marketer, price, data, field):
    response = as_user(marketer).post(
        f"/api/v1/objections/{price.pk}/answers/", data, format="multipart"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not ObjectionAnswer.objects.exists()


def test_only_marketing_and_management_answer(as_user, seller, manager, price):
    url = f"/api/v1/objections/{price.pk}/answers/"
    assert as_user(seller).post(url, {"text": "x"}, format="json").status_code == 403
    assert as_user(manager).post(url, {"text": "x"}, format="json").status_code == 201


def test_sales_vote_once_and_the_best_answer_comes_first(
    as_user, seller, other_seller, marketer, price
):
    older = answer_add(objection=price, by=marketer, text="Payback in two months")
    newer = answer_add(objection=price, by=marketer, text="Annual plan discount")
    first = as_user(seller).post(f"/api/v1/objection-answers/{older.pk}/vote/")
    assert first.status_code == 201 and first.json()["helpful"] == 1
    again = as_user(seller).post(f"/api/v1/objection-answers/{older.pk}/vote/")
    assert again.status_code == 200 and again.json()["helpful"] == 1
    assert as_user(marketer).post(f"/api/v1/objection-answers/{older.pk}/vote/").status_code == 403
    assert AnswerVote.objects.count() == 1
    detail = as_user(other_seller).get(f"/api/v1/objections/{price.pk}/").json()
    assert [a["id"] for a in detail["answers"]] == [older.pk, newer.pk]  # 1 vote beats newer
    answer_vote(answer=newer, by=seller)
    answer_vote(answer=newer, by=other_seller)
    detail = as_user(seller).get(f"/api/v1/objections/{price.pk}/").json()
    assert [(a["id"], a["helpful"]) for a in detail["answers"]] == [(newer.pk, 2), (older.pk, 1)]


# --- Frequency -----------------------------------------------------------------------------------


def test_weekly_frequency_counts_each_week_and_fills_gaps(seller, price, worked):
    lead = worked(seller)
    now = timezone.now()
    this_week = week_start(timezone.localdate(now))
    for days_ago in (0, 0, 7, 21, 70):
        objection_record_heard(
            objection=price, by=seller, lead=lead, heard_at=now - timedelta(days=days_ago)
        )
    series = weekly_frequency(objection_ids=[price.pk], weeks=4, now=now)[price.pk]
    assert [start for start, _n in series] == [this_week - timedelta(weeks=n) for n in (3, 2, 1, 0)]
    assert [n for _start, n in series] == [1, 0, 1, 2]


def test_the_list_counts_recent_and_all_time_and_sorts_by_recent(as_user, seller, price, worked):
    lead = worked(seller)
    other = objection_create(by=seller, text="Not now", category="timing")
    long_ago = timezone.now() - timedelta(days=60)
    for _ in range(3):
        objection_record_heard(objection=price, by=seller, lead=lead, heard_at=long_ago)
    objection_record_heard(objection=other, by=seller, lead=lead)
    rows = as_user(seller).get("/api/v1/objections/").json()["results"]
    assert [(r["text"], r["heard_recently"], r["heard"]) for r in rows] == [
        ("Not now", 1, 1),
        ("Too expensive", 0, 3),
    ]
    assert [
        r["text"]
        for r in as_user(seller).get("/api/v1/objections/?category=price").json()["results"]
    ] == ["Too expensive"]
    assert as_user(seller).get(f"/api/v1/objections/?lead={lead.pk}").json()["results"]
    detail = as_user(seller).get(f"/api/v1/objections/{other.pk}/").json()
    assert len(detail["frequency"]) == 12 and detail["frequency"][-1]["count"] == 1


# --- What the lead and deal pages show ------------------------------------------------------


def test_answers_for_a_lead_put_what_was_heard_there_first(
    seller, marketer, price, worked, deal_of
):
    lead = worked(seller)
    elsewhere = worked(seller)
    timing = objection_create(by=seller, text="Not now", category="timing")
    for _ in range(3):
        objection_record_heard(objection=timing, by=seller, lead=elsewhere)
    objection_record_heard(objection=price, by=seller, lead=lead)
    best = answer_add(objection=price, by=marketer, text="Payback")
    answer_add(objection=price, by=marketer, text="Discount")
    answer_vote(answer=best, by=seller)
    cards = objection_answers_for(lead=lead)
    assert [(c.objection.text, c.heard_here) for c in cards] == [
        ("Too expensive", 1),
        ("Not now", 0),  # topped up with the most heard lately
    ]
    assert [a.text for a in cards[0].answers] == ["Payback", "Discount"]
    deal = deal_of(seller)
    objection_record_heard(objection=timing, by=seller, deal=deal)
    assert objection_answers_for(deal=deal)[0].objection == timing
    assert objection_answers_for(deal=deal)[0].heard_here == 1


def test_the_lead_page_shows_the_best_answers(client, seller, marketer, price, worked):
    lead = worked(seller)
    objection_record_heard(objection=price, by=seller, lead=lead)
    answer_add(objection=price, by=marketer, text="Show the payback calculation")
    client.force_login(seller)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Objections and answers" in page
    assert "Too expensive" in page and "Show the payback calculation" in page
    assert f"/feedback/leads/{lead.pk}/" in page


def test_the_objection_page_names_only_leads_the_reader_may_see(
    client, seller, other_seller, marketer, price, worked
):
    lead = worked(seller, name="Secret Buyer LLC")
    objection_record_heard(objection=price, by=seller, lead=lead, note="Too dear")
    client.force_login(other_seller)
    page = client.get(f"/feedback/objections/{price.pk}/").content.decode()
    assert "Secret Buyer LLC" not in page and "Too dear" not in page
    for reader in (seller, marketer):
        client.force_login(reader)
        assert (
            "Secret Buyer LLC" in client.get(f"/feedback/objections/{price.pk}/").content.decode()
        )
