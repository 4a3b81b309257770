"""`{{ alert.status|mvocab:"status" }}`: a monitoring label in the active language."""

from __future__ import annotations

from django import template

from jingzhun.core.labels import label_in_language
from jingzhun.monitoring import vocab

register = template.Library()

_VOCABULARIES = {
    "level": vocab.LEVEL,
    "status": vocab.STATUS,
    "tier": vocab.TIER,
    "band": vocab.BAND,
    "event": vocab.EVENT,
    "source": vocab.SOURCE,
    "class": vocab.MONITORING_CLASS,
    "step": vocab.STEP,
}


@register.filter
def mvocab(key, vocabulary: str) -> str:
    return label_in_language(_VOCABULARIES[vocabulary], key)
