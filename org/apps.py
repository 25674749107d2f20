from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_permissions(sender, using: str = "default", **kwargs) -> None:
    from org.roles import sync_role_permissions

    sync_role_permissions(using=using)


class OrgConfig(AppConfig):
    """People, departments (roles), the responsibility matrix and notifications."""

    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Model permissions only exist after their app migrated, so the role groups get theirs
        # once every app has (post_migrate runs per app; the last one sees all permissions).
        post_migrate.connect(_sync_permissions, dispatch_uid="org.sync_role_permissions")
