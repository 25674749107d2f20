"""The feedback admin: every page opens for every role with data present, workflows are
read-only there, and sales see only their own ratings, disputes and briefs."""

import pytest
from django.contrib import admin
from django.urls import reverse

from feedback.models import Brief, Dispute, LeadFeedback
from feedback.services import (
    action_item_add,
    answer_add,
    lead_feedback_give,
    objection_create,
    objection_record_heard,
    review_meeting_create,
)
from tests.authz import ADMIN_CODES, ADMIN_ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(seller, other_seller, marketer, manager, worked, dispute_in, brief_in):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    lead = worked(seller)
    lead_feedback_give(lead=lead, by=seller, rating=2, tags=["no_budget"])
    lead_feedback_give(lead=worked(other_seller), by=other_seller, rating=4)
    objection = objection_create(by=seller, text="Too expensive", category="price")
    objection_record_heard(objection=objection, by=seller, lead=lead)
    answer_add(objection=objection, by=marketer, text="Payback")
    meeting = review_meeting_create(
        by=manager, held_on=timezone.localdate(), participants=[marketer, seller]
    )
    action_item_add(
        meeting=meeting, by=manager, text="Do it", owner=seller, due_on=timezone.localdate()
    )
    return {
        "mine": dispute_in("upheld", seller),
        "theirs": dispute_in("open", other_seller),
        "my_brief": brief_in("delivered"),
        "their_brief": brief_in("draft", requester=other_seller),
    }


FEEDBACK_MODELS = [m for m in admin.site._registry if m._meta.app_label == "feedback"]


@pytest.mark.parametrize("who", ["manager", "marketer", "seller"])
def test_every_feedback_admin_page_opens(client, request, everything, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert len(FEEDBACK_MODELS) == 9
    for model in FEEDBACK_MODELS:
        opts = model._meta
        listing = client.get(reverse(f"admin:feedback_{opts.model_name}_changelist"))
        expected = ADMIN_CODES[opts.label].split()[ADMIN_ROLES.index(user.role)].split("/")[0]
        assert listing.status_code == int(expected), opts.model_name
        if listing.status_code == 200:  # every row listed opens
            for row in listing.context["cl"].result_list:
                url = reverse(f"admin:feedback_{opts.model_name}_change", args=[row.pk])
                assert client.get(url).status_code == 200, url


def test_sales_see_only_their_own_in_the_admin(client, seller, everything):
    client.force_login(seller)
    disputes = client.get("/admin/feedback/dispute/").content.decode()
    assert f"/admin/feedback/dispute/{everything['mine'].pk}/change/" in disputes
    assert f"/admin/feedback/dispute/{everything['theirs'].pk}/change/" not in disputes
    briefs = client.get("/admin/feedback/brief/").content.decode()
    assert f"/admin/feedback/brief/{everything['my_brief'].pk}/change/" in briefs
    assert f"/admin/feedback/brief/{everything['their_brief'].pk}/change/" not in briefs
    ratings = client.get("/admin/feedback/leadfeedback/")
    assert [f.author_id for f in ratings.context["cl"].result_list] == [seller.pk]


def test_workflows_are_not_added_or_changed_in_the_admin(client, manager, everything):
    client.force_login(manager)
    for name in ("dispute", "brief", "leadfeedback"):
        assert client.get(f"/admin/feedback/{name}/add/").status_code == 403
    dispute = everything["mine"]
    page = client.get(f"/admin/feedback/dispute/{dispute.pk}/change/").content.decode()
    assert 'name="status"' not in page
    brief = everything["my_brief"]
    page = client.get(f"/admin/feedback/brief/{brief.pk}/change/").content.decode()
    assert 'name="status"' not in page and 'name="title"' in page
    assert Dispute.objects.get(pk=dispute.pk).status == "upheld"
    assert Brief.objects.get(pk=brief.pk).status == "delivered"
    assert LeadFeedback.objects.count() == 2
