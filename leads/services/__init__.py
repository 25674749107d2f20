"""Writes for the leads domain. Views, API, admin, tasks and commands all call these."""

from leads.services.definition import active_definition, definition_approve, definition_propose
from leads.services.intake import (
    BATCH_SIZE,
    IntakeResult,
    LeadInput,
    Source,
    lead_intake,
    lead_intake_many,
)
from leads.services.lifecycle import (
    UnmetCriteria,
    lead_disqualify,
    lead_mark_converted,
    lead_qualify,
    lead_touch,
)
from leads.services.privacy import erase_expired, lead_erase, lead_personal_data
from leads.services.queue import CapacityReached, lead_assign, lead_claim_next
from leads.services.sweep import SweepResult, sla_sweep

__all__ = [
    "BATCH_SIZE",
    "CapacityReached",
    "IntakeResult",
    "LeadInput",
    "Source",
    "SweepResult",
    "UnmetCriteria",
    "active_definition",
    "definition_approve",
    "definition_propose",
    "erase_expired",
    "lead_assign",
    "lead_claim_next",
    "lead_disqualify",
    "lead_erase",
    "lead_intake",
    "lead_intake_many",
    "lead_mark_converted",
    "lead_personal_data",
    "lead_qualify",
    "lead_touch",
    "sla_sweep",
]
