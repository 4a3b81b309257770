"""Template filters for labels and money; the logic is in web.presenters."""

from __future__ import annotations

from django import template

from jingzhun.core.money import fen_to_wan, fen_to_yuan, fen_to_yuan_str

from .. import presenters

register = template.Library()


@register.filter
def vocab(key, vocabulary: str) -> str:
    """`{{ household.status|vocab:"status" }}` → 贫困 (or the English label)."""
    return presenters.vocab_label(vocabulary, key)


@register.filter
def causes(keys) -> str:
    return presenters.causes_label(keys)


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals; empty for None."""
    return "" if fen is None else fen_to_yuan_str(int(fen))


@register.filter
def money(fen) -> str:
    """Integer fen as yuan with thousands separators for reading (31,416,443.00)."""
    return "" if fen is None else f"{fen_to_yuan(int(fen)):,}"


@register.filter
def wan(fen) -> str:
    """Integer fen as 万元 in plain notation, no trailing zeros (3141.6443); empty for None."""
    return "" if fen is None else format(fen_to_wan(int(fen)).normalize(), "f")


@register.filter
def yes_no(value) -> str:
    return presenters.yes_no(value)
