from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from feedback.defaults import ensure_defaults

    ensure_defaults(using=using)


class FeedbackConfig(AppConfig):
    """Structured feedback between the departments: lead quality, disputes, objections, briefs."""

    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="feedback.defaults")

        from feedback import privacy
        from leads.services.privacy import register_personal_data

        register_personal_data("feedback", export=privacy.export, erase=privacy.erase)
