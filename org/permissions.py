"""Role checks for the API. Object scope (404 outside it) lives in each view's queryset."""

from typing import Any

from rest_framework.permissions import BasePermission

from org.models import Role, User


class HasRole(BasePermission):
    """Allow callers whose (effective) role is one of ``roles``; others get 403."""

    roles: tuple[str, ...] = ()
    message = "Your role may not do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*self.roles))


def role_permission(*roles: str) -> type[HasRole]:
    return type(f"HasRole_{'_'.join(roles)}", (HasRole,), {"roles": roles})


IsManagement = role_permission(Role.MANAGEMENT)
IsMarketingOrManagement = role_permission(Role.MARKETING, Role.MANAGEMENT)
IsSales = role_permission(Role.SALES)
IsSalesOrManagement = role_permission(Role.SALES, Role.MANAGEMENT)


class IsDepartmentHead(BasePermission):
    """A marketing or sales head (the people who sign the lead definition)."""

    message = "Only a marketing or sales department head may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and user.is_head
            and user.role in (Role.MARKETING, Role.SALES)
        )


def acting_user(request: Any) -> User:
    """The authenticated caller; views reach this only behind an authentication check."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("acting_user() needs an authenticated request")
    return user
