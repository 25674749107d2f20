from django.db.models import F, QuerySet

from org.models import ApiKey, Notification, Role, User


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("username")


def salespeople() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role=Role.SALES).order_by("username")


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-pk"
    )
