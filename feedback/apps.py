from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Structured feedback between the departments: lead quality, disputes, objections, briefs."""

    name = "feedback"
    verbose_name = _("Feedback")
