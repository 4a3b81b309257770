"""Local development and the embedded demo: SQLite under var/ unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

VAR_DIR.mkdir(parents=True, exist_ok=True)

# `jingzhun runserver` serves the static files with DEBUG off (core's runserver command).
SERVE_STATIC = True
