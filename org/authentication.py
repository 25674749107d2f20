"""``Authorization: Token <token>`` for the API (docs/api.md, General).

A login token comes from ``POST /api/v1/auth/token/`` (django-rest-knox: a new one per login,
kept as a digest, expiring after ``TOKEN_TTL_HOURS``, revoked by ``POST /api/v1/auth/logout/``).
An integration API key (``tdk_...``) is created by management for one purpose, kept as a
digest, shown once, never expiring, revocable; it opens only its purpose's endpoints (403
elsewhere) and acts as the manager who created it.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth as knox_auth
from rest_framework import exceptions

from org import services
from org.models import ApiKey

# What each API-key purpose may call: (URL name, method). Anything else -> 403.
API_KEY_ENDPOINTS: dict[str, frozenset[tuple[str, str]]] = {
    ApiKey.Purpose.INTAKE: frozenset({("api:lead-list", "POST"), ("api:lead-batch", "POST")}),
}


class TokenAuthentication(knox_auth.TokenAuthentication):
    """``Authorization: Token <token>``: a login token (knox: hashed, expiring, revocable)
    or an integration API key (hashed, for its purpose's endpoints only)."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None and isinstance(result[1], ApiKey):
            match = request.resolver_match
            call = (match.view_name if match else "", request.method)
            if call not in API_KEY_ENDPOINTS.get(result[1].purpose, frozenset()):
                raise exceptions.PermissionDenied(
                    _("This API key may only be used for: %(purpose)s.")
                    % {"purpose": result[1].get_purpose_display()}
                )
        return result

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        raw = token.decode("utf-8", errors="replace")
        if not raw.startswith(ApiKey.PREFIX):
            return super().authenticate_credentials(token)
        api_key = services.api_key_find(raw)
        if api_key is None or not api_key.created_by.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return api_key.created_by, api_key

    def _cleanup_token(self, auth_token: Any) -> bool:
        """Whether the presented token has expired (then it is deleted and refused).

        knox also loaded every other token of the user on every request to delete the
        expired ones: a second query per API call, growing with each login of an
        integration that logs in often. Those are deleted by the hourly
        ``org.tasks.expired_tokens_sweep`` (``services.tokens_delete_expired``) instead;
        an expired token is refused either way."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the header (one scheme for tokens and API keys)."""

    target_class = "org.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A login token or an API key, prefixed "Token ".',
        }
