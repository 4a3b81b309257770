from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from jingzhun.monitoring.models import Alert, RiskEvent
from jingzhun.monitoring.scan import scan
from jingzhun.registry.importing import ImportRefused, import_file
from tests.conftest import COUNTY_A
from tests.factories import MemberFactory, make_id_number
from tests.monitoring.conftest import YEAR, exited, one_waits_for_another, postgresql_only

pytestmark = pytest.mark.django_db

HEADER = "source,id_number,event,date,amount,note\n"
one_writer_at_a_time = postgresql_only("SQLite runs one writing transaction at a time")


def id_ending_in_x() -> str:
    while True:
        number = make_id_number()
        if number.endswith("X"):
            return number


def write(tmp_path, lines: list[str], name: str = "match.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def member_x(places):
    household = exited(places["A1a"], members=1, net=5_000_000)
    return MemberFactory(household=household, relation="child", id_number=id_ending_in_x())


@pytest.mark.parametrize("engine", ["fast", "orm"])
@pytest.mark.parametrize("letter", ["X", "x"])
def test_an_id_number_matches_whatever_the_case_of_its_check_letter(
    tmp_path, member_x, engine, letter
):
    number = member_x.id_number[:-1] + letter
    path = write(tmp_path, [f"medical,{number},serious_illness,{YEAR}-04-02,80000.50,住院"])
    summary = import_file("match", path, engine=engine)
    assert (summary.inserted, summary.reported) == (1, 0)
    event = RiskEvent.objects.get()
    assert (event.member, event.household) == (member_x, member_x.household)
    assert (event.kind, event.source, event.amount_fen) == ("serious_illness", "medical", 8_000_050)
    assert event.id_number == member_x.id_number


@pytest.mark.parametrize("engine", ["fast", "orm"])
def test_unknown_id_numbers_are_reported_not_dropped(tmp_path, member_x, engine):
    stranger = make_id_number(region="110101")
    path = write(
        tmp_path,
        [
            f"civil_affairs,{stranger},death,{YEAR}-01-05,,",
            f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,",
        ],
    )
    summary = import_file("match", path, engine=engine)
    assert (summary.rows, summary.inserted, summary.reported) == (2, 1, 1)
    assert [(p.row, p.value) for p in summary.notices] == [(2, stranger)]
    assert summary.as_dict()["reported"] == 1 and "notices" not in summary.as_dict()


def test_the_command_writes_the_unknown_ids_to_the_errors_file(tmp_path, member_x, capsys):
    stranger = make_id_number(region="110101")
    path = write(tmp_path, [f"education,{stranger},dropout,{YEAR}-09-01,,"])
    out = tmp_path / "errors.csv"
    call_command("import", "match", str(path), "--errors", str(out))
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["row", "column", "value", "message"]
    assert rows[1][:3] == ["2", "id_number", stranger]
    assert '"reported": 1' in capsys.readouterr().out


def test_importing_the_same_list_twice_adds_no_event(tmp_path, member_x):
    path = write(tmp_path, [f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,"])
    import_file("match", path)
    again = import_file("match", path)
    assert again.inserted == 0 and RiskEvent.objects.count() == 1


def test_a_malformed_id_number_refuses_the_whole_file(tmp_path, member_x):
    path = write(
        tmp_path,
        [
            f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,",
            f"medical,12345,serious_illness,{YEAR}-04-02,,",
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        import_file("match", path)
    assert refused.value.problems[0].row == 3
    assert RiskEvent.objects.count() == 0


def test_matched_events_raise_alerts_at_the_next_scan(tmp_path, member_x, clock):
    path = write(tmp_path, [f"housing,{member_x.id_number},unsafe_house,{YEAR}-07-01,,"])
    import_file("match", path)
    scan(region_code=COUNTY_A, year=YEAR, on=dt.date(2024, 3, 1))
    alert = Alert.objects.get(household=member_x.household)
    assert alert.rule == "event:unsafe_house"
    assert RiskEvent.objects.get().alert == alert


def _match_outcome(path, monkeypatch, *, by_rows: bool):
    from django.db import transaction

    from jingzhun.registry.importing import vectorised

    real = vectorised.validate
    used = []

    def validate(*args, **kw):
        used.append("columns")
        return real(*args, **kw)

    monkeypatch.setattr(vectorised, "validate", validate)
    monkeypatch.setattr(vectorised, "BATCH_ROWS", 3)  # several batches
    if by_rows:
        monkeypatch.setattr(vectorised, "applies", lambda importer, path: False)
    with transaction.atomic():
        try:
            s = import_file("match", path, engine="fast")
            result = ("loaded", s.rows, s.inserted, [(p.row, p.value) for p in s.notices])
        except ImportRefused as refused:
            result = ("refused", refused.total, refused.problems)
        events = sorted(
            RiskEvent.objects.values_list(
                "member_id", "id_number", "kind", "source", "date", "amount_fen", "note"
            )
        )
        transaction.set_rollback(True)
    monkeypatch.undo()
    return result, events, used


@pytest.mark.parametrize("bad", [False, True])
def test_the_column_wise_pass_reads_a_list_as_the_row_by_row_one_does(
    tmp_path, member_x, monkeypatch, bad
):
    other = MemberFactory(household=member_x.household, relation="child")
    stranger = make_id_number(region="110101")
    lines = [
        f"medical,{member_x.id_number[:-1]}x,serious_illness,{YEAR}-04-02,80000.50,住院",
        f"medical, {other.id_number[:6]} {other.id_number[6:]} ,serious_illness,{YEAR}-04-02,,",
        f"civil_affairs,{stranger},death,{YEAR}-01-05,,",
        f'education,{other.id_number},dropout,{YEAR}-09-01,12,"a, b"',
        f"housing,{member_x.id_number},unsafe_house,{YEAR}-07-01 00:00:00,,",
    ]
    if bad:
        lines += [
            f"medical,{member_x.id_number[:17]},serious_illness,{YEAR}-04-02,,",
            f"medical,,serious_illness,{YEAR}-04-02,,",
            f"medical,{member_x.id_number[:17]}Y,serious_illness,{YEAR}-04-02,,",
            f"medical,{other.id_number},serious_illness,{YEAR}-02-30,,",
            f"medical,{other.id_number},serious_illness,{YEAR}-04-02,-1,",
        ]
    path = write(tmp_path, lines)
    columnwise = _match_outcome(path, monkeypatch, by_rows=False)
    rowwise = _match_outcome(path, monkeypatch, by_rows=True)
    assert columnwise[2] == ["columns"] and rowwise[2] == []
    assert columnwise[:2] == rowwise[:2]
    assert columnwise[0][0] == ("refused" if bad else "loaded")
    if not bad:
        assert columnwise[0][1:] == (5, 4, [(4, stranger)])


# A risk event's member has no database constraint (docs/decisions.md §13): the writers and
# the removal of a member keep it instead.


def test_removing_a_member_clears_the_member_of_their_events(tmp_path, member_x, personas):
    from jingzhun.registry import services as registry

    path = write(tmp_path, [f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,"])
    import_file("match", path)
    registry.member_remove(by=personas["county_admin"], member=member_x, reason="迁出")
    event = RiskEvent.objects.get()
    assert event.member_id is None and event.id_number == member_x.id_number


@one_writer_at_a_time
def test_a_removal_and_a_writer_of_events_take_conflicting_locks(member_x, personas):
    from jingzhun.monitoring.apps import lock_for_writing
    from jingzhun.registry import services as registry

    def modes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid()"
                " AND relation = 'monitoring_riskevent'::regclass"
            )
            return {mode for (mode,) in cursor.fetchall()}

    with transaction.atomic():
        registry.member_remove(by=personas["county_admin"], member=member_x, reason="迁出")
        assert "ShareRowExclusiveLock" in modes()
    with transaction.atomic(), connection.cursor() as cursor:
        lock_for_writing(cursor)
        assert "RowExclusiveLock" in modes()


@one_writer_at_a_time
def test_a_match_keeps_every_other_writer_of_events_out_until_it_ends(tmp_path, member_x):
    # SHARE ROW EXCLUSIVE conflicts with itself and with a cadre's ROW EXCLUSIVE: the events a
    # match does not find stored are not being written by anyone else either (no ON CONFLICT).
    path = write(tmp_path, [f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,"])
    with transaction.atomic(), connection.cursor() as cursor:
        import_file("match", path)
        cursor.execute(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid()"
            " AND relation = 'monitoring_riskevent'::regclass"
        )
        assert "ShareRowExclusiveLock" in {mode for (mode,) in cursor.fetchall()}


@pytest.mark.parametrize("engine", ["fast", "orm"])
def test_a_list_that_repeats_part_of_an_earlier_one_adds_only_the_new_events(
    tmp_path, member_x, engine
):
    first = f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,"
    second = f"civil_affairs,{member_x.id_number},death,{YEAR}-05-02,,"
    import_file("match", write(tmp_path, [first]), engine=engine)
    summary = import_file("match", write(tmp_path, [second, first], "again.csv"), engine=engine)
    assert summary.inserted == 1
    assert sorted(RiskEvent.objects.values_list("kind", flat=True)) == ["death", "serious_illness"]


def test_a_cadre_cannot_name_a_member_of_another_household(member_x, households, personas):
    from django.core.exceptions import ValidationError

    from jingzhun.monitoring import services

    with pytest.raises(ValidationError):
        services.risk_event_record(
            by=personas["cadre"],
            household=households["A1a"],
            kind="accident",
            date=dt.date(2024, 2, 1),
            member=member_x,
        )
    assert not RiskEvent.objects.exists()


@one_writer_at_a_time
@pytest.mark.django_db(transaction=True)
def test_the_same_list_matched_twice_at_once_adds_each_event_once(tmp_path, member_x):
    path = write(tmp_path, [f"medical,{member_x.id_number},serious_illness,{YEAR}-04-02,,"])
    inserted, blocked = one_waits_for_another(
        lambda: import_file("match", path).inserted, lock_on="monitoring_riskevent"
    )
    assert blocked, "the second match did not wait for the first"
    assert inserted == [1, 0]
    assert RiskEvent.objects.count() == 1
