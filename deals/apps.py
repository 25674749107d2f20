from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from deals.defaults import ensure_defaults, link_stages_to_matrix
    from org.matrix_defaults import ensure_matrix_defaults

    ensure_matrix_defaults(using=using)
    ensure_defaults(using=using)
    link_stages_to_matrix(using=using)


class DealsConfig(AppConfig):
    """The pipeline from a qualified lead to the money: deals, stages, payments."""

    name = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="deals.defaults")

        from deals import privacy
        from leads.services.privacy import register_personal_data

        register_personal_data("deals", export=privacy.export, erase=privacy.erase)
