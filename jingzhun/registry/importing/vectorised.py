"""Phase 1 for CSV files, column-wise: polars reads the file in batches and checks whole columns.

The per-row path (base._validate) parses every cell and runs the row rules in Python, about
3,000–4,000 members a second. Here a batch of rows (BATCH_ROWS) is read as strings and checked
column by column:

* a text column by its length; any other column (enumerations, booleans, integers, dates,
  money, region codes) by its *distinct* values, each parsed once by the column's own parser
  (a remembered lookup), then mapped back with `replace_strict`;
* the kind's row rules as expressions: for members the ID number's shape, its MOD 11-2 check
  character (the weighted sum of the 17 digits as one integer), its birth date, sex and birth-date
  columns against it, the disability and dropout rules, and the region-code warning looked up
  once per distinct (region, birth year); for households the status a combined attribute
  implies and the year rules.

Rows that pass every check are written to the spool in one block (COPY text, the format the
per-row path writes). A row that fails any check is handed, as its cells, to the per-row code
(base._parse_row and the importer's `finish`), so its problems are exactly the reference's:
same row, column, value and message, in the same order. A clean file never reaches Python per
row; a file of bad rows costs what the per-row path costs.

Only two blocks of the file (BLOCK_BYTES), the current batch and the memos of distinct cells
(at most _MEMO_LIMIT per column; the memoised columns hold a few dozen distinct cells) are in
memory: peak RSS 0.75 GB at 1M members, 0.81 GB at 10M (docs/benchmarks.md, "Phase 1
memory"). A block ends at a line end outside quoted cells, so a file with quoted cells (which
may hold line ends), every cell quoted or only some, is read in blocks too: 0.68 GB at 1M,
0.70 GB at 10M with a tenth of its names quoted, 0.61 and 0.67 GB with every cell quoted. A
file quoted otherwise than plainly (a quote inside an unquoted cell, text after a closing
quote, a cell never closed) raises NotPlain before any row is read: polars reads such a file
otherwise than the csv module, dropping or joining cells the per-row reader keeps, so
import_file writes it out plainly from the csv module's reading (readers.as_plain_csv) and
reads that.

Files the batch reader cannot take the way the csv module does — not UTF-8, ragged rows wider
than the header, a lone CR line end — raise Fallback, and import_file starts again with the
per-row reader, which reports them as it always has.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
from stdnum.cn import ric

from jingzhun.core.idnumber import parse_id_number, regions_known

from . import cells
from .columns import Column
from .problems import ProblemLog
from .spool import Spool, encode, frame_rows

BATCH_ROWS = 200_000
# A file is read in blocks of this many bytes, each cut after its last line end outside a
# quoted cell and parsed alone, the next one while this one's rows are checked: two blocks
# in memory whatever the file's size, where polars' own scan of a file buffers more of a
# larger one (290 MB of a 1M-row file, 470 MB of a 3M-row one). Phase 1's peak: 0.75 GB at
# 1M rows, 0.81 GB at 10M, 5-10 % slower than the scan; 8 MB blocks 0.5 GB, 12-20 % slower
# (docs/benchmarks.md, "Phase 1 memory").
BLOCK_BYTES = 16 << 20
_QUOTE, _COMMA, _LF, _CR = b'",\n\r'
_TAIL_BYTES = 1 << 16  # a block's last line end outside quotes is nearly always in this
_MEMO_LIMIT = 200_000  # remembered distinct cells per column, across batches
# Exactly the characters str.strip() removes (the per-row readers strip with it).
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_ESCAPE = r"[\\\t\n\r]"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class Fallback(Exception):  # noqa: N818 - a signal, not an error
    """The file needs the per-row reader."""


def id_check_holds(digits17: pl.Expr, check: pl.Expr) -> pl.Expr:
    """GB 11643's MOD 11-2 check, as the standard states it: the 18 characters weighted by
    2^(17-i) mod 11 sum to 1 modulo 11, the check character X counting 10. `digits17` is the
    first 17 digits as one Int64, `check` the 18th character, upper-cased. (Computing the
    check character and comparing strings took five times as long: 2.2 s of CPU at 1M rows
    against 0.4 s, most of phase 1's row rules.)"""
    total = pl.lit(0, pl.Int64)
    for i, weight in enumerate(_ID_WEIGHTS):
        total = total + ((digits17 // 10 ** (16 - i)) % 10) * weight
    value = (
        pl.when(check == "X")
        .then(pl.lit(10, pl.Int64))
        .otherwise(check.str.to_integer(strict=False))
    )
    return (total + value) % 11 == 1


def applies(importer, path: Path) -> bool:
    """The kind has column-wise rules; a workbook is first written out as CSV
    (readers.as_plain_csv)."""
    return importer.kind in RULES


# --- per-column checks ------------------------------------------------------------------------

_EMPTY, _REFUSED = "\x00empty", "\x00refused"  # lookup codes: never an encoded value
_YUAN = r"^[0-9]{1,15}(\.[0-9]{1,2})?$"  # the plain spelling of an amount: no sign, no commas


def _escaped(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all("\t", "\\t", literal=True)
        .str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
    )


def _fen(text: pl.Expr) -> pl.Expr:
    """A plain yuan amount (matching _YUAN) to integer fen as text, as cells.yuan gives it."""
    whole = text.str.extract(r"^([0-9]+)", 1).str.to_integer()
    cents = text.str.extract(r"\.([0-9]+)$", 1).fill_null("").str.pad_end(2, "0")
    return (whole * 100 + cents.str.to_integer()).cast(pl.String)


class _Batch:
    """The expressions of one batch: encoded value and refusal per staging column."""

    def __init__(self) -> None:
        self.inputs: dict[str, pl.Expr] = {}  # t_<key>: stripped text, or lookup code
        self.values: dict[str, pl.Expr] = {}
        self.refused: list[pl.Expr] = []
        self.filled: list[pl.Expr] = []  # non-empty after stripping: the row is not blank


class _Pass:
    """Phase 1 of one file, batch by batch; remembers parsed cells across batches."""

    def __init__(self, importer, positions: dict[str, int], width: int) -> None:
        self.importer = importer
        self.positions = positions
        self.width = width
        self.rules = RULES[importer.kind]()
        self.memo: dict[str, dict[str, str]] = {}
        self.text: dict[str, int] = {}  # column → max length: checked by length
        self.patterns: dict[str, str] = {}  # column → the whole cell's pattern, where it has one
        self.money: set[str] = set()  # checked by the plain spelling, the rest row by row
        self.lookup: list[Column] = []  # parsed once per distinct cell
        self.special = set(self.rules.special)
        for column in importer.columns:
            if column.key in self.special or column.key not in positions:
                continue
            limit = getattr(column.parse, "max_length", None)
            if limit is not None:
                self.text[column.key] = limit
                if (pattern := getattr(column.parse, "pattern", None)) is not None:
                    self.patterns[column.key] = f"^(?:{pattern})$"
            elif column.parse is cells.yuan:
                self.money.add(column.key)
            else:
                self.lookup.append(column)

    def cell(self, key: str) -> pl.Expr:
        return pl.col(f"c{self.positions[key]}")

    def mapping(self, column: Column, distinct: list[str | None]) -> dict[str, str]:
        memo = self.memo.setdefault(column.key, {})
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        for raw in distinct:
            if raw is not None and raw not in memo:
                text = raw.strip()
                if not text:
                    memo[raw] = _EMPTY
                    continue
                try:
                    memo[raw] = encode(column.parse(text))
                except cells.CellError:
                    memo[raw] = _REFUSED
        return {raw: memo[raw] for raw in distinct if raw is not None}

    def run(self, batch: pl.DataFrame, first_row: int) -> pl.DataFrame:
        """The batch with `row`, `bad`, the raw cells and the encoded values `v_<name>`."""
        distinct = batch.select(
            *(self.cell(c.key).unique().implode().alias(c.key) for c in self.lookup),
            *(self.cell(k).str.contains(_ESCAPE).any().alias(f"escape_{k}") for k in self.text),
            *self.rules.distinct(self),
        ).row(0, named=True)
        b = _Batch()
        for column in self.importer.columns:
            key = column.key
            default = pl.lit(None if column.default is None else encode(column.default), pl.String)
            if key in self.special:
                continue
            if key not in self.positions:  # absent: every cell empty
                b.values[key] = default
                b.refused.append(pl.lit(not column.blank))
                continue
            cell, t = self.cell(key), pl.col(f"t_{key}")
            if key in self.text or key in self.money:
                b.inputs[f"t_{key}"] = cell.fill_null("").str.strip_chars(_WHITESPACE)
                empty = t == ""
                if key in self.text:
                    value = _escaped(t) if distinct[f"escape_{key}"] else t
                    refused = t.str.len_chars() > self.text[key]
                    if key in self.patterns:
                        refused = refused | (~empty & ~t.str.contains(self.patterns[key]))
                else:
                    plain = t.str.contains(_YUAN)
                    value, refused = pl.when(plain).then(_fen(t)), ~empty & ~plain
            else:
                b.inputs[f"t_{key}"] = cell.fill_null("").replace_strict(
                    self.mapping(column, [*distinct[key], ""]), return_dtype=pl.String
                )
                empty = t == _EMPTY
                value = pl.when(t != _REFUSED).then(t)
                refused = t == _REFUSED
            b.values[key] = pl.when(empty).then(default).otherwise(value)
            b.refused.append(refused | empty if not column.blank else refused)
            b.filled.append(~empty)
        for position in range(self.width):
            if position not in self.positions.values():  # unknown columns count too
                b.filled.append(
                    pl.col(f"c{position}").fill_null("").str.strip_chars(_WHITESPACE) != ""
                )
        self.rules.columns(self, b, distinct)
        frame = (
            batch.lazy()
            .with_columns(
                (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias("row"), **b.inputs
            )
            .filter(pl.any_horizontal(*b.filled))
            .with_columns(
                **{f"v_{k}": v for k, v in b.values.items()},
                bad=pl.any_horizontal(*b.refused).fill_null(True),
            )
        )
        return self.rules.rows(self, frame).collect()


def _strip_cells(cells_: tuple) -> list[str]:
    return [(c or "").strip() for c in cells_]


# --- the kinds' row rules, column-wise --------------------------------------------------------


class _Rules:
    """A kind's row rules. `special` columns are the rules' own to check and encode."""

    special: tuple[str, ...] = ()

    def distinct(self, p: _Pass) -> list[pl.Expr]:
        return []

    def columns(self, p: _Pass, b: _Batch, distinct: dict) -> None:
        pass

    def rows(self, p: _Pass, frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame

    def warnings(self, clean: pl.DataFrame) -> int:
        return 0


class _MemberRules(_Rules):
    """rules.check_identity and rules.check_member_consistency, column-wise."""

    special = ("birth_date",)  # clean when empty or the ID's own date, spelt YYYY-MM-DD

    def __init__(self) -> None:
        self.region_warnings: dict[str, str] = {}  # region code + birth year → warning

    def distinct(self, p: _Pass) -> list[pl.Expr]:
        number = p.cell("id_number")
        return [number.str.slice(0, 10).str.to_uppercase().unique().implode().alias("_regions")]

    def columns(self, p: _Pass, b: _Batch, distinct: dict) -> None:
        if "birth_date" in p.positions:
            b.inputs["t_birth_date"] = p.cell("birth_date").fill_null("")
            b.values["birth_date"] = pl.col("t_birth_date")
            b.filled.append(pl.col("t_birth_date").str.strip_chars(_WHITESPACE) != "")
        else:
            b.values["birth_date"] = pl.lit("", pl.String)
        this_year = dt.date.today().year
        pending = [
            key
            for key in distinct["_regions"]
            if key is not None and key not in self.region_warnings
        ]
        plausible = [
            k for k in pending if len(k) == 10 and k.isdigit() and 1880 <= int(k[6:]) <= this_year
        ]
        known = regions_known((k[:6], int(k[6:])) for k in plausible)
        for key in pending:
            warning = ""  # an implausible key belongs to a refused number: never read
            if not known.get((key[:6], int(key[6:]) if key[6:].isdigit() else 0), True):
                # parse_id_number's own message, for any valid ID of that region and year
                number = f"{key}0101001"
                warning = parse_id_number(number + ric.calc_check_digit(number + "0")).warning
            self.region_warnings[key] = warning

    def rows(self, p: _Pass, frame: pl.LazyFrame) -> pl.LazyFrame:
        today = dt.date.today()
        today_int = today.year * 10000 + today.month * 100 + today.day
        number = pl.col("v_id_number")
        shape = number.str.contains(r"^[0-9]{17}[0-9xX]$").fill_null(False)
        n = pl.when(shape).then(number.str.slice(0, 17).str.to_integer(strict=False))
        upper = number.str.to_uppercase()
        frame = frame.with_columns(_n=n, _id=upper)
        n = pl.col("_n")
        year, month, day = (n // 10**7) % 10000, (n // 10**5) % 100, (n // 10**3) % 100
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        days = (
            pl.when(month == 2)
            .then(28 + leap.cast(pl.Int64))
            .when(month.is_in([4, 6, 9, 11]))
            .then(30)
            .otherwise(31)
        )
        good = (
            id_check_holds(n, pl.col("_id").str.slice(17, 1))
            & month.is_between(1, 12)
            & day.is_between(1, days)
            & (year >= 1880)
            & ((n // 1000) % 10**8 <= today_int)
        ).fill_null(False)
        birth = pl.concat_str(
            pl.col("_id").str.slice(6, 4),
            pl.col("_id").str.slice(10, 2),
            pl.col("_id").str.slice(12, 2),
            separator="-",
        )
        sex = pl.when(n % 2 == 1).then(pl.lit("male")).otherwise(pl.lit("female"))
        frame = frame.with_columns(_good=good, _birth=birth, _sex=sex)
        bad = (
            ~pl.col("_good")
            | (pl.col("v_sex").is_not_null() & (pl.col("v_sex") != pl.col("_sex")))
            | ((pl.col("v_birth_date") != "") & (pl.col("v_birth_date") != pl.col("_birth")))
            | (pl.col("v_disability_grade").is_not_null() & (pl.col("v_health") != "disabled"))
            | ((pl.col("v_dropout") == "1") & ~pl.col("v_student").is_in(["", "none"]))
        )
        warning = (
            pl.col("_id")
            .str.slice(0, 10)
            .replace_strict(self.region_warnings, default=None, return_dtype=pl.String)
        )
        frame = frame.with_columns(_warning=warning)
        # A number whose first ten characters were not looked up (spaces inside the cell)
        # goes row by row.
        bad = bad | pl.col("_warning").is_null()
        return frame.with_columns(
            bad=pl.col("bad") | bad.fill_null(True),
            v_id_number=pl.col("_id"),
            v_sex=pl.coalesce("v_sex", "_sex"),
            v_birth_date=pl.col("_birth"),
            v_id_warning=pl.col("_warning"),
        )

    def warnings(self, clean: pl.DataFrame) -> int:
        return int((clean.get_column("v_id_warning") != "").sum())


class _HouseholdRules(_Rules):
    """The status a combined national attribute implies, and rules.check_household_years."""

    def __init__(self) -> None:
        self.implied: dict[str, str | None] = {}

    def columns(self, p: _Pass, b: _Batch, distinct: dict) -> None:
        for raw in distinct["attribute"]:
            if raw is not None and raw not in self.implied:
                self.implied[raw] = cells.implied_status(raw.strip())
        attribute = p.cell("attribute").fill_null("")
        implied = attribute.replace_strict(self.implied, default=None, return_dtype=pl.String)
        b.values["status"] = pl.coalesce(b.values["status"], implied)

    def rows(self, p: _Pass, frame: pl.LazyFrame) -> pl.LazyFrame:
        exit_year = pl.col("v_exit_year").cast(pl.Int64)
        registered = pl.col("v_registered_year").cast(pl.Int64)
        bad = (exit_year.is_not_null() & registered.is_not_null() & (exit_year < registered)) | (
            (pl.col("v_status") == "exited") & exit_year.is_null()
        )
        return frame.with_columns(bad=pl.col("bad") | bad.fill_null(True))


RULES: dict[str, type[_Rules]] = {
    "members": _MemberRules,
    "households": _HouseholdRules,
    "incomes": _Rules,
}


# --- the pass ---------------------------------------------------------------------------------


def _read_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
            fh.read(1 << 16)  # a file that is not UTF-8 usually shows it in the first block
    except (UnicodeDecodeError, csv.Error):
        raise Fallback from None
    if header is None:
        raise Fallback
    return [h.strip() for h in header]


def _has_lone_cr(path: Path) -> bool:
    with path.open("rb") as fh:
        block = fh.read(1 << 16)
    return b"\r" in block.replace(b"\r\n", b"")


class NotPlain(Exception):  # noqa: N818 - a signal: write the file out plainly, read that
    """Raised by validate before it reads a row (or logs a problem)."""


class _Scan(Exception):  # noqa: N818 - a signal: the quoting is not the plain one
    pass


def _block_ends(path: Path) -> list[int] | None:
    """The offsets in the file at which its blocks end (each about BLOCK_BYTES, the last at the
    end of the file), every one just after a line end that ends a record; None when the file
    is not plainly quoted (NotPlain). One read of the file, before any block is parsed: a
    quoting the blocks cannot take shows anywhere in the file before the first row is
    checked, not after some rows went on."""
    with path.open("rb") as fh:
        header = fh.readline()
        if header.count(b'"') % 2:  # a quoted line end inside the header
            return None
        ends, start = [], len(header)
        try:
            while True:
                # Each read starts where a record starts: no block is copied to be joined.
                fh.seek(start)
                data = fh.read(BLOCK_BYTES)
                final = len(data) < BLOCK_BYTES
                while not (cut := _record_end(data, final=final)) and not final:
                    more = fh.read(BLOCK_BYTES)  # a record longer than a block
                    data, final = data + more, len(more) < BLOCK_BYTES
                if cut:
                    ends.append(start + cut)
                    start += cut
                if final and cut == len(data):
                    return ends
        except _Scan:
            return None


def _record_end(data: bytes, *, final: bool) -> int:
    """Where a block of whole records ends in `data` (which starts at a record): after its
    last line end outside any quoted cell (0: none yet); all of `data` if it is the file's
    last. Raises _Scan where the quoting is not the plain one, each quoted cell opening at
    the start of a cell, its quotes doubled inside and closing at the end of the cell (a
    quote inside an unquoted cell is read differently by readers).

    Column-wise over the block's bytes: with the plain quoting a byte is inside a quoted cell
    exactly when an odd number of quotes comes before it, so a line end with an even count
    ends a record. That holds when every quote with an even count before it (an opening)
    follows a comma, a line end, the block's start or a quote (the second of a doubled
    pair), and every other one (a closing) is followed by a comma, a line end (or its CR) or
    a quote, which is checked for every quote before the cut: any density of quoting, every
    cell quoted included, at about 0.3 GB/s when every cell is (decision 18)."""
    if b'"' not in data:
        return len(data) if final else data.rfind(b"\n") + 1
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(raw == _QUOTE)
    if final:
        if len(quotes) % 2:
            raise _Scan  # a quoted cell never closed
        end = len(data)
    else:
        # The last line end outside a quoted cell, looked for at the block's end first.
        tail = max(0, len(data) - _TAIL_BYTES)
        while True:
            line_ends = np.flatnonzero(raw[tail:] == _LF) + tail
            outside = line_ends[np.searchsorted(quotes, line_ends) % 2 == 0]
            if len(outside) or not tail:
                break
            tail = 0
        if not len(outside):
            return 0
        end = int(outside[-1]) + 1
        # The quotes of the records cut off; those after the cut are the next block's.
        quotes = quotes[: np.searchsorted(quotes, end)]
        if not len(quotes):
            return end
    opening, closing = quotes[0::2], quotes[1::2]
    # Only the first opening can be at the block's start, only the last closing at its end.
    before = raw[opening[1:] - 1 if opening[0] == 0 else opening - 1]
    after = raw[closing[:-1] + 1 if closing[-1] == len(raw) - 1 else closing + 1]
    if not (
        ((before == _COMMA) | (before == _LF) | (before == _QUOTE)).all()
        and ((after == _COMMA) | (after == _LF) | (after == _CR) | (after == _QUOTE)).all()
    ):
        raise _Scan
    return end


def _records(path: Path, names: list[str], ends: list[int]) -> Iterator[pl.DataFrame]:
    """The file's records after its header, at most BATCH_ROWS at a time, each cell a string
    (None where empty) in the columns `names`. The file is parsed a block at a time, each
    block cut after a line end that ends a record (`ends`, from _block_ends)."""

    def parse(data: bytes) -> pl.DataFrame:
        return pl.read_csv(io.BytesIO(data), has_header=True, new_columns=names, infer_schema=False)

    # polars parses without the GIL: the next block while the caller checks this one's rows.
    with path.open("rb") as fh, ThreadPoolExecutor(1, "jingzhun-import-read") as reader:
        pending = None
        for data in _blocks(fh, ends):
            parsing = reader.submit(parse, data)
            if pending is not None:
                yield from pending.result().iter_slices(BATCH_ROWS)
            pending = parsing
        if pending is not None:
            yield from pending.result().iter_slices(BATCH_ROWS)


def _blocks(fh, ends: list[int]) -> Iterator[bytes]:
    """The file's records, a block at a time as _block_ends cut them, each behind the file's
    own header line, so that the header gives its width as in a scan of the whole file (short
    rows filled, longer ones refused)."""
    header = fh.readline()
    for end in ends:
        yield header + fh.read(end - fh.tell())


def validate(
    importer, path: Path, log: ProblemLog, spool: Spool | None, progress, sink=None
) -> set[str] | None:
    """Phase 1 for a CSV file: as base._validate, batch by batch. Raises Fallback, or
    NotPlain before anything else for a file not plainly quoted.

    Each batch's good rows go to the spool in row order (no spool: not written); `sink`, if
    given, is called with them too, as a frame of `row` (Int64) and `v_<name>` (the spool's
    encoded text, None for NULL) per staging column: the direct load (importing/direct.py)
    copies them onward while the next batch is read."""
    from django.core.exceptions import ValidationError

    from .base import _map_header, _memoized, _parse_row  # base imports this module

    header = _read_header(path)
    if _has_lone_cr(path):
        raise Fallback
    ends = _block_ends(path)
    if ends is None:
        raise NotPlain
    positions, unknown = _map_header(importer, header, log)
    if positions is None:
        return None
    width = len(header)
    this = _Pass(importer, positions, width)
    rules = this.rules
    order = [name for name, _ in importer.stage_columns()[1:]]
    plan = [(c, _memoized(c.parse), positions.get(c.key)) for c in importer.columns]
    names = [f"c{i}" for i in range(width)]
    unknown_seen: dict[int, tuple[int, str]] = {}
    first_row, done = 2, 0  # the first data row is spreadsheet row 2
    try:
        for batch in _records(path, names, ends):
            if batch.width != width:
                raise Fallback
            frame = this.run(batch, first_row)
            first_row += batch.height
            done += batch.height
            for position in unknown:
                if position not in unknown_seen:
                    stripped = pl.col(f"c{position}").fill_null("").str.strip_chars(_WHITESPACE)
                    hits = frame.filter(stripped != "").select("row", stripped).head(1)
                    if hits.height:
                        unknown_seen[position] = hits.row(0)
            clean = frame.filter(~pl.col("bad"))
            if clean.height:
                importer.warnings += rules.warnings(clean)
            good = clean.select("row", *(pl.col(f"v_{n}") for n in order))
            del clean
            # The rest, row by row with the reference code: its problems, its values.
            rescued: list[list] = []
            for row, *raw_cells in frame.filter(pl.col("bad")).select("row", *names).iter_rows():
                values, raw, ok = _parse_row(plan, _strip_cells(raw_cells), row, log)
                if ok:
                    try:
                        values = importer.finish(values, raw)
                    except ValidationError as exc:
                        for column, messages in exc.message_dict.items():
                            for message in messages:
                                log.add(row, column, raw.get(column, ""), message)
                        ok = False
                if ok:
                    rescued.append(
                        [row, *(None if (v := values[n]) is None else encode(v) for n in order)]
                    )
            if rescued:  # in among the batch's other rows, in row order
                extra = pl.DataFrame(rescued, schema=good.schema, orient="row")
                good = pl.concat([good, extra]).sort("row")
            if good.height and spool is not None:
                data = frame_rows(good.with_columns(pl.col("row").cast(pl.String)))
                spool.write_block(data, good.height)
                del data
            if good.height and sink is not None:
                sink(good)
            del good
            if progress:
                progress("validate", done, None)
    except pl.exceptions.ComputeError:  # ragged rows, bad UTF-8: the csv module's turn
        raise Fallback from None
    for position, (row, value) in sorted(unknown_seen.items()):
        name = unknown.get(position, f"#{position + 1}")
        log.add(row, name, value, "未知的列，且不为空 (unknown column with values)")
    return set(positions)
