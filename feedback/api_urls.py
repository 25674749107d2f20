"""Feedback API routes (included under /api/v1/). The lead-level actions live here too, so
the leads app never imports feedback."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from feedback.api import briefs, disputes, objections, quality, reviews

router = SimpleRouter()
router.register("lead-feedback", quality.LeadFeedbackViewSet, basename="lead-feedback")
router.register("feedback-tags", quality.FeedbackTagViewSet, basename="feedback-tag")
router.register("disputes", disputes.DisputeViewSet, basename="dispute")
router.register("objections", objections.ObjectionViewSet, basename="objection")
router.register("objection-answers", objections.AnswerViewSet, basename="objection-answer")
router.register("review-meetings", reviews.ReviewMeetingViewSet, basename="review-meeting")
router.register("action-items", reviews.ActionItemViewSet, basename="action-item")
router.register("briefs", briefs.BriefViewSet, basename="brief")

urlpatterns = [
    path(
        "leads/<int:pk>/feedback/",
        quality.LeadFeedbackCreateView.as_view(),
        name="lead-feedback-give",
    ),
    path("leads/<int:pk>/dispute/", disputes.LeadDisputeView.as_view(), name="lead-dispute"),
    path("feedback/quality/", quality.QualityRollupView.as_view(), name="feedback-quality"),
    *router.urls,
]
