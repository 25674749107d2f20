"""The feedback pages: login and role checks, scope (owner / colleague / other department),
and every form going through the same services as the API; bad input is a message, not a 500."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from feedback.models import (
    ActionItem,
    AnswerVote,
    Brief,
    Dispute,
    LeadFeedback,
    Objection,
    ObjectionAnswer,
    ObjectionHeard,
    ReviewMeeting,
)
from feedback.services import answer_add, lead_feedback_give, objection_create

pytestmark = pytest.mark.django_db

PAGES = [
    "/feedback/",
    "/feedback/quality/",
    "/feedback/disputes/",
    "/feedback/objections/",
    "/feedback/reviews/",
    "/feedback/reviews/new/",
    "/feedback/briefs/",
    "/feedback/briefs/new/",
]


def _messages(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in response.context["messages"])


def test_pages_need_login(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("who", "forbidden"),
    [
        ("seller", {"/feedback/quality/", "/feedback/reviews/new/"}),
        ("marketer", {"/feedback/reviews/new/", "/feedback/briefs/new/"}),
        ("mhead", {"/feedback/briefs/new/"}),
        ("manager", set()),
    ],
)
def test_each_role_opens_its_pages(client, request, who, forbidden):
    client.force_login(request.getfixturevalue(who))
    for url in PAGES:
        expected = 403 if url in forbidden else 200
        assert client.get(url).status_code == expected, url


def test_the_navigation_has_the_feedback_entry(client, seller):
    client.force_login(seller)
    page = client.get("/feedback/disputes/").content.decode()
    assert 'href="/feedback/"' in page and 'aria-current="page"' in page


# --- One lead ------------------------------------------------------------------------------------


def test_lead_page_scope(client, seller, other_seller, marketer, worked):
    lead = worked(seller)
    client.force_login(other_seller)
    assert client.get(f"/feedback/leads/{lead.pk}/").status_code == 404
    client.force_login(marketer)
    page = client.get(f"/feedback/leads/{lead.pk}/").content.decode()
    assert "Send rating" not in page and "Raise a dispute" not in page
    client.force_login(seller)
    page = client.get(f"/feedback/leads/{lead.pk}/").content.decode()
    assert "Send rating" in page and "Raise a dispute" in page and "Record an objection" in page


def test_rate_a_lead_through_the_page(client, seller, worked):
    lead = worked(seller)
    client.force_login(seller)
    response = client.post(
        f"/feedback/leads/{lead.pk}/rate/",
        {"rating": "2", "tags": ["no_budget"], "comment": "Free only"},
        follow=True,
    )
    assert "marketing sees your rating" in _messages(response)
    feedback = LeadFeedback.objects.get()
    assert (feedback.rating, feedback.comment) == (2, "Free only")
    page = client.get(f"/feedback/leads/{lead.pk}/").content.decode()
    assert "Update rating" in page and "Free only" in page


@pytest.mark.parametrize(
    "data",
    [{"rating": "9"}, {"rating": ""}, {"rating": "3", "tags": ["invented"]}, {}],
)
def test_bad_ratings_are_messages_and_save_nothing(client, seller, worked, data):
    lead = worked(seller)
    client.force_login(seller)
    response = client.post(f"/feedback/leads/{lead.pk}/rate/", data, follow=True)
    assert response.status_code == 200
    assert _messages(response)
    assert not LeadFeedback.objects.exists()


def test_others_cannot_post_on_a_lead(client, seller, other_seller, marketer, worked):
    lead = worked(seller)
    client.force_login(other_seller)
    assert client.post(f"/feedback/leads/{lead.pk}/rate/", {"rating": "3"}).status_code == 404
    assert client.post(f"/feedback/leads/{lead.pk}/dispute/", {}).status_code == 404
    client.force_login(marketer)
    assert client.post(f"/feedback/leads/{lead.pk}/rate/", {"rating": "3"}).status_code == 403
    assert not LeadFeedback.objects.exists()


def test_dispute_from_the_page_to_the_decision(client, seller, marketer, manager, worked):
    lead = worked(seller)
    client.force_login(seller)
    response = client.post(
        f"/feedback/leads/{lead.pk}/dispute/",
        {"unmet_criteria": ["real_need"], "comment": "A student"},
    )
    dispute = Dispute.objects.get()
    assert response["Location"] == f"/feedback/disputes/{dispute.pk}/"
    page = client.get(f"/feedback/disputes/{dispute.pk}/").content.decode()
    assert "A student" in page and "Has a real need we solve" in page

    client.force_login(manager)  # marketing has not answered: no decision form yet
    assert "Decide" not in client.get(f"/feedback/disputes/{dispute.pk}/").content.decode()
    assert client.post(f"/feedback/disputes/{dispute.pk}/respond/", {}).status_code == 403

    client.force_login(marketer)
    assert "Send answer" in client.get(f"/feedback/disputes/{dispute.pk}/").content.decode()
    client.post(f"/feedback/disputes/{dispute.pk}/respond/", {"answer": "accept", "comment": "Yes"})
    dispute.refresh_from_db()
    assert dispute.status == "accepted"
    assert client.post(f"/feedback/disputes/{dispute.pk}/decide/", {}).status_code == 403

    client.force_login(manager)
    form = client.get(f"/feedback/disputes/{dispute.pk}/").content.decode()
    assert "Sales is right: not a lead" in form
    assert "Marketing is right: the lead stands" in form
    response = client.post(
        f"/feedback/disputes/{dispute.pk}/decide/",
        {"decision": "upheld", "reason": ""},
        follow=True,
    )
    assert "Reason" in _messages(response)  # a decision without a reason is refused
    client.post(
        f"/feedback/disputes/{dispute.pk}/decide/", {"decision": "upheld", "reason": "Student"}
    )
    dispute.refresh_from_db()
    assert dispute.status == "upheld"
    page = client.get(f"/feedback/disputes/{dispute.pk}/").content.decode()
    assert "does not count among marketing" in page
    # marketing's own answer stays as given, not relabelled with the decision
    assert "Accepted by marketing" in page


def test_a_dispute_without_criteria_is_a_message(client, seller, worked):
    lead = worked(seller)
    client.force_login(seller)
    response = client.post(f"/feedback/leads/{lead.pk}/dispute/", {"comment": "x"}, follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not Dispute.objects.exists()


def test_dispute_list_shows_ages_and_filters(client, seller, other_seller, marketer, dispute_in):
    mine = dispute_in("open", seller)
    decided = dispute_in("rejected", seller)
    theirs = dispute_in("contested", other_seller)
    Dispute.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(seller)
    page = client.get("/feedback/disputes/")
    assert [d.pk for d in page.context["page"]] == [mine.pk]  # undecided, own
    assert "2\xa0days" in page.content.decode()
    assert [d.pk for d in client.get("/feedback/disputes/?status=all").context["page"]] == [
        mine.pk,
        decided.pk,
    ]
    client.force_login(marketer)
    awaiting = client.get("/feedback/disputes/?awaiting=on").context["page"]
    assert [d.pk for d in awaiting] == [mine.pk]  # open on the marketer's campaign
    everything = client.get("/feedback/disputes/").context["page"]
    assert {d.pk for d in everything} == {mine.pk, theirs.pk}
    assert client.get("/feedback/disputes/?status=bogus").status_code == 200


# --- Objections ----------------------------------------------------------------------------------


def test_record_a_new_objection_on_a_lead(client, seller, worked):
    lead = worked(seller)
    touch = lead.touches.get()
    client.force_login(seller)
    response = client.post(
        f"/feedback/leads/{lead.pk}/objection/",
        {"new_text": "We have no time", "category": "timing", "touch": str(touch.pk)},
        follow=True,
    )
    assert "Objection recorded" in _messages(response)
    heard = ObjectionHeard.objects.get()
    assert (heard.objection.text, heard.lead_id, heard.touch_id) == (
        "We have no time",
        lead.pk,
        touch.pk,
    )


def test_an_objection_form_without_an_objection_is_a_message(client, seller, worked):
    lead = worked(seller)
    client.force_login(seller)
    response = client.post(f"/feedback/leads/{lead.pk}/objection/", {"note": "?"}, follow=True)
    assert "Choose an objection" in _messages(response)
    assert not Objection.objects.exists() and not ObjectionHeard.objects.exists()


def test_record_an_objection_on_a_deal(client, seller, other_seller, marketer, deal_of):
    deal = deal_of(seller)
    price = objection_create(by=seller, text="Too expensive", category="price")
    client.force_login(other_seller)
    assert client.get(f"/feedback/deals/{deal.pk}/").status_code == 404
    client.force_login(marketer)
    page = client.get(f"/feedback/deals/{deal.pk}/").content.decode()
    assert f'action="/feedback/deals/{deal.pk}/objection/"' not in page  # read-only
    assert client.post(f"/feedback/deals/{deal.pk}/objection/", {}).status_code == 403
    client.force_login(seller)
    assert (
        f'action="/feedback/deals/{deal.pk}/objection/"'
        in client.get(f"/feedback/deals/{deal.pk}/").content.decode()
    )
    client.post(f"/feedback/deals/{deal.pk}/objection/", {"objection": str(price.pk)})
    assert ObjectionHeard.objects.get().deal_id == deal.pk


def test_the_library_answers_and_votes(client, seller, marketer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(seller)
    response = client.post(
        "/feedback/objections/add/", {"text": "Too expensive", "category": "price"}
    )
    objection = Objection.objects.get()
    assert response["Location"] == f"/feedback/objections/{objection.pk}/"
    again = client.post(
        "/feedback/objections/add/", {"text": "too expensive", "category": "price"}, follow=True
    )
    assert "already in the library" in _messages(again)
    assert (
        client.post(f"/feedback/objections/{objection.pk}/answers/", {"text": "x"}).status_code
        == 403
    )

    client.force_login(marketer)
    client.post(
        f"/feedback/objections/{objection.pk}/answers/",
        {
            "text": "Payback in two months",
            "link": "https://example.com/roi",
            "file": SimpleUploadedFile("roi.pdf", b"%PDF"),
        },
    )
    answer = ObjectionAnswer.objects.get()
    assert answer.file.name.endswith(".pdf")
    bad = client.post(
        f"/feedback/objections/{objection.pk}/answers/",
        {"text": "x", "link": "ftp://example.com"},
        follow=True,
    )
    assert "http" in _messages(bad)
    assert ObjectionAnswer.objects.count() == 1
    assert client.post(f"/feedback/answers/{answer.pk}/vote/").status_code == 403

    client.force_login(seller)
    client.post(f"/feedback/answers/{answer.pk}/vote/")
    client.post(f"/feedback/answers/{answer.pk}/vote/")
    assert AnswerVote.objects.count() == 1
    page = client.get(f"/feedback/objections/{objection.pk}/").content.decode()
    assert "Payback in two months" in page and "you voted" in page
    listed = client.get("/feedback/objections/?q=expens").content.decode()
    assert "Too expensive" in listed


# --- Reviews -------------------------------------------------------------------------------------


def test_record_a_meeting_from_the_proposed_agenda(client, manager, marketer, seller, deal_of):
    deal = deal_of(seller)
    client.force_login(manager)
    page = client.get("/feedback/reviews/new/")
    assert page.status_code == 200
    assert deal.pk in page.context["form"].initial["deals"]  # proposed: stuck longest
    today = timezone.localdate().isoformat()
    response = client.post(
        "/feedback/reviews/new/",
        {
            "held_on": today,
            "title": "Weekly review",
            "participants": [str(marketer.pk), str(seller.pk)],
            "deals": [str(deal.pk)],
            "item0-text": "Payback one-pager",
            "item0-owner": str(marketer.pk),
            "item0-due_on": today,
        },
    )
    meeting = ReviewMeeting.objects.get()
    assert response["Location"] == f"/feedback/reviews/{meeting.pk}/"
    assert list(meeting.deals.all()) == [deal]
    item = ActionItem.objects.get()
    assert (item.text, item.owner_id) == ("Payback one-pager", marketer.pk)

    client.force_login(marketer)
    client.post(f"/feedback/action-items/{item.pk}/done/", {"done": "1"})
    item.refresh_from_db()
    assert item.is_done
    client.force_login(seller)
    assert client.post(f"/feedback/action-items/{item.pk}/done/", {"done": "0"}).status_code == 403


def test_a_meeting_saves_with_zero_or_two_decisions(client, manager, marketer, seller):
    """As a browser sends it: every blank decision row arrives empty, and none is required."""
    client.force_login(manager)
    page = client.get("/feedback/reviews/new/").content.decode()
    assert 'name="item1-text"' in page
    row = page[page.index('name="item1-text"') - 200 : page.index('name="item1-text"') + 200]
    assert "required" not in row
    today = timezone.localdate().isoformat()
    base = {
        "held_on": today,
        "title": "Weekly review",
        "participants": [str(marketer.pk), str(seller.pk)],
    }
    blank = {f"item{i}-{f}": "" for i in range(4) for f in ("text", "owner", "due_on")}
    assert client.post("/feedback/reviews/new/", {**base, **blank}).status_code == 302
    two = {
        **blank,
        "item0-text": "Payback one-pager",
        "item0-owner": str(marketer.pk),
        "item0-due_on": today,
        "item2-text": "Call the three stuck deals",
        "item2-owner": str(seller.pk),
        "item2-due_on": today,
    }
    assert client.post("/feedback/reviews/new/", {**base, **two}).status_code == 302
    assert ReviewMeeting.objects.count() == 2
    assert ActionItem.objects.count() == 2


def test_a_meeting_of_one_department_is_refused_with_a_message(
    client, manager, seller, other_seller
):
    client.force_login(manager)
    response = client.post(
        "/feedback/reviews/new/",
        {
            "held_on": timezone.localdate().isoformat(),
            "participants": [str(seller.pk), str(other_seller.pk)],
        },
    )
    assert response.status_code == 400
    assert "marketing and from sales" in _messages(response)
    assert not ReviewMeeting.objects.exists()


# --- Briefs --------------------------------------------------------------------------------------


def test_a_brief_through_the_pages(client, seller, marketer, manager, mhead):
    client.force_login(seller)
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.post(
        "/feedback/briefs/new/", {"title": "Case study", "goal": "Proof", "due_on": due}
    )
    brief = Brief.objects.get()
    assert response["Location"] == f"/feedback/briefs/{brief.pk}/"

    client.force_login(mhead)
    client.post(f"/feedback/briefs/{brief.pk}/warn/", {"warning": "Too short"})
    client.force_login(manager)
    page = client.get(f"/feedback/briefs/{brief.pk}/").content.decode()
    assert "Too short" in page and 'name="risks"' in page
    response = client.post(
        f"/feedback/briefs/{brief.pk}/move/", {"status": "approved"}, follow=True
    )
    assert "risks" in _messages(response)
    client.post(f"/feedback/briefs/{brief.pk}/move/", {"status": "approved", "risks": "Ok"})
    client.force_login(marketer)
    client.post(f"/feedback/briefs/{brief.pk}/move/", {"status": "in_progress"})
    response = client.post(
        f"/feedback/briefs/{brief.pk}/move/", {"status": "accepted"}, follow=True
    )
    assert "cannot go from" in _messages(response)
    client.post(f"/feedback/briefs/{brief.pk}/move/", {"status": "delivered", "comment": "Link"})
    client.force_login(seller)
    assert client.post(f"/feedback/briefs/{brief.pk}/warn/", {"warning": "x"}).status_code == 403
    client.post(f"/feedback/briefs/{brief.pk}/move/", {"status": "accepted"})
    brief.refresh_from_db()
    assert brief.status == "accepted"
    assert [e.to_status for e in brief.events.all()] == [
        "draft",
        "approved",
        "in_progress",
        "delivered",
        "accepted",
    ]


def test_a_colleague_neither_sees_nor_moves_a_brief(client, other_seller, brief_in):
    brief = brief_in("delivered")
    client.force_login(other_seller)
    assert client.get(f"/feedback/briefs/{brief.pk}/").status_code == 404
    assert (
        client.post(f"/feedback/briefs/{brief.pk}/move/", {"status": "accepted"}).status_code == 404
    )


def test_a_brief_in_the_past_is_a_400_page(client, seller):
    client.force_login(seller)
    response = client.post(
        "/feedback/briefs/new/", {"title": "x", "goal": "y", "due_on": "2020-01-01"}
    )
    assert response.status_code == 400
    assert not Brief.objects.exists()


# --- The inbox -----------------------------------------------------------------------------------


def test_the_inbox_lists_what_waits_for_each_person(
    client, seller, marketer, manager, worked, dispute_in, brief_in
):
    unrated = worked(seller)
    rated = worked(seller)
    lead_feedback_give(lead=rated, by=seller, rating=4)
    open_dispute = dispute_in("open", seller)
    answered = dispute_in("contested", seller)
    draft = brief_in("draft")
    delivered = brief_in("delivered")
    approved = brief_in("approved")

    client.force_login(marketer)
    context = client.get("/feedback/").context
    assert [d.pk for d in context["disputes"]] == [open_dispute.pk]
    assert [b.pk for b in context["briefs"]] == [approved.pk]
    assert context["quality"].totals.feedbacks == 1

    client.force_login(manager)
    context = client.get("/feedback/").context
    assert [d.pk for d in context["disputes"]] == [answered.pk]
    assert [b.pk for b in context["briefs"]] == [draft.pk]

    client.force_login(seller)
    context = client.get("/feedback/").context
    assert [b.pk for b in context["briefs"]] == [delivered.pk]
    assert unrated.pk in {lead.pk for lead in context["to_rate"]}
    assert rated.pk not in {lead.pk for lead in context["to_rate"]}


def test_the_quality_page_defaults_to_the_marketers_campaigns(client, marketer, seller, worked):
    from tests.factories import CampaignFactory

    other = CampaignFactory(slug="other", name="Other")
    lead_feedback_give(lead=worked(seller), by=seller, rating=5)
    lead_feedback_give(
        lead=worked(seller, campaign=other, channel=other.channel), by=seller, rating=1
    )
    client.force_login(marketer)
    mine = client.get("/feedback/quality/")
    assert [row.key for row in mine.context["report"].rows] == ["spring"]
    everything = client.get("/feedback/quality/?group_by=campaign")
    assert {row.key for row in everything.context["report"].rows} == {"spring", "other"}
    assert client.get("/feedback/quality/?date_from=garbage").status_code == 200


def test_answer_add_refuses_bad_files_with_a_message(client, marketer, seller, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    objection = objection_create(by=seller, text="Too expensive", category="price")
    answer_add(objection=objection, by=marketer, text="First")
    client.force_login(marketer)
    response = client.post(
        f"/feedback/objections/{objection.pk}/answers/",
        {"text": "x", "file": SimpleUploadedFile("virus.exe", b"MZ")},
        follow=True,
    )
    assert response.status_code == 200 and _messages(response)
    assert ObjectionAnswer.objects.count() == 1


def test_disputes_show_criteria_by_label_not_code(client, seller, marketer, dispute_in):
    dispute_in("open", seller)
    client.force_login(seller)
    page = client.get("/feedback/disputes/").content.decode()
    assert "Has a real need we solve" in page
    assert "real_need" not in page
    note = marketer.notifications.get()  # the marketer's notification names it too
    assert "Has a real need we solve" in note.body and "real_need" not in note.body
