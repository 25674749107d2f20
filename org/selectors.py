from django.db.models import QuerySet

from org.models import Notification, Role, User


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("username")


def salespeople() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role=Role.SALES).order_by("username")


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
