"""The authorization matrix, generated from the OpenAPI schema.

Every operation the schema describes x {sales A, sales B, the sales head, marketing,
management, anonymous}, on an object of sales A's where the path names one (A's own; B's and
the sales head's foreign; marketing and management see everything) -> the exact expected code.
Each call carries an empty body, so a caller who may act gets past authentication, the role
check and the object scope and stops at validation (400) or succeeds on a read; each runs in a
savepoint that is rolled back, so no call changes what the next one sees.

A new operation fails here until EXPECTED says what each role gets.
"""

import json
import os
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from deals.services import payment_record
from feedback.models import FeedbackTag
from leads.models import LeadDefinition, SlaPolicy
from org.models import FunnelStage, HandOff
from org.services import api_key_create
from tests.authz import BUILDERS, ROLES, World, kpi_period, kpi_statement
from tests.factories import CampaignFactory, ChannelFactory, WebFormFactory

pytestmark = pytest.mark.django_db

CALLERS = [*ROLES, "anonymous", "intake_key"]

# operation id -> codes for: sales A, sales B, sales head, marketing, management, anonymous and
# an integration API key for lead intake (made by management; 403 outside the intake endpoints).
# Sales A's object is A's own and foreign to B and to the sales head (who, today, sees only the
# queue and their own, like any salesperson). Actions only the owner takes (touch, qualify,
# disqualify, convert) look the lead up among the caller's own: 404 for everyone else.
EXPECTED: dict[str, str] = {
    "action_items_done_create": "200 403 403 403 200 401 403",
    "action_items_list": "200 200 200 200 200 401 403",
    "action_items_retrieve": "200 200 200 200 200 401 403",
    "auth_logout_create": "400 400 400 400 400 401 403",
    "auth_token_create": "400 400 400 400 400 400 400",
    "briefs_create": "400 400 400 403 400 401 403",
    "briefs_list": "200 200 200 200 200 401 403",
    "briefs_retrieve": "200 404 200 200 200 401 403",  # a sales head sees the team
    "briefs_transition_create": "400 404 400 400 400 401 403",
    "briefs_warn_create": "403 403 403 400 403 401 403",
    "campaigns_create": "403 403 403 400 400 401 403",
    "campaigns_list": "200 200 200 200 200 401 403",
    "campaigns_retrieve": "200 200 200 200 200 401 403",
    "channels_create": "403 403 403 400 400 401 403",
    "channels_list": "200 200 200 200 200 401 403",
    "channels_retrieve": "200 200 200 200 200 401 403",
    "deal_stages_list": "200 200 200 200 200 401 403",
    "deals_close_create": "400 404 404 403 400 401 403",
    "deals_create": "400 400 400 403 400 401 403",
    "deals_list": "200 200 200 200 200 401 403",
    "deals_move_create": "400 404 404 400 400 401 403",
    "deals_partial_update": "200 404 404 403 200 401 403",
    "deals_payments_create": "400 404 404 403 400 401 403",
    "deals_payments_void_create": "400 404 404 403 400 401 403",
    "deals_reassign_create": "403 403 400 403 400 401 403",  # heads, management
    "deals_retrieve": "200 404 200 200 200 401 403",  # a sales head sees the team
    "deals_sign_off_requests_create": "400 404 404 403 400 401 403",
    "deals_sign_offs_create": "400 404 404 400 400 401 403",
    "disputes_decide_create": "403 403 403 403 400 401 403",
    "disputes_list": "200 200 200 200 200 401 403",
    "disputes_respond_create": "403 403 403 400 403 401 403",
    "disputes_retrieve": "200 404 200 200 200 401 403",  # a sales head sees the team
    "feedback_quality_retrieve": "403 403 403 200 200 401 403",
    "feedback_tags_create": "403 403 403 403 400 401 403",
    "feedback_tags_list": "200 200 200 200 200 401 403",
    "feedback_tags_retrieve": "200 200 200 200 200 401 403",
    "intake_create": "400 400 400 400 400 400 400",
    "kpi_periods_close_create": "403 403 403 403 400 401 403",
    "kpi_periods_create": "403 403 403 403 400 401 403",
    "kpi_periods_list": "200 200 200 200 200 401 403",
    "kpi_periods_ratings_update": "403 403 400 403 400 401 403",
    "kpi_periods_retrieve": "200 200 200 200 200 401 403",
    "kpi_periods_scorecard_retrieve": "200 200 200 200 200 401 403",
    "kpi_periods_statements_create": "403 403 403 403 201 401 403",
    "kpi_statements_approve_create": "403 403 403 403 200 401 403",
    "kpi_statements_list": "200 200 200 200 200 401 403",
    # A draft: management's alone (404 to everyone else, who sees approved statements only).
    "kpi_statements_retrieve": "404 404 404 404 200 401 403",
    "lead_definition_retrieve": "200 200 200 200 200 401 403",
    "lead_definition_versions_approve_create": "403 403 400 403 403 401 403",
    "lead_definition_versions_create": "403 403 400 403 403 401 403",
    "lead_definition_versions_list": "200 200 200 200 200 401 403",
    "lead_definition_versions_retrieve": "200 200 200 200 200 401 403",
    "lead_feedback_list": "200 200 200 200 200 401 403",
    "lead_feedback_retrieve": "200 404 200 200 200 401 403",  # a sales head sees the team
    "lead_reasons_list": "200 200 200 200 200 401 403",
    "leads_batch_create": "403 403 403 400 400 401 400",
    "leads_assign_create": "403 403 400 403 400 401 403",  # heads, management
    "leads_claim_create": "200 200 200 403 403 401 403",
    "leads_convert_create": "400 404 404 403 404 401 403",
    "leads_create": "403 403 403 400 400 401 400",
    "leads_dispute_create": "400 404 404 403 403 401 403",
    "leads_disqualify_create": "400 404 404 404 404 401 403",
    "leads_erase_create": "403 403 403 403 400 401 403",
    "leads_feedback_create": "400 404 404 403 403 401 403",
    "leads_list": "200 200 200 200 200 401 403",
    "leads_personal_data_retrieve": "403 403 403 403 200 401 403",
    "leads_qualify_create": "400 404 404 404 404 401 403",
    "leads_retrieve": "200 404 200 200 200 401 403",  # a sales head sees the team
    "leads_touches_create": "400 404 404 404 404 401 403",
    "lost_reasons_list": "200 200 200 200 200 401 403",
    "matrix_handoffs_create": "403 403 403 403 400 401 403",
    "matrix_handoffs_destroy": "403 403 403 403 204 401 403",
    "matrix_handoffs_list": "200 200 200 200 200 401 403",
    "matrix_handoffs_partial_update": "403 403 403 403 200 401 403",
    "matrix_handoffs_retrieve": "200 200 200 200 200 401 403",
    "matrix_reporting_lines_list": "200 200 200 200 200 401 403",
    "matrix_stages_list": "200 200 200 200 200 401 403",
    "matrix_stages_partial_update": "403 403 403 403 400 401 403",
    "matrix_stages_retrieve": "200 200 200 200 200 401 403",
    "objection_answers_retrieve": "200 200 200 200 200 401 403",
    "objection_answers_vote_create": "201 201 201 403 403 401 403",
    "objections_answers_create": "403 403 403 400 400 401 403",
    "objections_create": "400 400 400 400 400 401 403",
    "objections_heard_create": "400 400 400 403 400 401 403",
    "objections_list": "200 200 200 200 200 401 403",
    "objections_retrieve": "200 200 200 200 200 401 403",
    "reports_funnel_retrieve": "200 200 200 200 200 401 403",
    "reports_rejections_retrieve": "200 200 200 200 200 401 403",
    "reports_scoring_retrieve": "200 200 200 200 200 401 403",
    "reports_speed_to_lead_retrieve": "200 200 200 200 200 401 403",
    "review_meetings_action_items_create": "403 403 400 403 400 401 403",
    "review_meetings_agenda_retrieve": "200 200 200 200 200 401 403",
    "review_meetings_create": "403 403 400 403 400 401 403",
    "review_meetings_list": "200 200 200 200 200 401 403",
    "review_meetings_retrieve": "200 200 200 200 200 401 403",
    "sla_policies_create": "403 403 403 403 400 401 403",
    "sla_policies_destroy": "403 403 403 403 204 401 403",
    "sla_policies_list": "403 403 403 403 200 401 403",
    "sla_policies_partial_update": "403 403 403 403 200 401 403",
    "sla_policies_retrieve": "403 403 403 403 200 401 403",
    "sla_policies_update": "403 403 403 403 400 401 403",
    "status": "403 403 403 403 200 401 403",
    "users_create": "403 403 403 403 400 401 403",
    "users_list": "200 200 200 200 200 401 403",
    "users_me_retrieve": "200 200 200 200 200 401 403",
    "users_retrieve": "200 200 200 200 200 401 403",
    "web_forms_create": "403 403 403 400 400 401 403",
    "web_forms_list": "200 200 200 200 200 401 403",
    "web_forms_retrieve": "200 200 200 200 200 401 403",
}


def _operations() -> list[tuple[str, str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (op["operationId"], method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    )


OPERATIONS = _operations()


class Objects:
    """One object per path parameter, of sales A's where it has an owner."""

    def __init__(self, world: World) -> None:
        lead = world.touched_lead()
        deal = world.deal()
        meeting = BUILDERS["feedback.reviewmeeting"](world)
        answer = BUILDERS["feedback.objectionanswer"](world)
        channel = ChannelFactory(slug="matrix-web")
        form = WebFormFactory(slug="matrix-form", channel=channel)
        period = kpi_period(world)
        self.by_prefix: dict[str, object] = {
            "/api/v1/action-items/{id}": meeting.action_items.get().pk,  # type: ignore[attr-defined]
            "/api/v1/briefs/{id}": BUILDERS["feedback.brief"](world).pk,
            "/api/v1/campaigns/{slug}": CampaignFactory(slug="matrix-camp", channel=channel).slug,
            "/api/v1/channels/{slug}": channel.slug,
            "/api/v1/deals/{id}": deal.pk,
            f"/api/v1/deals/{deal.pk}/payments/{{payment_id}}": payment_record(
                deal=deal, amount=Decimal("100"), by=world.a
            ).pk,
            "/api/v1/disputes/{id}": BUILDERS["feedback.dispute"](world).pk,
            "/api/v1/feedback-tags/{code}": FeedbackTag.objects.order_by("pk").first().code,  # type: ignore[union-attr]
            "/api/v1/intake/{form_slug}": form.slug,
            "/api/v1/kpi/periods/{id}": period.pk,
            f"/api/v1/kpi/periods/{period.pk}/ratings/{{user_id}}": world.a.pk,
            "/api/v1/kpi/statements/{id}": kpi_statement(world, approved=False).pk,
            "/api/v1/lead-definition/versions/{version}": LeadDefinition.objects.order_by("pk")
            .first()
            .version,  # type: ignore[union-attr]
            "/api/v1/lead-feedback/{id}": BUILDERS["feedback.leadfeedback"](world).pk,
            "/api/v1/leads/{id}": lead.pk,
            "/api/v1/matrix/handoffs/{id}": HandOff.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
            "/api/v1/matrix/stages/{code}": FunnelStage.objects.order_by("pk").first().code,  # type: ignore[union-attr]
            "/api/v1/objection-answers/{id}": answer.pk,
            "/api/v1/objections/{id}": answer.objection_id,
            "/api/v1/review-meetings/{id}": meeting.pk,
            "/api/v1/sla-policies/{id}": SlaPolicy.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
            "/api/v1/users/{id}": world.a.pk,
            "/api/v1/web-forms/{slug}": form.slug,
        }

    def url(self, path: str) -> str:
        """Each ``{param}`` is named by the path up to it: ``/api/v1/deals/{id}``."""
        while "{" in path:
            head = path[: path.index("}") + 1]
            assert head in self.by_prefix, f"{head}: say which object to call it on (Objects)"
            path = path.replace(head[head.rindex("{") :], str(self.by_prefix[head]), 1)
        return path


def _client(world: World, caller: str) -> APIClient:
    client = APIClient()
    if caller == "intake_key":
        _, key = api_key_create(by=world.users["management"], name="Site", purpose="intake")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    elif caller != "anonymous":
        client.force_authenticate(world.users[caller])
    return client


def _call(client: APIClient, method: str, url: str) -> int:
    with transaction.atomic():
        if method in ("GET", "DELETE"):
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, method.lower())(url, {}, format="json")
        transaction.set_rollback(True)
    return response.status_code


def test_every_operation_has_an_expectation() -> None:
    missing = [op for op, _, _ in OPERATIONS if op not in EXPECTED]
    stale = sorted(set(EXPECTED) - {op for op, _, _ in OPERATIONS})
    assert not missing, f"add to EXPECTED: {missing}"
    assert not stale, f"no longer in the schema: {stale}"


def test_every_operation_answers_each_role_exactly(make_lead: Any, claimed: Any) -> None:
    world = World(make_lead, claimed)
    objects = Objects(world)
    make_lead()  # something in the queue for the claim endpoint
    clients = {caller: _client(world, caller) for caller in CALLERS}
    got: dict[str, str] = {}
    for op, method, path in OPERATIONS:
        url = objects.url(path)
        got[op] = " ".join(str(_call(clients[c], method, url)) for c in CALLERS)
    if os.environ.get("MATRIX_RECORD"):  # a file to write what every caller got, for review
        with open(os.environ["MATRIX_RECORD"], "w") as out:
            json.dump(got, out, indent=4, sort_keys=True)
    wrong = {
        op: f"got {codes}, expected {EXPECTED.get(op)}"
        for op, codes in got.items()
        if EXPECTED.get(op) != codes
    }
    assert not wrong, "callers: " + " ".join(CALLERS) + "\n" + json.dumps(wrong, indent=1)
