"""Writes for the deals domain. Views, API, admin and demo data all call these.

Every write that depends on a deal's state re-reads the deal under a row lock first, so two
people acting at once (a move and a close, two closes) are decided one after the other.
"""

from deals.services.common import first_stage
from deals.services.lifecycle import (
    KEEP,
    deal_close,
    deal_create_from_lead,
    deal_create_repeat,
    deal_move,
    deal_reassign,
    deal_update,
)
from deals.services.money import (
    PaymentAlreadyVoided,
    paid_total_of,
    payment_record,
    payment_void,
    payment_would_exceed,
)
from deals.services.signoffs import deal_request_sign_off, deal_sign_off
from deals.services.stages import deal_stage_save, deal_stage_validate

__all__ = [
    "KEEP",
    "PaymentAlreadyVoided",
    "deal_close",
    "deal_create_from_lead",
    "deal_create_repeat",
    "deal_move",
    "deal_reassign",
    "deal_request_sign_off",
    "deal_sign_off",
    "deal_stage_save",
    "deal_stage_validate",
    "deal_update",
    "first_stage",
    "paid_total_of",
    "payment_record",
    "payment_void",
    "payment_would_exceed",
]
