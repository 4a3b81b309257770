"""Bulk import of the registry's files (INTERFACES §2): all or nothing, every problem listed.

    from jingzhun.registry.importing import import_file, ImportRefused

    summary = import_file("members", "members.xlsx", by=user)   # -> ImportSummary
    # ImportRefused(problems=[Problem(row, column, value, message), ...], total=N)

New kinds plug in with `@register("kind")` on an `Importer` subclass (see base.py).
"""

from . import kinds  # noqa: F401  (registers the registry's own kinds)
from .base import IMPORTERS, Importer, ImportSummary, ProgressFn, import_file, register
from .columns import COLUMNS, Column
from .problems import ImportRefused, Problem

__all__ = [
    "COLUMNS",
    "IMPORTERS",
    "Column",
    "ImportRefused",
    "ImportSummary",
    "Importer",
    "Problem",
    "ProgressFn",
    "import_file",
    "register",
]
