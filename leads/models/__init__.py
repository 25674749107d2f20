"""The leads domain's tables, one module per area.

Reference data (channels, campaigns, web forms, disqualification reasons), the agreed lead
definition, SLA policies, and the leads themselves with their requests, touches, escalations
and the salespeople's assignment profiles.
"""

from leads.models.definition import LeadCriterion, LeadDefinition, LeadDefinitionApproval
from leads.models.imports import ImportJob
from leads.models.lead import Escalation, Lead, LeadRequest, SalesProfile, Touch
from leads.models.reference import (
    DEFAULT_CONSENT_TEXT,
    AssignmentMode,
    Campaign,
    Channel,
    DisqualificationReason,
    WebForm,
)
from leads.models.scoring import ScoringFlag, ScoringModel
from leads.models.sla import SlaPolicy

__all__ = [
    "DEFAULT_CONSENT_TEXT",
    "AssignmentMode",
    "Campaign",
    "Channel",
    "DisqualificationReason",
    "Escalation",
    "ImportJob",
    "Lead",
    "LeadCriterion",
    "LeadDefinition",
    "LeadDefinitionApproval",
    "LeadRequest",
    "SalesProfile",
    "ScoringFlag",
    "ScoringModel",
    "SlaPolicy",
    "Touch",
    "WebForm",
]
