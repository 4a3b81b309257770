"""The validated rows between the two phases, in a temporary file in PostgreSQL's COPY text
format (tab-separated, `\\N` for NULL, backslash escapes), so the whole file is never held in
memory: PostgreSQL copies the bytes as they are, SQLite and the ORM read them back row by row.

Values are written so that both databases take them as text: booleans as 1/0, dates in ISO.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def encode(value: object) -> str:
    if value is None:
        return NULL
    if type(value) is str:
        # Most cells hold none of the four characters; the scans are cheaper than translate.
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_ESCAPES)


def frame_rows(frame: Any) -> bytes:
    """A polars frame of already encoded text columns as whole rows of this format (the
    column-wise pass writes its spool blocks and the direct load its COPY data with it)."""
    buffer = io.BytesIO()
    frame.write_csv(
        buffer,
        include_header=False,
        separator="\t",
        quote_style="never",
        null_value=NULL,
        line_terminator="\n",
    )
    return buffer.getvalue()


def decode(field: str) -> str | None:
    if field == NULL:
        return None
    if "\\" not in field:
        return field
    out: list[str] = []
    chars = iter(field)
    for char in chars:
        out.append(_UNESCAPES.get(next(chars, ""), "") if char == "\\" else char)
    return "".join(out)


class Spool:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115
        self.rows = 0

    def write(self, values: Sequence[object]) -> None:
        self._file.write("\t".join(map(encode, values)))
        self._file.write("\n")
        self.rows += 1

    def write_block(self, data: bytes, rows: int) -> None:
        """Whole rows already in this format (the vectorised pass writes a batch at once)."""
        self._file.flush()
        self._file.buffer.write(data)
        self.rows += rows

    def blocks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The raw COPY data, for psycopg's `copy.write`."""
        self._file.flush()
        raw = self._file.buffer
        raw.seek(0)
        while block := raw.read(size):
            yield block

    def __iter__(self) -> Iterator[list[str | None]]:
        """Each row as text fields (None for NULL), for SQLite's executemany and the ORM."""
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield [decode(f) for f in line[:-1].split("\t")]

    def close(self) -> None:
        self._file.close()
