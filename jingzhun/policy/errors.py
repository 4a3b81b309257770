"""The one exception the policy engine raises."""

from __future__ import annotations


class PolicyError(ValueError):
    """A pack could not be loaded or used; the message names the file and the key."""

    @classmethod
    def at(cls, file: str, key: str, message: str) -> PolicyError:
        return cls(f"{file}: {key}: {message}" if key else f"{file}: {message}")
