"""Machine-readable command output: JSON or CSV to stdout, as the CLI contract asks."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any


def write_json(stream, data: Any) -> None:
    stream.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def write_csv(stream, rows: Iterable[Mapping[str, Any]], columns: list[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
