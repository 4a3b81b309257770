"""The English catalogue is whole: a page in English shows no Chinese left untranslated."""

from __future__ import annotations

import re
from pathlib import Path

import jingzhun

CATALOGUE = Path(jingzhun.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[list[str], str, str]]:
    """(comment lines, msgid, msgstr) of every live entry, the header left out."""
    found = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.strip().split("\n") if line]
        if not lines or all(line.startswith("#~") for line in lines):
            continue
        comments = [line for line in lines if line.startswith("#")]
        body = [line for line in lines if not line.startswith("#")]
        text, parts = {}, None
        for line in body:
            # A plural's forms (msgstr[0], msgstr[1]) count as one text: all of them.
            if m := re.match(r'^(msgid_plural|msgid|msgstr)(?:\[\d+\])? "(.*)"$', line):
                parts = m.group(1)
                text[parts] = text.get(parts, "") + m.group(2) if parts == "msgstr" else m.group(2)
            elif m := re.match(r'^"(.*)"$', line):
                text[parts] += m.group(1)
        if text.get("msgid"):
            found.append((comments, text["msgid"], text.get("msgstr", "")))
    return found


def test_every_message_has_an_english_text_and_none_is_a_fuzzy_guess():
    entries = _entries()
    assert len(entries) > 800
    assert [msgid for _, msgid, msgstr in entries if not msgstr] == []
    assert [msgid for comments, msgid, _ in entries if any("fuzzy" in c for c in comments)] == []


def _vocabularies():
    import importlib
    import importlib.util
    import pkgutil

    from jingzhun.vocab import Vocabulary

    modules = [importlib.import_module("jingzhun.vocab")]
    for app in pkgutil.iter_modules(jingzhun.__path__):
        if app.ispkg and importlib.util.find_spec(f"jingzhun.{app.name}.vocab"):
            modules.append(importlib.import_module(f"jingzhun.{app.name}.vocab"))
    return [v for m in modules for v in vars(m).values() if isinstance(v, Vocabulary)]


def test_every_vocabulary_has_an_english_label_for_each_of_its_keys():
    vocabularies = _vocabularies()
    assert len(vocabularies) > 20
    missing = {v.name: [k for k in v.keys if k not in v.english] for v in vocabularies}
    assert {name: keys for name, keys in missing.items() if keys} == {}
