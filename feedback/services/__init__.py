"""Writes for the feedback domain. Views, API, admin and demo data all call these."""

from feedback.services.briefs import (
    TRANSITIONS as BRIEF_TRANSITIONS,
)
from feedback.services.briefs import (
    brief_create,
    brief_transition,
    brief_warn,
    next_statuses,
)
from feedback.services.disputes import dispute_decide, dispute_raise, dispute_respond
from feedback.services.objections import (
    answer_add,
    answer_vote,
    objection_create,
    objection_record_heard,
)
from feedback.services.quality import feedback_tag_create, lead_feedback_give, tags_by_code
from feedback.services.reviews import (
    ActionItemInput,
    action_item_add,
    action_item_set_done,
    may_run_reviews,
    review_meeting_create,
)

__all__ = [
    "BRIEF_TRANSITIONS",
    "ActionItemInput",
    "action_item_add",
    "action_item_set_done",
    "answer_add",
    "answer_vote",
    "brief_create",
    "brief_transition",
    "brief_warn",
    "dispute_decide",
    "dispute_raise",
    "dispute_respond",
    "feedback_tag_create",
    "lead_feedback_give",
    "may_run_reviews",
    "next_statuses",
    "objection_create",
    "objection_record_heard",
    "review_meeting_create",
    "tags_by_code",
]
