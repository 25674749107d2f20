"""``Cache-Control: no-store`` for responses that carry personal data.

Every API response except the schema and the docs page (which hold no data) is marked
``no-store``: leads, deals and users are personal data, a token or an API key is a secret, and
even an error names what exists. One rule for the whole API is simpler to keep true than a list
of endpoints. Pages that hand out personal data as a file (the lead's personal-data export)
call ``no_store`` themselves.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject


def no_store(response: HttpResponse) -> HttpResponse:
    """Neither the browser nor any proxy may keep a copy."""
    patch_cache_control(response, no_store=True, private=True)
    return response


_public = SimpleLazyObject(lambda: (reverse("api:schema"), reverse("api:docs")))


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and request.path not in _public:
            no_store(response)
        return response
