"""The one scoping layer: every page, API handler, export, report and admin list asks here.

A scoped model names the path to its region code (`SCOPE_REGION`) and, where cadres reach it
through their paired households, the path to the household (`SCOPE_HOUSEHOLD`). A model with
no `SCOPE_REGION` cannot be scoped and is refused, so a new model cannot leak by omission.
Out-of-scope records answer 404, exactly like missing ones.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jingzhun.accounts.roles import role_of
from jingzhun.regions import codes


def region_prefix_for(user) -> str | None:
    """The code prefix the user's records must start with; '' means the whole registry.

    None means the user sees nothing by region (signed out, no role, no region).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ""
    role = role_of(user)
    if role is None or user.region_id is None:
        return None
    return codes.prefix(user.region_id)


def _paths(model: type[Model]) -> tuple[str, str | None]:
    region_path = getattr(model, "SCOPE_REGION", None)
    if not region_path:
        raise ImproperlyConfigured(f"{model.__name__} has no SCOPE_REGION: it cannot be scoped.")
    return region_path, getattr(model, "SCOPE_HOUSEHOLD", None)


def scope_q(user, model: type[Model]) -> Q | None:
    """The filter that bounds `model` for `user`; None: no restriction; Q(pk__in=[]): nothing."""
    region_path, household_path = _paths(model)
    nothing = Q(pk__in=[])
    prefix = region_prefix_for(user)
    if prefix is None:
        return nothing
    if prefix == "":
        return None
    role = role_of(user)
    if role is not None and role.key == "cadre":
        if not household_path:
            return Q(**{f"{region_path}__startswith": prefix})
        today = timezone.localdate()
        from jingzhun.assistance.models import Pairing

        paired = Pairing.objects.filter(cadre__user=user, start__lte=today).filter(
            Q(end__isnull=True) | Q(end__gte=today)
        )
        return Q(**{f"{household_path}__in": paired.values("household_id")}) & Q(
            **{f"{region_path}__startswith": prefix}
        )
    if role is not None and not role.sees_registry and household_path:
        return nothing
    return Q(**{f"{region_path}__startswith": prefix})


def visible(user, queryset: QuerySet) -> QuerySet:
    condition = scope_q(user, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def get_visible_or_404(user, queryset: QuerySet, **lookup):
    """The one lookup helper: a record out of scope is indistinguishable from a missing one."""
    try:
        return visible(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def can_see_region(user, code: str) -> bool:
    prefix = region_prefix_for(user)
    return prefix is not None and code.startswith(prefix)


def sub_regions(user, region, level: str | None = None) -> list:
    """The regions a roll-up breaks `region` into, as far as `user` may see them, in code
    order: its children, or with `level` every region of that level under it (the reports'
    village rows of a whole county in one roll-up instead of one per township)."""
    from jingzhun.regions.models import Region

    if level is None:
        below = region.children.all()
    else:
        below = Region.objects.filter(level=level, code__startswith=region.prefix)
    return list(visible(user, below).order_by("code"))
