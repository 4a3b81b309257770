"""Procedure kinds and their steps, as data.

A kind is a sequence of steps; each step names who may take it and what it records. The
engine (services.py) only ever takes the next step of a case's frozen plan, as the step's
role, for a household in the taker's scope: the rules live here, the enforcement there, and
pages, the API, commands and admin all go through it.

Other apps plug in their own kinds with `register_kind` (see docs/procedures.md); the
built-in ones are registered at the bottom of this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# What taking a step records and checks (services.py has one handler per action).
APPLY = "apply"  # the application or proposal that opens the case
MEETING = "meeting"  # 民主评议: attendance and votes; fewer than half in favour rejects
AGREEMENT = "agreement"  # the household's own signed agreement
NOTICE = "notice"  # a public notice with a period during which anyone may object
REVIEW = "review"  # township (or county) review: approve, or reject with reasons
VERIFY = "verify"  # a home verification visit, with findings
DECIDE = "decide"  # the final decision and announcement (公告): the case is decided

ACTIONS = (APPLY, MEETING, AGREEMENT, NOTICE, REVIEW, VERIFY, DECIDE)

VILLAGE = frozenset({"village_officer"})
TOWNSHIP = frozenset({"township_officer"})
COUNTY = frozenset({"county_admin"})

DEFAULT_NOTICE_DAYS = 7


@dataclass(frozen=True)
class Step:
    key: str
    label: str  # Chinese, translated via gettext
    action: str
    roles: frozenset[str]
    # For a NOTICE: the region level the notice is posted at ("village" or "township"), the
    # pack parameter that sets its period, and who may resolve objections lodged against it.
    notice_level: str = ""
    period_param: str = "notice_days"
    resolver_roles: frozenset[str] = frozenset()
    # A step that exists only when the active pack asks for it: the pack parameter (a list of
    # kind keys) that must name this case's kind.
    only_if_pack_lists: str = ""
    # DECIDE: record the pack's sign-offs (六签字), each with the name of who signed.
    sign_offs: bool = False

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ValueError(f"step {self.key}: unknown action {self.action!r}")
        if self.action == NOTICE and self.notice_level not in ("village", "township"):
            raise ValueError(f"step {self.key}: a notice is posted at village or township level")


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    steps: tuple[Step, ...]
    # Household statuses from which a case of this kind may be opened.
    from_statuses: frozenset[str]
    # Called inside the decision's transaction with (case=, by=): the effect of the decision.
    on_decided: Callable[..., Any] | None = None
    # Called inside the transaction when a case is rejected or withdrawn, with (case=, by=).
    on_closed: Callable[..., Any] | None = None
    # Called at opening and at the decision with (case=, household=): a dict frozen into the
    # case; a dict with "passed": False refuses the decision (the exit standard).
    assess: Callable[..., dict | None] | None = None
    # The policy pack whose parameters (periods, sign-offs, optional steps) apply; None: the
    # household's active registry pack (jingzhun.assessments.selectors.active_pack_id).
    pack_for: Callable[..., Any] | None = None
    # Checks and normalises the application's parameters (raise ValidationError to refuse).
    check_application: Callable[[dict], dict] | None = None
    label_en: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError(f"kind {self.key}: step keys repeat")
        if not self.steps or self.steps[0].action != APPLY:
            raise ValueError(f"kind {self.key}: the first step must be the application ({APPLY})")
        if self.steps[-1].action != DECIDE:
            raise ValueError(f"kind {self.key}: the last step must be the decision ({DECIDE})")

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)


_KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind, *, replace: bool = False) -> Kind:
    """Make a kind available to the engine. Call it from your app's `AppConfig.ready`."""
    if kind.key in _KINDS and not replace and _KINDS[kind.key] is not kind:
        raise ValueError(f"procedure kind {kind.key!r} is already registered")
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> Kind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"unknown procedure kind {key!r}") from None


def all_kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in _KINDS.values()]


def plan_for(kind: Kind, pack) -> list[str]:
    """The step keys a new case of `kind` will go through under `pack` (frozen into the case)."""
    keys = []
    for step in kind.steps:
        if step.only_if_pack_lists:
            listed = _pack_value(pack, step.only_if_pack_lists, ())
            if kind.key not in listed:
                continue
        keys.append(step.key)
    return keys


def _pack_value(pack, name: str, default):
    if pack is None:
        return default
    parameter = getattr(pack, "parameters", {}).get(name)
    return default if parameter is None else parameter.value


def notice_days(pack, step: Step) -> int:
    return int(_pack_value(pack, step.period_param, DEFAULT_NOTICE_DAYS))


def sign_off_labels(pack) -> tuple[str, ...]:
    return tuple(_pack_value(pack, "sign_offs", ()))


# --- the built-in kinds: 两公示一公告 --------------------------------------------------------

VILLAGE_AND_TOWNSHIP = VILLAGE | TOWNSHIP
TOWNSHIP_AND_COUNTY = TOWNSHIP | COUNTY


def _meeting() -> Step:
    return Step("meeting", _("民主评议"), MEETING, VILLAGE)


def _village_notice() -> Step:
    return Step(
        "village_notice",
        _("村公示"),
        NOTICE,
        VILLAGE,
        notice_level="village",
        resolver_roles=VILLAGE_AND_TOWNSHIP,
    )


def _township_review() -> Step:
    return Step("township_review", _("乡镇审核"), REVIEW, TOWNSHIP)


def _township_notice() -> Step:
    return Step(
        "township_notice",
        _("乡镇公示"),
        NOTICE,
        TOWNSHIP,
        notice_level="township",
        resolver_roles=TOWNSHIP_AND_COUNTY,
        only_if_pack_lists="township_notice_for",
    )


def builtin_kinds() -> tuple[Kind, ...]:
    # The decisions' effects live in decisions.py (they call the registry's services).
    from . import decisions

    return (
        Kind(
            key="identification",
            label=_("贫困户识别"),
            label_en="identification",
            from_statuses=frozenset({"monitored", "removed"}),
            steps=(
                Step("application", _("农户申请"), APPLY, VILLAGE),
                _meeting(),
                _village_notice(),
                _township_review(),
                _township_notice(),
                Step("county_approval", _("县审批公告"), DECIDE, COUNTY),
            ),
            on_decided=decisions.identify,
        ),
        Kind(
            key="exit",
            label=_("贫困户退出"),
            label_en="exit",
            from_statuses=frozenset({"poor", "returned"}),
            steps=(
                Step("proposal", _("退出申请/提名"), APPLY, VILLAGE),
                _meeting(),
                Step("household_agreement", _("农户签字认可"), AGREEMENT, VILLAGE),
                _village_notice(),
                _township_review(),
                _township_notice(),
                Step("county_approval", _("县审批公告（销号）"), DECIDE, COUNTY, sign_offs=True),
            ),
            on_decided=decisions.exit_household,
            assess=decisions.exit_assessment,
        ),
        Kind(
            key="return",
            label=_("返贫"),
            label_en="return to poverty",
            from_statuses=frozenset({"exited", "monitored"}),
            steps=(
                Step("application", _("农户申请/排查发现"), APPLY, VILLAGE),
                _meeting(),
                _village_notice(),
                _township_review(),
                _township_notice(),
                Step("county_approval", _("县审批公告"), DECIDE, COUNTY),
            ),
            on_decided=decisions.return_to_poverty,
        ),
        Kind(
            key="removal",
            label=_("自然减少/错评清退"),
            label_en="removal",
            from_statuses=frozenset({"poor", "returned", "exited", "monitored"}),
            steps=(
                Step("proposal", _("村提出（附证明）"), APPLY, VILLAGE),
                _village_notice(),
                _township_review(),
                Step("county_approval", _("县审批"), DECIDE, COUNTY),
            ),
            on_decided=decisions.remove,
            check_application=decisions.check_removal_application,
        ),
    )


def register_builtin_kinds() -> None:
    for kind in builtin_kinds():
        register_kind(kind, replace=True)
