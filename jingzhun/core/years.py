"""The years a record may name: one range for the models (so every service's full_clean, the
pages and the API), the import's cells and the command line. Without it a page took 99999 as a
registration year, which SQLite stores and PostgreSQL's smallint refuses as a server error."""

from __future__ import annotations

from django.core.exceptions import ValidationError

FIRST_YEAR = 1900
LAST_YEAR = 2100
OUT_OF_RANGE = f"应在{FIRST_YEAR}到{LAST_YEAR}之间 (must be between {FIRST_YEAR} and {LAST_YEAR})"


def is_year(value: int) -> bool:
    return FIRST_YEAR <= value <= LAST_YEAR


def validate_year(value: int | None) -> None:
    if value is not None and not is_year(value):
        raise ValidationError(OUT_OF_RANGE, code="year")
