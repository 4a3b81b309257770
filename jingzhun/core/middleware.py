"""The interface is Chinese unless the user chooses English.

Django's LocaleMiddleware follows the browser's Accept-Language when no language was chosen,
so a township office whose browser or system came in English (a common default) got every page
in English, against the product's "Chinese by default". Here only the choice a user made with
the language switch (Django's language cookie, set by `set_language`) counts; without it, the
settings' LANGUAGE_CODE.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
