"""Schemathesis over the whole served OpenAPI schema, against the live test server, as two
roles (management and a salesperson), with every check (no 500, documented status codes,
content types and headers, response bodies that match their schema, schema-valid input
accepted, schema-invalid input refused: JSON bodies are typed, org.inputs). Bounded and
seeded, so a run is repeatable and takes about a minute and a half per role:

    REQUIRE_SERVICES=1 .venv/bin/pytest -q tests/test_api_fuzz.py

Marked ``postgres`` (fails under REQUIRE_SERVICES=1 without PostgreSQL, skips otherwise);
``FUZZ_ON_SQLITE=1`` runs it on SQLite too. ``FUZZ_MAX_EXAMPLES`` raises the bound for a
deeper run. On a failure the test prints Schemathesis' report with a curl line per case.
"""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from deals.services import deal_create_from_lead
from leads.services import LeadInput, Source, lead_claim_next, lead_intake, lead_qualify, lead_touch
from org.services import token_issue
from tests.deals.factories import ALL_MET
from tests.factories import CampaignFactory, ChannelFactory, UserFactory, WebFormFactory

SEED = 20261204
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]
if os.environ.get("FUZZ_ON_SQLITE") != "1":
    pytestmark.append(pytest.mark.postgres)

# Operations whose schema-valid input can still be refused with 400 by a rule no schema can
# state: a cross-field rule, the state of a record, or a reference (slug, code, id) that must
# exist. Everything a schema CAN state (types, bounds, enums, patterns) is in the schema instead.
RULES_BEYOND_THE_SCHEMA = {
    "auth_token_create": "wrong credentials are a 400 (the contract)",
    "leads_create": "at least an e-mail or a phone; the channel/campaign must exist",
    "intake_create": "at least an e-mail or a phone; the form's required fields and consent",
    "leads_assign_create": "the owner must be an active salesperson",
    "leads_qualify_create": "the lead must be touched; unmet criteria (the contract)",
    "leads_convert_create": "only a qualified lead converts",
    "leads_disqualify_create": "the reason must exist; no_response needs enough touches",
    "leads_touches_create": "a closed lead takes no touches",
    "leads_feedback_create": "one rating per lead and author",
    "leads_dispute_create": "a lead is disputed once, by its owner",
    "leads_erase_create": "an erased lead stays erased",
    "users_create": "the username must be new",
    "channels_create": "the slug must be new",
    "campaigns_create": "the slug must be new; the channel must exist",
    "web_forms_create": "the slug must be new; the channel/campaign must exist",
    "feedback_tags_create": "the code must be new",
    "sla_policies_create": "business hours: the end after the start, with working days",
    "sla_policies_update": "business hours: the end after the start, with working days",
    "sla_policies_partial_update": "business hours: the end after the start, with working days",
    "deals_create": "the previous deal must exist and be won",
    "deals_partial_update": "a closed deal is not edited",
    "deals_move_create": "the stage must exist, be reachable and signed off",
    "deals_close_create": "a closed deal stays closed; a lost deal needs a lost reason",
    "deals_reassign_create": "the owner must be an active salesperson",
    "deals_payments_create": "a lost deal takes no payments",
    "deals_sign_offs_create": "only a stage that needs this department's sign-off",
    "deals_sign_off_requests_create": "only a stage that needs a sign-off",
    "disputes_respond_create": "a dispute is answered once",
    "disputes_decide_create": "decided once, after marketing's answer",
    "objections_create": "the text must be new to the library",
    "objections_heard_create": "heard on a lead, a touch or a deal that exists",
    "objections_answers_create": "a file must be of an allowed type",
    "review_meetings_create": "decisions reference existing action items",
    "review_meetings_action_items_create": "due on or after the meeting, not in the past",
    "briefs_create": "a brief is due in the future",
    "briefs_transition_create": "a brief moves only along its workflow",
    "matrix_handoffs_create": "a hand-off goes between two departments, once per stage",
    "matrix_handoffs_partial_update": "a hand-off goes between two departments",
    "matrix_stages_partial_update": "one Accountable per stage",
    "lead_definition_versions_create": "criteria codes must be unique",
    "lead_definition_versions_approve_create": "each head approves a version once",
    "kpi_periods_create": "periods do not overlap; the scheme's shares add up",
    "kpi_periods_close_create": "a period closes once, after it ends",
    "kpi_periods_statements_create": "statements of a closed period only",
    "kpi_periods_ratings_update": "only salespeople of the period are rated",
    "kpi_statements_approve_create": "a statement is approved once",
    "reports_funnel_retrieve": "the period may span at most REPORT_MAX_DAYS",
    "reports_rejections_retrieve": "the period may span at most REPORT_MAX_DAYS",
    "reports_speed_to_lead_retrieve": "the period may span at most REPORT_MAX_DAYS",
    "feedback_quality_retrieve": "the period may span at most REPORT_MAX_DAYS",
    "leads_list": "a filter's campaign/form must exist",
    "deals_list": "a filter's stage/campaign must exist",
    "lead_feedback_list": "a filter's campaign/form must exist",
}


def config_file(path: Path) -> Path:
    lines = []
    for operation_id, reason in sorted(RULES_BEYOND_THE_SCHEMA.items()):
        lines += [
            f"# {reason}",
            "[[operations]]",
            f'include-operation-id = "{operation_id}"',
            "checks.positive_data_acceptance.expected-statuses = "
            '["2xx", "400", "401", "403", "404", "409", "429"]',
            "",
        ]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture
def tokens(db):  # type: ignore[no-untyped-def]
    """A small CRM (reference data, leads in each state, a deal) and a token per role."""
    manager = UserFactory(username="fuzz-manager", role="management", is_head=True)
    seller = UserFactory(username="fuzz-seller", role="sales")
    channel = ChannelFactory(slug="website", name="Website")
    CampaignFactory(slug="spring", name="Spring", channel=channel)
    WebFormFactory(slug="contact", channel=channel, require_consent=False)
    for i in range(4):
        lead_intake(
            data=LeadInput(name=f"Lead {i}", channel=channel, phone=f"+7916000000{i}"),
            source=Source.API,
        )
    lead = lead_claim_next(user=seller)
    assert lead is not None
    lead_touch(lead=lead, by=seller, kind="call", now=timezone.now())
    lead.refresh_from_db()
    lead = lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
    deal_create_from_lead(lead=lead, by=seller, title="Licences", amount=Decimal("1000"))
    return {"management": token_issue(user=manager), "sales": token_issue(user=seller)}


def run_schemathesis(url: str, token: str, config: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{url}/api/v1/schema/?format=json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--header",
        f"Authorization: Token {token}",
        # Logging out revokes the very token the run uses; tests/org cover logout.
        "--exclude-operation-id",
        "auth_logout_create",
        "--suppress-health-check",
        "all",
        # A slow answer is a benchmark's business (make bench), not a conformance failure; the
        # bound only catches a request that hangs on this small, shared test machine.
        "--max-response-time",
        "60",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)


@pytest.mark.parametrize("role", ["management", "sales"])
def test_api_conforms_to_its_schema(live_server, tokens, tmp_path, role):
    result = run_schemathesis(live_server.url, tokens[role], config_file(tmp_path / "st.toml"))
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
