"""References checked once per statement instead of once per row (PostgreSQL).

PostgreSQL checks a foreign key row by row: every inserted row queues a trigger event, runs
one lookup of its parent and locks the parent row (`FOR KEY SHARE`), dirtying the parent's
page. A monitoring scan writes 230,000 classes and alerts into a county at once; their
household, region and cadre checks were 1.6–2.8 s of a 5–9 s first scan (docs/benchmarks.md).

For the references named here, a database-only migration swaps the foreign-key constraint for
statement triggers that keep the same promise (docs/decisions.md §16):

- The child's `AFTER INSERT` and `AFTER UPDATE` triggers look every new row's parent up in
  one anti-join over the statement's transition table, and raise `foreign_key_violation`
  (SQLSTATE 23503, Django's `IntegrityError`) naming the first missing key, as the
  constraint would.
- The parent's `AFTER DELETE` trigger first takes `SHARE ROW EXCLUSIVE` on the child table,
  which waits for any transaction still writing children (they hold `ROW EXCLUSIVE`) and
  keeps new ones out until it ends, then looks for children of the deleted keys, with a
  fresh snapshot, and raises if there are any: the constraint's `NO ACTION`, which Django's
  `PROTECT` (checked in Python before the delete) already implies.
- The parent's key may not change while children name it (a `BEFORE UPDATE OF key` row
  trigger refuses it; the application never changes a primary key).

What the row-by-row check had that this has not: it also held under REPEATABLE READ and
SERIALIZABLE, where a trigger's query sees the transaction's snapshot (the application runs
READ COMMITTED), and it was visible to Django's introspection. Raw SQL is covered (inserts,
updates and deletes all fire the triggers) except `TRUNCATE` of the parent, which a real
constraint refuses and a trigger does not see.

SQLite keeps Django's deferred constraint: it checks the references of a transaction at its
commit, one writer at a time, and its speed is not a goal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """`child.column` names `parent.key`."""

    child: str
    column: str
    parent: str
    key: str

    @property
    def name(self) -> str:
        return f"jz_ref_{self.child}_{self.column}"


def _ident(name: str) -> str:
    # Table and column names come from the models, never from input; quoted all the same.
    return '"' + name.replace('"', '""') + '"'


def child_check_sql(ref: Reference, *, small_parent: bool = False) -> str:
    """The function of the child's insert and update triggers. The first missing key is looked
    for with `LIMIT 1`, which has PostgreSQL probe the parent's key index once per new row: the
    right plan against a large parent (a county's households). `small_parent` (a table of a
    few thousand rows: regions, cadres) drops it, so the parent is read once into a hash that
    every new row is looked up in (a county's 118,283 alerts: 95 ms probing, 28 ms hashed;
    the households hashed took 301 ms against 97 probing, docs/benchmarks.md)."""
    column, parent, key = map(_ident, (ref.column, ref.parent, ref.key))
    return _refusing_function(
        f"{ref.name}_child",
        lock="",
        offender=f"""SELECT n.{column}::text INTO offender FROM jz_new n
    WHERE n.{column} IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = n.{column})""",
        action="insert or update",
        detail=f'Key ({ref.column})=(%s) is not present in table "{ref.parent}".',
        ref=ref,
        limit=not small_parent,
    )


def install_sql(ref: Reference, *, small_parent: bool = False) -> list[str]:
    """The PostgreSQL statements that create the triggers of `ref` (the constraint is dropped
    apart, by name: see `swap_in`)."""
    child, column, parent, key = map(_ident, (ref.child, ref.column, ref.parent, ref.key))
    n = ref.name
    child_check = child_check_sql(ref, small_parent=small_parent)
    parent_check = _refusing_function(
        f"{n}_parent",
        lock=f"LOCK TABLE {child} IN SHARE ROW EXCLUSIVE MODE;",
        offender=f"""SELECT o.{key}::text INTO offender FROM jz_old o
    WHERE EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = o.{key})""",
        action="update or delete",
        detail=f'Key ({ref.key})=(%s) is still referenced from table "{ref.child}".',
        ref=ref,
    )
    key_change = f"""
CREATE FUNCTION {n}_key() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.{key}) THEN
        RAISE EXCEPTION 'update on table "%" violates reference "%"', TG_TABLE_NAME, '{n}'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key ({ref.key})=(%s) is still referenced from table "{ref.child}".',
                                  OLD.{key});
    END IF;
    RETURN NEW;
END
$fn$"""
    return [
        child_check,
        f"CREATE TRIGGER {n}_ins AFTER INSERT ON {child} REFERENCING NEW TABLE AS jz_new"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {n}_child()",
        # Transition tables cannot go with a column list: every update of a child is
        # checked, which for the application's updates (one alert, or an escalation's
        # batch) is one small anti-join.
        f"CREATE TRIGGER {n}_upd AFTER UPDATE ON {child} REFERENCING NEW TABLE AS jz_new"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {n}_child()",
        parent_check,
        f"CREATE TRIGGER {n}_del AFTER DELETE ON {parent} REFERENCING OLD TABLE AS jz_old"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {n}_parent()",
        key_change,
        f"CREATE TRIGGER {n}_key BEFORE UPDATE OF {key} ON {parent} FOR EACH ROW"
        f" WHEN (OLD.{key} IS DISTINCT FROM NEW.{key}) EXECUTE FUNCTION {n}_key()",
    ]


def _refusing_function(
    name: str,
    *,
    lock: str,
    offender: str,
    action: str,
    detail: str,
    ref: Reference,
    limit: bool = True,
) -> str:
    """A statement trigger's function: take `lock`, find the first offending key with the
    `offender` query (`SELECT … INTO offender …`) and raise a foreign-key violation naming it,
    worded as PostgreSQL words its own."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE offender text;
BEGIN
    {lock}
    {offender}{" LIMIT 1" if limit else ""};
    IF FOUND THEN
        RAISE EXCEPTION '{action} on table "%" violates reference "%"', TG_TABLE_NAME, '{ref.name}'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('{detail}', offender);
    END IF;
    RETURN NULL;
END
$fn$"""


def remove_sql(ref: Reference) -> list[str]:
    child, parent = _ident(ref.child), _ident(ref.parent)
    n = ref.name
    return [
        f"DROP TRIGGER IF EXISTS {n}_ins ON {child}",
        f"DROP TRIGGER IF EXISTS {n}_upd ON {child}",
        f"DROP TRIGGER IF EXISTS {n}_del ON {parent}",
        f"DROP TRIGGER IF EXISTS {n}_key ON {parent}",
        f"DROP FUNCTION IF EXISTS {n}_child()",
        f"DROP FUNCTION IF EXISTS {n}_parent()",
        f"DROP FUNCTION IF EXISTS {n}_key()",
    ]


def constraint_names(cursor, ref: Reference) -> list[str]:
    """The foreign-key constraints on `child.column` (Django's generated name)."""
    cursor.execute(
        """
        SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s
        """,
        [ref.child, ref.column],
    )
    return [row[0] for row in cursor.fetchall()]


def installed(cursor, ref: Reference) -> set[str]:
    """The names of `ref`'s triggers present in the database."""
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
        [ref.name + "\\_%"],
    )
    return {row[0] for row in cursor.fetchall()}


TRIGGERS = ("ins", "upd", "del", "key")


def swap_in(schema_editor, model, field_name: str) -> None:
    """Migration step: replace the foreign key of `model.field_name` by statement triggers."""
    if schema_editor.connection.vendor != "postgresql":
        return
    ref = reference_of(model, field_name)
    with schema_editor.connection.cursor() as cursor:
        for name in constraint_names(cursor, ref):
            schema_editor.execute(
                f"ALTER TABLE {_ident(ref.child)} DROP CONSTRAINT {_ident(name)}", None
            )
    # No parameters: the bodies hold `%` of their own (plpgsql's RAISE and format).
    for sql in install_sql(ref):
        schema_editor.execute(sql, None)


def set_small_parent(schema_editor, model, field_name: str, small: bool) -> None:
    """Migration step: re-create the child check of `model.field_name` (see child_check_sql)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    ref = reference_of(model, field_name)
    schema_editor.execute(child_check_sql(ref, small_parent=small), None)


def swap_out(schema_editor, model, field_name: str) -> None:
    """Reverse of `swap_in`: the triggers go, Django's foreign-key constraint comes back."""
    if schema_editor.connection.vendor != "postgresql":
        return
    ref = reference_of(model, field_name)
    for sql in remove_sql(ref):
        schema_editor.execute(sql, None)
    field = model._meta.get_field(field_name)
    schema_editor.execute(
        schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
    )


def reference_of(model, field_name: str) -> Reference:
    field = model._meta.get_field(field_name)
    target = field.target_field
    return Reference(
        child=model._meta.db_table,
        column=field.column,
        parent=target.model._meta.db_table,
        key=target.column,
    )
