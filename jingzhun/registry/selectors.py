"""Reads from the registry, always through the scoping layer."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from jingzhun.audit.models import AuditEntry
from jingzhun.core import scoping
from jingzhun.core.idnumber import IdNumberError, parse_id_number
from jingzhun.core.money import per_capita_yuan
from jingzhun.regions import codes
from jingzhun.regions.models import Region

from .models import Household, Income, Member


def household_list(
    *,
    user,
    region_code: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[Household]:
    """Households the user may see, narrowed by region, status and a search term.

    The term matches a household number (prefix), a whole ID number, or a member's name.
    """
    households = scoping.visible(user, Household.objects.select_related("village"))
    if region_code:
        households = households.filter(village__code__startswith=codes.prefix(region_code))
    if status:
        households = households.filter(status=status)
    term = (q or "").strip()
    if term:
        try:
            number = parse_id_number(term).number
        except IdNumberError:
            number = None
        if number:
            households = households.filter(members__id_number=number)
        else:
            named = Member.objects.filter(household=OuterRef("pk"), name__contains=term)
            households = households.filter(Q(household_no__startswith=term) | Q(Exists(named)))
    return households.annotate(persons=Count("members", distinct=True)).order_by("household_no")


def household_get(*, user, household_no: str) -> Household:
    return scoping.get_visible_or_404(
        user, Household.objects.select_related("village"), household_no=household_no
    )


def household_members(*, household: Household) -> list[Member]:
    # Head first, then by relation and age, as a register lists them.
    order = {"head": 0, "spouse": 1, "parent": 2, "child": 3, "grandchild": 4, "sibling": 5}
    return sorted(
        household.members.all(), key=lambda m: (order.get(m.relation, 9), m.birth_date, m.pk)
    )


def household_incomes(*, household: Household) -> list[dict]:
    persons = household.members.count()
    rows = []
    for income in Income.objects.filter(household=household).order_by("-year"):
        rows.append(
            {
                "income": income,
                "net_fen": income.net_fen,
                "per_capita": per_capita_yuan(income.net_fen, persons),
            }
        )
    return rows


def household_history(*, household: Household) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(household_no=household.household_no).order_by("-seq")


def region_get(*, user, code: str) -> Region:
    return scoping.get_visible_or_404(user, Region.objects.all(), code=code)


def region_named_or_home(*, user, code: str | None) -> Region:
    """The region a page names (6- or 12-digit code), else the user's own. Malformed, missing
    and out-of-scope codes all answer 404, as does a user with no region of their own."""
    if not code:
        region = home_region_for(user)
        if region is None:
            raise Http404
        return region
    try:
        normalized = codes.normalize_code(code)
    except codes.RegionCodeError as exc:
        raise Http404 from exc
    return region_get(user=user, code=normalized)


def region_children(*, user, region: Region) -> list[dict]:
    """Each child with its households, persons and poor households within the user's scope."""
    children = list(scoping.visible(user, region.children.all()).order_by("code"))
    if not children:
        return []
    households = scoping.visible(user, Household.objects.all()).filter(
        village__code__startswith=region.prefix
    )
    child_len = codes.LEVEL_PREFIX[children[0].level]
    from django.db.models.functions import Substr

    stats = {
        row["child"]: row
        for row in households.annotate(child=Substr("village_id", 1, child_len))
        .values("child")
        .annotate(
            households=Count("id"),
            poor=Count("id", filter=Q(status__in=("poor", "returned"))),
        )
    }
    persons = {
        row["child"]: row["n"]
        for row in scoping.visible(user, Member.objects.all())
        .filter(household__village__code__startswith=region.prefix)
        .annotate(child=Substr("household__village_id", 1, child_len))
        .values("child")
        .annotate(n=Count("id"))
    }
    result = []
    for child in children:
        key = child.code[:child_len]
        row = stats.get(key, {})
        result.append(
            {
                "region": child,
                "households": row.get("households", 0),
                "poor_households": row.get("poor", 0),
                "persons": persons.get(key, 0),
            }
        )
    return result


def region_breadcrumbs(*, user, region: Region) -> list[Region]:
    """The region's ancestors the user may see, then the region itself."""
    chain = codes.ancestors(region.code)
    visible = {r.code: r for r in scoping.visible(user, Region.objects.filter(code__in=chain))}
    return [visible[c] for c in chain if c in visible] + [region]


def home_region_for(user) -> Region | None:
    if getattr(user, "region_id", None):
        return user.region
    if getattr(user, "is_superuser", False):
        return Region.objects.filter(parent__isnull=True).order_by("code").first()
    return None
