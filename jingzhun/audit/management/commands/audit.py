"""`jingzhun audit verify [--expect-head SEQ:HASH]` and `jingzhun audit head`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from jingzhun.audit.models import AuditEntry
from jingzhun.audit.services import verify


def _head() -> tuple[int, str] | None:
    return AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()


class Command(BaseCommand):
    help = "Check the hash-chained audit trail end to end, or print its head for safekeeping."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        check = sub.add_parser("verify", help="walk the chain; exit 1 at the first broken entry")
        check.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="the head printed by `audit head` earlier: also detects entries removed from "
            "the end, which the chain alone cannot",
        )
        check.add_argument("--format", choices=["text", "json"], default="text")
        head = sub.add_parser("head", help="print SEQ:HASH of the newest entry")
        head.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            self._verify(options["expect_head"], options["format"])
        elif subcommand == "head":
            head = _head()
            if options["format"] == "json":
                data = {"seq": head[0], "hash": head[1]} if head else None
                self.stdout.write(json.dumps(data))
            else:
                self.stdout.write(f"{head[0]}:{head[1]}" if head else "0:")

    def _verify(self, expect_head: str | None, fmt: str) -> None:
        result = verify()
        problem = None
        if not result.ok:
            problem = (result.broken_seq, result.reason)
        elif expect_head:
            problem = self._check_head(expect_head, result.checked)
        if fmt == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "ok": problem is None,
                        "checked": result.checked,
                        "broken_seq": problem[0] if problem else None,
                        "reason": problem[1] if problem else "",
                    },
                    ensure_ascii=False,
                )
            )
        if problem is not None:
            raise CommandError(
                f"audit trail broken at entry #{problem[0]}: {problem[1]}", returncode=1
            )
        if fmt == "text":
            self.stdout.write(f"{result.checked} entries verified")

    def _check_head(self, expect: str, checked: int) -> tuple[int, str] | None:
        seq_text, _, digest = expect.partition(":")
        if not seq_text.isdigit() or len(digest) != 64:
            raise CommandError("--expect-head takes SEQ:HASH as printed by `audit head`", 2)
        seq = int(seq_text)
        row = AuditEntry.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if row is None or seq > checked:
            return seq, f"entry #{seq} is missing: the trail ends at #{checked}"
        if row != digest:
            return seq, f"entry #{seq} is not the head recorded earlier"
        return None
