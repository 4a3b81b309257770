"""The two monitoring procedures, run by the procedures engine (docs/procedures.md):

* `monitoring_identification` 监测对象认定: 排查发现/农户申请 → 村级评议 → 村公示 → 乡镇审核 →
  县审定. Opened when a verified alert is submitted; its decision identifies the household
  (every alert of the household waiting on the case becomes `decided`, and the minimum period
  of risk elimination runs from that day); a rejection closes those alerts (kept, `closed`).
* `risk_elimination` 风险消除: 入户核实与申请 → 村公示 → 县审定. The county's approval re-checks
  the elimination criteria (`assess`: anything unmet refuses the approval, nothing written).

The hooks run inside the engine's transaction and write the alert's own timeline and audit.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.procedures.kinds import (
    APPLY,
    DECIDE,
    NOTICE,
    REVIEW,
    Kind,
    Step,
    get_kind,
    register_kind,
)

IDENTIFICATION = "monitoring_identification"
ELIMINATION = "risk_elimination"

VILLAGE = frozenset({"village_officer"})
TOWNSHIP = frozenset({"township_officer"})
COUNTY = frozenset({"county_admin"})
RESOLVERS = frozenset({"village_officer", "township_officer"})
# Monitoring objects are exited households and never-poor ones registered as monitored.
FROM_STATUSES = frozenset({"exited", "monitored"})


def _pack_for(*, household, year, case=None):
    from .scan import monitoring_pack

    return monitoring_pack(year, case.pack_id if case is not None and case.pack_id else None)


def _identified(*, case, by):
    from . import services

    services.on_identification_decided(case=case, by=by)


def _identification_closed(*, case, by):
    from . import services

    services.on_identification_closed(case=case, by=by)


def _eliminated(*, case, by):
    from . import services

    services.on_elimination_decided(case=case, by=by)


def _elimination_closed(*, case, by):
    from . import services

    services.on_elimination_closed(case=case, by=by)


def _elimination_assess(*, case, household):
    from . import services

    return services.elimination_assessment(case=case)


def register() -> None:
    try:
        get_kind(IDENTIFICATION)
        return  # registered already (ready() may run twice in tests)
    except LookupError:
        pass
    register_kind(
        Kind(
            key=IDENTIFICATION,
            label=_("监测对象认定"),
            label_en="identification of a monitoring object",
            from_statuses=FROM_STATUSES,
            steps=(
                Step("application", _("排查发现/农户申请"), APPLY, VILLAGE),
                Step("village_review", _("村级评议"), REVIEW, VILLAGE),
                Step(
                    "village_notice",
                    _("村公示"),
                    NOTICE,
                    VILLAGE,
                    notice_level="village",
                    resolver_roles=RESOLVERS,
                ),
                Step("township_review", _("乡镇审核"), REVIEW, TOWNSHIP),
                Step("county_approval", _("县审定"), DECIDE, COUNTY),
            ),
            on_decided=_identified,
            on_closed=_identification_closed,
            pack_for=_pack_for,
        )
    )
    register_kind(
        Kind(
            key=ELIMINATION,
            label=_("风险消除"),
            label_en="risk elimination",
            from_statuses=FROM_STATUSES,
            steps=(
                Step("application", _("入户核实与申请"), APPLY, VILLAGE),
                Step(
                    "village_notice",
                    _("村公示"),
                    NOTICE,
                    VILLAGE,
                    notice_level="village",
                    resolver_roles=RESOLVERS,
                ),
                Step("county_approval", _("县审定"), DECIDE, COUNTY),
            ),
            on_decided=_eliminated,
            on_closed=_elimination_closed,
            assess=_elimination_assess,
            pack_for=_pack_for,
        )
    )
