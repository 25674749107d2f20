"""Structured feedback between the departments.

Lead-quality feedback and disputes travel from sales to marketing, objections and their
answers go both ways, weekly reviews turn talk into owned decisions, and briefs are sales'
written orders to marketing as an internal agency.
"""

from feedback.models.briefs import Brief, BriefEvent
from feedback.models.disputes import Dispute
from feedback.models.objections import (
    ANSWER_FILE_EXTENSIONS,
    AnswerVote,
    Objection,
    ObjectionAnswer,
    ObjectionHeard,
)
from feedback.models.quality import RATING_MAX, RATING_MIN, FeedbackTag, LeadFeedback
from feedback.models.reviews import ActionItem, ReviewMeeting

__all__ = [
    "ANSWER_FILE_EXTENSIONS",
    "RATING_MAX",
    "RATING_MIN",
    "ActionItem",
    "AnswerVote",
    "Brief",
    "BriefEvent",
    "Dispute",
    "FeedbackTag",
    "LeadFeedback",
    "Objection",
    "ObjectionAnswer",
    "ObjectionHeard",
    "ReviewMeeting",
]
