"""Domain errors shared by services, pages, the API and commands."""

from __future__ import annotations


class ConflictError(Exception):
    """A stale edit: someone changed the record since it was read."""

    def __init__(self, message: str, *, current_version: int | None = None):
        super().__init__(message)
        self.current_version = current_version


class PermissionDenied(Exception):  # noqa: N818 - mirrors django.core.exceptions naming
    """The acting user's role may not take this step."""
