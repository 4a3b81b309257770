"""Member predicates: one definition, rendered to Polars and to SQL, the same answers."""

from __future__ import annotations

import datetime as dt
import sqlite3

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.policy import members


def _age(birth: dt.date, on: dt.date) -> int:
    # The way ID cards count: the birthday itself completes the year.
    return on.year - birth.year - ((birth.month, birth.day) > (on.month, on.day))


dates = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(birth=dates, on=dates, low=st.integers(0, 20), span=st.integers(0, 12))
def test_aged_between_holds_exactly_for_the_ages_in_the_window(birth, on, low, span):
    high = low + span
    pred = members.aged_between(on, low, high)
    frame = pl.DataFrame({"birth_date": [birth]}, schema={"birth_date": pl.Date})
    inside = frame.select(members.to_polars(pred)).item()
    assert inside == (low <= _age(birth, on) <= high)


def test_a_leap_day_birthday_completes_the_year_on_the_first_of_march_in_common_years():
    assert members.years_before(dt.date(2020, 2, 29), 1) == dt.date(2019, 2, 28)
    on = dt.date(2018, 2, 28)
    leap_born = pl.DataFrame({"birth_date": [dt.date(2008, 2, 29)]})
    ten_or_more = members.DateCmp("birth_date", "<=", members.years_before(on, 10))
    assert leap_born.select(members.to_polars(ten_or_more)).item() is False
    on = dt.date(2018, 3, 1)
    ten_or_more = members.DateCmp("birth_date", "<=", members.years_before(on, 10))
    assert leap_born.select(members.to_polars(ten_or_more)).item() is True


VALUES = st.sampled_from([True, False, None])


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), dates),
            VALUES,
            st.sampled_from([None, "none", "primary", "college"]),
            VALUES,
        ),
        max_size=8,
    ),
    on=dates,
)
def test_the_sql_and_the_polars_renderings_count_the_same_members(rows, on):
    """Kleene logic in both: the true and unknown counts agree for every mix of nulls."""
    preds = [
        members.aged_between(on, 6, 15)
        & members.Coalesce(
            (members.Col("dropout"), members.FalseIfIn("student", ("primary", "college")))
        ),
        ~members.Col("insured"),
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "birth_date": pl.Date,
            "dropout": pl.Boolean,
            "student": pl.String,
            "insured": pl.Boolean,
        },
        orient="row",
    )
    expected = frame.select(
        agg for i, pred in enumerate(preds) for agg in members.polars_counts(f"p{i}", pred)
    ).row(0)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE m (birth_date TEXT, dropout BOOL, student TEXT, insured BOOL)")
    db.executemany(
        "INSERT INTO m VALUES (?, ?, ?, ?)",
        [(b and b.isoformat(), d, s, i) for b, d, s, i in rows],
    )
    params: list = []
    sql = [agg for pred in preds for agg in members.sql_counts(pred, "m", params)]
    got = db.execute(
        f"SELECT {', '.join(f'COALESCE({s}, 0)' for s in sql)} FROM m".replace("%s", "?"),
        params,
    ).fetchone()
    assert tuple(got) == tuple(expected)
