"""No code path writes a domain record without appending to the audit trail.

A static reading of every module of the package: a function that writes through the ORM
(`.save()`, `Model.objects.create/bulk_create/update/delete…`, a queryset's update or delete)
must call `audit.record` itself, through a helper of its module that does, or be a private
helper whose every caller in the module does. The few writes that are not records (sign-in
throttle counters, a token's last use) are listed below with their reason, so a new write
cannot slip in unnoticed: it fails here until it is audited or argued for.

The reading is a heuristic (it sees calls, not types); the behavioural tests of each app check
that the entries are really written (tests/audit/test_chain.py and the apps' own tests).
"""

from __future__ import annotations

import ast
from pathlib import Path

import jingzhun

PACKAGE = Path(jingzhun.__file__).parent

# "module path:function" → why the write needs no audit entry of its own.
NOT_RECORDS = {
    "accounts/services.py:token_user": "a token's last-use time, bookkeeping of the credential",
    "audit/services.py:record": "the audit entry itself",
    "registry/importing/kinds.py:load_orm": "bulk import: one entry per file, in importing.base",
    "monitoring/importing.py:load_orm": "bulk import: one entry per file, in importing.base",
}
_QUERYSET_WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
}
_NOT_MODELS = ("wb", "book", "image", "photo", "storage", "buffer")


def _orm_write(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    receiver = ast.unparse(func.value)
    if func.attr in _QUERYSET_WRITES and any(
        part in receiver for part in (".objects", ".filter(", ".exclude(", ".all()")
    ):
        return True
    if func.attr == "save":
        return not any(word in receiver.lower() for word in _NOT_MODELS)
    # instance.delete() on a plain name (a queryset's delete is caught above)
    return func.attr == "delete" and not call.args and isinstance(func.value, ast.Name)


def _is_audit_record(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and isinstance(func.value, ast.Name)
        and func.value.id == "audit"
    )


def _unaudited_writers(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    calls: dict[str, set[str]] = {}
    audits: dict[str, bool] = {}
    writes: dict[str, bool] = {}
    for name, node in functions.items():
        inner = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
        calls[name] = {
            c.func.id if isinstance(c.func, ast.Name) else c.func.attr
            for c in inner
            if isinstance(c.func, ast.Name | ast.Attribute)
        } & set(functions)
        audits[name] = any(_is_audit_record(c) for c in inner)
        writes[name] = any(_orm_write(c) for c in inner)

    def audited(name: str, seen: frozenset = frozenset()) -> bool:
        return audits[name] or any(
            audited(callee, seen | {name}) for callee in calls[name] - seen - {name}
        )

    def covered(name: str, seen: frozenset = frozenset()) -> bool:
        if audited(name):
            return True
        callers = [f for f, callees in calls.items() if name in callees and f != name]
        return (
            name.startswith("_")
            and bool(callers)
            and all(covered(c, seen | {name}) for c in callers if c not in seen)
        )

    return [name for name in functions if writes[name] and not covered(name)]


def test_every_function_that_writes_a_record_appends_to_the_audit_trail():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(PACKAGE).as_posix()
        for name in _unaudited_writers(path):
            if f"{relative}:{name}" not in NOT_RECORDS:
                found.append(f"{relative}:{name}")
    assert found == [], "writes without an audit entry (audit them, or argue in NOT_RECORDS)"


def test_the_reading_sees_the_writes_it_is_meant_to_see():
    # Guards against a heuristic that silently finds nothing.
    registry = PACKAGE / "registry" / "services.py"
    tree = ast.parse(registry.read_text(encoding="utf-8"))
    assert sum(_orm_write(n) for n in ast.walk(tree) if isinstance(n, ast.Call)) >= 5
    assert sum(_is_audit_record(n) for n in ast.walk(tree) if isinstance(n, ast.Call)) >= 4
    for key in NOT_RECORDS:
        module, name = key.split(":")
        assert name in _unaudited_writers(PACKAGE / module), f"{key} is audited now: unlist it"


def test_an_unaudited_write_is_caught_and_an_audited_helper_is_not(tmp_path):
    module = tmp_path / "services.py"
    module.write_text(
        "def forgets(h):\n"
        "    Household.objects.filter(pk=h.pk).update(group='x')\n"
        "\n"
        "def _helper(h):\n"
        "    h.save()\n"
        "\n"
        "def remembers(h):\n"
        "    _helper(h)\n"
        "    audit.record(by=None, action='x', object_type='household')\n",
        encoding="utf-8",
    )
    assert _unaudited_writers(module) == ["forgets"]
