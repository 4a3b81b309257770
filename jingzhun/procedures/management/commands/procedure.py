"""`jingzhun procedure list|show|open|step|object|resolve ...`: the engine from the command line.

Every write names the acting user (`--as USERNAME`) and goes through the same services as the
pages and the API, so the same roles, order and notice periods apply. Exit status: 0 done,
1 refused (nothing written), 2 usage error.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from jingzhun.core.errors import ConflictError, PermissionDenied
from jingzhun.core.output import write_csv, write_json
from jingzhun.registry.models import Household
from jingzhun.registry.stats import COMMAND_LINE

from ... import selectors, services
from ...models import Case, Objection

LIST_COLUMNS = ["reference", "kind", "household_no", "village_code", "year", "step", "status"]


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms)
    return "; ".join(exc.messages)


def _params(pairs: list[str], raw_json: str | None) -> dict:
    params: dict = {}
    if raw_json:
        try:
            loaded = json.loads(raw_json)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--params-json: {exc}", returncode=2) from exc
        if not isinstance(loaded, dict):
            raise CommandError("--params-json must be a JSON object", returncode=2)
        params.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--param expects KEY=VALUE, got {pair!r}", returncode=2)
        params[key] = value
    return params


class Command(BaseCommand):
    help = "Procedure cases: list, show, open, take a step, record and resolve objections."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        listing = sub.add_parser("list", help="cases, filtered")
        listing.add_argument("--region")
        listing.add_argument("--kind")
        listing.add_argument("--status")
        listing.add_argument("--year", type=int)
        listing.add_argument("--format", choices=["json", "csv", "text"], default="text")

        show = sub.add_parser("show", help="one case with its events")
        show.add_argument("reference")
        show.add_argument("--format", choices=["json", "text"], default="text")

        for name, helptext in (("open", "open a case"), ("step", "take the next step")):
            p = sub.add_parser(name, help=helptext)
            p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME")
            p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
            p.add_argument("--params-json", metavar="JSON")
            if name == "open":
                p.add_argument("household_no")
                p.add_argument("--kind", required=True)
                p.add_argument("--year", type=int, required=True)
            else:
                p.add_argument("reference")
                p.add_argument("step")

        obj = sub.add_parser("object", help="record an objection to the case's current notice")
        obj.add_argument("reference")
        obj.add_argument("--name", required=True)
        obj.add_argument("--text", required=True)
        obj.add_argument("--contact", default="")
        obj.add_argument("--as", dest="as_user", metavar="USERNAME")

        res = sub.add_parser("resolve", help="resolve an objection")
        res.add_argument("objection_id", type=int)
        res.add_argument("--as", dest="as_user", required=True, metavar="USERNAME")
        verdict = res.add_mutually_exclusive_group(required=True)
        verdict.add_argument("--upheld", action="store_true")
        verdict.add_argument("--dismissed", action="store_true")
        res.add_argument("--reasons", required=True)

    def handle(self, *args, subcommand: str, **options):
        try:
            getattr(self, f"_{subcommand}")(**options)
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=1) from exc
        except ConflictError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        except ValidationError as exc:
            raise CommandError(_messages(exc), returncode=1) from exc

    def _user(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no such user: {username}", returncode=2)
        return user

    def _case(self, reference: str, user=None) -> Case:
        try:
            return selectors.case_get(user=user or COMMAND_LINE, reference=reference)
        except Http404 as exc:
            raise CommandError(f"no such case: {reference}", returncode=1) from exc

    def _list(self, *, region, kind, status, year, format, **_):
        cases = selectors.case_list(
            user=COMMAND_LINE, region_code=region, kind=kind, status=status, year=year
        )
        rows = (
            {
                "reference": c.reference,
                "kind": c.kind,
                "household_no": c.household.household_no,
                "village_code": c.household.village_id,
                "year": c.year,
                "step": c.step,
                "status": c.status,
            }
            for c in cases.iterator()
        )
        if format == "json":
            write_json(self.stdout, list(rows))
        elif format == "csv":
            write_csv(self.stdout, rows, LIST_COLUMNS)
        else:
            for row in rows:
                self.stdout.write("  ".join(str(row[c]) for c in LIST_COLUMNS))

    def _show(self, *, reference, format, **_):
        case = self._case(reference)
        nxt = services.next_step(case)
        data = {
            "reference": case.reference,
            "kind": case.kind,
            "household_no": case.household.household_no,
            "year": case.year,
            "status": case.status,
            "step": case.step,
            "next_step": nxt.key if nxt else None,
            "blocked": services.gate(case) if nxt else [],
            "plan": case.plan,
            "pack_id": case.pack_id,
            "assessment": case.assessment,
            "events": [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "action": e.action,
                    "step": e.step,
                    "by": e.by_name,
                    "params": e.params,
                }
                for e in selectors.case_events(case=case)
            ],
        }
        if format == "json":
            write_json(self.stdout, data)
            return
        self.stdout.write(
            f"{case.reference}  {case.status}  step={case.step}  next={data['next_step']}"
        )
        for reason in data["blocked"]:
            self.stdout.write(f"  blocked: {reason}")
        for e in data["events"]:
            self.stdout.write(
                f"  #{e['seq']} {e['at']:%Y-%m-%d %H:%M} {e['action']} {e['step']} {e['by']}"
            )

    def _open(self, *, household_no, kind, year, as_user, param, params_json, **_):
        user = self._user(as_user)
        if kind not in services.REGISTER_KINDS:
            raise CommandError(
                f"--kind: one of {', '.join(services.REGISTER_KINDS)} (other modules open "
                "their own kinds)",
                returncode=2,
            )
        household = Household.objects.filter(household_no=household_no).first()
        if household is None:
            raise CommandError(f"no such household: {household_no}", returncode=1)
        case = services.case_open(
            by=user, kind=kind, household=household, year=year, params=_params(param, params_json)
        )
        self.stdout.write(case.reference)

    def _step(self, *, reference, step, as_user, param, params_json, **_):
        user = self._user(as_user)
        case = services.step_take(
            by=user, case=self._case(reference), step=step, params=_params(param, params_json)
        )
        self.stderr.write(f"{case.reference}: {step} done ({case.status})")

    def _object(self, *, reference, name, text, contact, as_user, **_):
        case = self._case(reference)
        notice = services.current_notice(case)
        if notice is None:
            raise CommandError("the case is not at a notice", returncode=1)
        objection = services.objection_lodge(
            notice=notice,
            case=case,
            name=name,
            text=text,
            contact=contact,
            by=self._user(as_user),
        )
        self.stdout.write(str(objection.pk))

    def _resolve(self, *, objection_id, as_user, upheld, dismissed, reasons, **_):
        objection = Objection.objects.filter(pk=objection_id).first()
        if objection is None:
            raise CommandError(f"no such objection: {objection_id}", returncode=1)
        services.objection_resolve(
            by=self._user(as_user), objection=objection, upheld=upheld, reasons=reasons
        )
        self.stderr.write(f"objection {objection_id}: {'upheld' if upheld else 'dismissed'}")
