from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from org.models import User


class RememberLanguageMiddleware:
    """Remember the language each signed-in person reads Tandem in (``User.language``), so
    what is written for them later, away from any request (notifications and their e-mails),
    can be in that language. One conditional UPDATE when it changes, nothing otherwise.
    Goes after LocaleMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, "LANGUAGE_CODE", None)
        user = getattr(request, "user", None)
        if (
            language
            # Pages only: a script calling the API with another Accept-Language is not the
            # person choosing a language.
            and not request.path_info.startswith("/api/")
            and user is not None
            and user.is_authenticated
            and isinstance(user, User)
            and language != user.preferred_language
        ):
            User.objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return response
