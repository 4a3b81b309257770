"""The policy engine's input frames (jingzhun.policy.facts), built with set-based SQL.

One query per frame over a region prefix; on PostgreSQL the rows leave the server by
`COPY … TO STDOUT` straight into Polars, which is several times faster than fetching tuples.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Mapping, Sequence

import polars as pl
from django.db import connection, transaction

from jingzhun import policy
from jingzhun.policy import facts as contract
from jingzhun.policy import members


def _copy_frame(raw, sql: str, params: Sequence, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """`sql` run on the psycopg connection `raw`, its rows by `COPY … TO STDOUT` into a frame."""
    buffer = io.BytesIO()
    with raw.cursor() as cursor:
        query = cursor.mogrify(sql, params)
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return pl.DataFrame(schema=dict(schema))
    read_schema = {
        name: (pl.String if dtype == pl.Boolean() else dtype) for name, dtype in schema.items()
    }
    frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=read_schema)
    # PostgreSQL's CSV writes booleans as t/f.
    return frame.with_columns(
        [
            pl.col(n).replace_strict({"t": True, "f": False}, default=None, return_dtype=pl.Boolean)
            for n, dtype in schema.items()
            if dtype == pl.Boolean()
        ]
    )


def frame_from_sql(sql: str, params: Sequence, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Run `sql` (columns named and ordered as `schema`) and return the rows as a frame."""
    names = list(schema)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return _copy_frame(connection.connection, sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return pl.DataFrame(schema=dict(schema))
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    return frame.with_columns(
        (
            pl.col(n).str.to_date()
            if dtype == pl.Date() and frame.schema[n] == pl.String
            else pl.col(n)
        ).cast(dtype)
        for n, dtype in schema.items()
    )


# Below this many households one query reads them all; above it, on PostgreSQL, two
# connections read the two halves at once from one snapshot (see _households_in_halves).
SPLIT_MIN_HOUSEHOLDS = 200_000


def _households_in_halves(
    build: Callable[[tuple[str, int, int] | None], tuple[str, list]],
    condition: str,
    params: Sequence,
    schema: Mapping[str, pl.DataType],
) -> pl.DataFrame | None:
    """The household read in two halves by household id, on two PostgreSQL connections at
    once; None where it does not apply (another database, an open transaction whose own
    writes a second connection could not see, or too few households).

    The plan that reads a household's members fastest (a merge of the household key with the
    members' covering index) runs in one server process; two key ranges on two connections
    use both cores. The second connection imports the first one's snapshot
    (`pg_export_snapshot`), so the halves are one consistent reading, as `pg_dump -j` does.
    `build((operator, low, high))` returns the query and its parameters for the households
    with `low <operator> id <= high`.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(
            "SELECT COUNT(*), MIN(h.id), MAX(h.id),"
            " PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY h.id)"
            f" FROM registry_household h WHERE {condition}",
            params,
        )
        count, low, high, middle = cursor.fetchone()
        if count < SPLIT_MIN_HOUSEHOLDS:
            return None
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        halves: dict[int, pl.DataFrame] = {}
        failures: list[BaseException] = []

        def upper_half() -> None:
            try:
                sql, args = build((">", middle, high))
                raw = connection.get_new_connection(connection.get_connection_params())
                try:
                    raw.autocommit = False
                    with raw.cursor() as other:
                        other.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        other.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                    halves[1] = _copy_frame(raw, sql, args, schema)
                    raw.rollback()
                finally:
                    raw.close()
            except BaseException as exc:  # re-raised in the caller's thread
                failures.append(exc)

        worker = threading.Thread(target=upper_half, name="household-read-upper-half")
        worker.start()
        try:
            sql, args = build((">=", low, middle))
            halves[0] = _copy_frame(connection.connection, sql, args, schema)
        finally:
            worker.join()
        if failures:
            raise failures[0]
    return pl.concat([halves[0], halves[1]])


def _like(prefix: str) -> str:
    return prefix + "%"


HOUSEHOLD_EXTRA: dict[str, pl.DataType] = {"household_id": pl.Int64(), "village_code": pl.String()}


def household_frames(
    *,
    prefix: str,
    year: int,
    statuses: Sequence[str] | None = None,
    household_ids=None,
    exit_year: int | None = None,
    pack: policy.Pack | None = None,
    on: dt.date | None = None,
) -> dict[str, pl.DataFrame]:
    """Households under `prefix` with their income of `year`, and their members.

    Beside the contract's columns the households frame carries `household_id` and
    `village_code`, which the engine ignores and callers use to file what it finds.

    Given the `pack` to be applied `on` a date, the members are not read out: the counts its
    criteria need (jingzhun.policy.member_predicates) are computed by the query itself and
    come as columns of the households frame, and no members frame is returned. A county of a
    million households then ships a million rows, not four million.
    """
    where = ["h.village_id LIKE %s"]
    params: list = [_like(prefix)]
    if exit_year is not None:
        where.append("h.exit_year = %s")
        params.append(exit_year)
    if statuses:
        where.append(f"h.status IN ({', '.join(['%s'] * len(statuses))})")
        params.extend(statuses)
    if household_ids is not None:
        ids = list(household_ids) or [0]
        where.append(f"h.id IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    condition = " AND ".join(where)
    if pack is not None and on is None:
        raise ValueError("household_frames: a pack needs the assessment date `on`")
    counted = [] if pack is None else policy.member_predicates(pack, "household", on=on)
    count_params: list = []
    count_sql = [
        sql
        for _, pred in counted
        for sql in members.sql_counts(pred, "m", count_params, present="m.household_id IS NOT NULL")
    ]
    # The counts' columns follow the contract's, in the order of count_sql, then the
    # member count itself (null where a household has no member rows).
    count_schema: dict[str, pl.DataType] = (
        {name: pl.Int64() for name in [*members.count_names(counted), policy.MEMBER_COUNT]}
        if counted
        else {}
    )
    # One pass: households joined to their members and their income, grouped per household
    # (h.id is the key, so h's columns may be selected; the one income row of the year is
    # repeated per member, hence MAX). On PostgreSQL the plan
    # merges the household key index with an index-only scan of the members' covering index
    # (registry member_household_facts); there is no ORDER BY, the frame is sorted after.
    schema = (
        {
            k: contract.HOUSEHOLDS[k]
            for k in (
                "household_no",
                "members",
                "net_income_fen",
                "food_clothing_secure",
                "housing_safe",
                "relocated",
                "water_safe",
                "electricity",
                "radio_tv",
            )
        }
        | HOUSEHOLD_EXTRA
        | count_schema
    )

    def build(id_range: tuple[str, int, int] | None) -> tuple[str, list]:
        """The query, or with `id_range` = (lower operator, lower id, upper id) one slice."""
        ranged, bounds = "", []
        if id_range is not None:
            op, low, high = id_range
            ranged, bounds = f"{{}} {op} %s AND {{}} <= %s", [low, high]
        # The range bounds the members' join too: the planner does not carry an inequality
        # across the join, and the members' index scan would start at the first household.
        sql = f"""
        SELECT h.household_no, COUNT(m.household_id),
               MAX(i.wage_fen + i.production_fen + i.property_fen + i.transfer_fen
                   - i.production_cost_fen),
               h.food_clothing_secure, h.housing_safe, h.relocated, h.water_safe,
               h.electricity, h.radio_tv, h.id, h.village_id
               {"".join(f", {sql}" for sql in count_sql)}
               {", NULLIF(COUNT(m.household_id), 0)" if counted else ""}
        FROM registry_household h
        LEFT JOIN registry_member m ON m.household_id = h.id
             {"AND " + ranged.format("m.household_id", "m.household_id") if ranged else ""}
        LEFT JOIN registry_income i ON i.household_id = h.id AND i.year = %s
        WHERE {condition} {"AND " + ranged.format("h.id", "h.id") if ranged else ""}
        GROUP BY h.id
        """
        return sql, [*count_params, *bounds, year, *params, *bounds]

    households = None
    if household_ids is None:
        households = _households_in_halves(build, condition, params, schema)
    if households is None:
        households = frame_from_sql(*build(None), schema)
    households = households.sort("household_no")
    if counted:
        return {"households": households}
    member_rows = frame_from_sql(
        f"""
        SELECT h.household_no, m.birth_date, m.dropout, m.student, m.medical_insurance
        FROM registry_member m JOIN registry_household h ON h.id = m.household_id
        WHERE {condition}
        """,
        params,
        dict(contract.MEMBERS),
    )
    return {"households": households, "members": member_rows}


def poor_persons(*, prefix: str, year: int, key_len: int) -> dict[str, int]:
    """Poor persons at the end of `year` per region (the first `key_len` code digits), counted
    by the same definition as `jingzhun stats`."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from jingzhun.registry.models import Member
    from jingzhun.registry.stats import poor_q

    rows = (
        Member.objects.filter(household__village__code__startswith=prefix)
        .filter(poor_q(year, "household__"))
        .annotate(key=Substr("household__village_id", 1, key_len))
        .values("key")
        .annotate(n=Count("id"))
    )
    return {row["key"]: row["n"] for row in rows}


def _with_poor_persons(frame: pl.DataFrame, counts: dict[str, int], key_len: int) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("region_code")
        .str.slice(0, key_len)
        .replace_strict(counts, default=0, return_dtype=pl.Int64)
        .alias("poor_persons")
    )


def village_frame(*, prefix: str, year: int) -> dict[str, pl.DataFrame]:
    """Villages under `prefix` with their poor persons at the end of `year`."""
    villages = frame_from_sql(
        """
        SELECT r.code, 0, r.rural_population, r.collective_income_fen,
               r.hardened_road, r.clinic, r.culture_room, r.network
        FROM regions_region r
        WHERE r.level = 'village' AND r.code LIKE %s
        ORDER BY r.code
        """,
        [_like(prefix)],
        dict(contract.VILLAGES),
    )
    counts = poor_persons(prefix=prefix, year=year, key_len=12)
    return {"villages": _with_poor_persons(villages, counts, 12)}


def county_frame(*, prefix: str, year: int) -> dict[str, pl.DataFrame]:
    """Counties under `prefix`: poor persons, rural population, township facilities, survey."""
    counties = frame_from_sql(
        """
        SELECT c.code, 0,
               COALESCE(c.rural_population,
                        (SELECT SUM(v.rural_population) FROM regions_region v
                          WHERE v.level = 'village' AND v.code LIKE SUBSTR(c.code, 1, 6) || '%%')),
               (SELECT COUNT(*) FROM regions_region t
                 WHERE t.level = 'township' AND t.code LIKE SUBSTR(c.code, 1, 6) || '%%'),
               (SELECT COUNT(*) FROM regions_region t WHERE t.level = 'township'
                   AND t.code LIKE SUBSTR(c.code, 1, 6) || '%%' AND t.central_school),
               (SELECT COUNT(*) FROM regions_region t WHERE t.level = 'township'
                   AND t.code LIKE SUBSTR(c.code, 1, 6) || '%%' AND t.health_center),
               (SELECT COUNT(*) FROM regions_region t WHERE t.level = 'township'
                   AND t.code LIKE SUBSTR(c.code, 1, 6) || '%%' AND t.service_center),
               s.wrongly_exited, s.exited_sampled, s.missed, s.nonregistered_sampled,
               s.approving, s.surveyed, s.wrongly_exited_estimate, s.missed_estimate
        FROM regions_region c
        LEFT JOIN assessments_countysurvey s ON s.region_id = c.code AND s.year = %s
        WHERE c.level = 'county' AND c.code LIKE %s
        ORDER BY c.code
        """,
        [year, _like(prefix)],
        dict(contract.COUNTIES),
    )
    counts = poor_persons(prefix=prefix, year=year, key_len=6)
    return {"counties": _with_poor_persons(counties, counts, 6)}
