"""The `jingzhun` console script: manage.py with the project's settings preselected."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings.dev")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["jingzhun", *(sys.argv[1:] if argv is None else argv)])
    except BrokenPipeError:
        # The reader went away (`jingzhun assess ... | head`): stop quietly, as shell tools do.
        # Python would otherwise print a traceback and fail again flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + 13)  # 128 + SIGPIPE, the shell's status for a closed pipe


if __name__ == "__main__":
    main()
