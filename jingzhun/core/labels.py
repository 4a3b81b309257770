"""A vocabulary's labels in the active language: Chinese unless English is chosen.

`jingzhun.vocab` is pure Python (the policy engine and the generator read it), so the language
is chosen here, on the Django side. `choices(VOCAB)` gives the models and forms lazy labels:
each is read when a page renders, in that request's language, and a migration still records
the Chinese label (Django writes a lazy string as its text in the default language).
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jingzhun.core.money import fen_to_yuan_str


def label_in_language(vocabulary, key: str | None) -> str:
    if not key:
        return ""
    if (get_language() or "").startswith("en") and key in vocabulary.english:
        return vocabulary.english[key]
    return vocabulary.label(key)


_lazy_label = lazy(label_in_language, str)


def choices(vocabulary) -> list[tuple[str, str]]:
    """Django `choices` of (key, label in the language of the page that shows it)."""
    return [(key, _lazy_label(vocabulary, key)) for key in vocabulary.keys]


def amount_in_yuan(fen: int) -> str:
    """An amount stored in fen as a page shows it: "6000.00 元"."""
    return f"{fen_to_yuan_str(int(fen))} {_('元')}"
