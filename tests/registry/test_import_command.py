"""`jingzhun import` on the command line: stdout JSON, stderr problems, --errors, exit status."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from jingzhun.registry.models import Household

from .conftest import household_row

pytestmark = pytest.mark.django_db


def test_a_good_file_prints_a_json_summary(places, write, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    errors = tmp_path / "errors.csv"
    path = write("h.csv", [household_row(), household_row()])
    call_command("import", "households", str(path), "--errors", str(errors), stdout=out, stderr=err)
    summary = json.loads(out.getvalue())
    assert {k: summary[k] for k in ("kind", "rows", "inserted", "updated")} == {
        "kind": "households",
        "rows": 2,
        "inserted": 2,
        "updated": 0,
    }
    assert errors.read_text().splitlines() == ["row,column,value,message"]


def test_a_refused_file_exits_1_lists_problems_and_writes_them_all(places, write, tmp_path):
    rows = [household_row(attribute="x") for _ in range(30)]
    errors = tmp_path / "errors.csv"
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import", "households", str(write("h.csv", rows)), "--errors", str(errors), stderr=err
        )
    assert caught.value.returncode == 1
    assert not Household.objects.exists()
    written = list(csv.reader(errors.open(encoding="utf-8")))
    assert written[0] == ["row", "column", "value", "message"]
    assert [r[:3] for r in written[1:]] == [[str(n), "attribute", "x"] for n in range(2, 32)]
    printed = err.getvalue()
    assert "2,attribute,x," in printed and "… and 10 more" in printed


def test_usage_errors_exit_2(write, tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import", "cats", str(write("h.csv", [household_row()])))
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command("import", "households", str(tmp_path / "missing.csv"))
    assert caught.value.returncode == 2


@pytest.mark.parametrize("args", [["cats", "x.csv"], ["households", "missing.csv"]])
def test_the_console_script_exits_2_on_usage_errors(tmp_path, args):
    env = {**os.environ, "JINGZHUN_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    script = [sys.executable, "-m", "jingzhun.cli", "import", *args]
    done = subprocess.run(script, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""


def test_a_large_import_reports_its_progress_on_stderr(places, write, monkeypatch):
    from importlib import import_module

    command = import_module("jingzhun.registry.management.commands.import")
    # Every call reported (a real file reports every few seconds; this one is quick).
    monkeypatch.setattr(command._Progress.__init__, "__defaults__", (0.0,))
    monkeypatch.setattr("jingzhun.registry.importing.base._PROGRESS_EVERY", 1)
    out, err = io.StringIO(), io.StringIO()
    path = write("h.csv", [household_row() for _ in range(12)])
    call_command("import", "households", str(path), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[-1].startswith("import households: 12 rows done 100% (")
    assert lines[-1].endswith(" rows/s)")
    assert len(lines) > 1  # stages before the end, not only the final line
    assert json.loads(out.getvalue())["rows"] == 12  # stdout stays machine-readable
