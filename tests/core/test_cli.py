"""The console script stops quietly when its reader goes away (`jingzhun assess ... | head`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import django.core.management as management
    from jingzhun import cli

    def flood(argv):
        for _ in range(100_000):
            print("household_no,passed,criterion,criterion_passed,value,threshold")

    management.execute_from_command_line = flood
    cli.main(["assess"])
    """
)


def test_a_closed_pipe_ends_the_command_with_status_141_and_no_traceback():
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.read(100)
    process.stdout.close()  # the reader goes away, as `head` does
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
