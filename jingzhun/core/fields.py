"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models


class BytewiseCharField(models.CharField):
    """A CharField that PostgreSQL compares and sorts byte by byte: the column is collated
    "C". For codes such as ID numbers (digits and X), where the byte order is the only order
    anyone means. PostgreSQL 15 sorts "C" text with memcmp and abbreviated keys, and any
    other collation (this database's C.UTF-8 too) through strcoll: the unique index on
    members' ID numbers builds in about 0.6 s instead of 0.95 s at 1M members
    (docs/benchmarks.md). Equality is unchanged (both collations are deterministic); a
    comparison with a column of the default collation takes "C".

    SQLite knows no collation of that name; there the column is as a CharField's (SQLite
    compares text bytewise, BINARY, anyway)."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
