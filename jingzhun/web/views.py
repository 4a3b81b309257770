"""Pages. Thin: look up through selectors / core.scoping, write through registry.services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jingzhun.accounts.roles import role_of
from jingzhun.accounts.services import LockedOut, login_attempt
from jingzhun.assessments import selectors as assessments
from jingzhun.assistance import permissions as assistance_perms
from jingzhun.assistance import selectors as assistance
from jingzhun.core import privacy, scoping
from jingzhun.core.errors import ConflictError
from jingzhun.funds import selectors as funds
from jingzhun.monitoring import selectors as monitoring
from jingzhun.registry import selectors, services
from jingzhun.registry.models import Member
from jingzhun.reports import selectors as reports

from . import presenters
from .forms import (
    HouseholdForm,
    IncomeForm,
    LoginForm,
    MemberForm,
    apply_domain_errors,
    member_formset,
)

PAGE_SIZE = 50


def can_write(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    role = role_of(user)
    return bool(role and role.writes_registry)


def writer_required(view):
    """Only roles that write the registry reach the view; the others get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_write(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _conflict_message() -> str:
    return _("记录已被他人修改，您的修改未保存。请刷新页面查看最新内容后重新填写。")


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# -- signing in and out ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = LoginForm(request.POST or None)
    locked = None
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except LockedOut as exc:
            locked = _("登录失败次数过多，账号已暂时锁定，请 %(minutes)s 分钟后再试。") % {
                "minutes": exc.seconds // 60 + 1
            }
        else:
            if user is not None:
                login(request, user)
                return HttpResponseRedirect(next_url or reverse("home"))
            form.add_error(None, _("用户名或密码错误。"))
    return render(request, "web/login.html", {"form": form, "next": next_url, "locked": locked})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


# -- regions and search ---------------------------------------------------------------------


@login_required
def home(request):
    region = selectors.home_region_for(request.user)
    if region is None:
        return render(request, "web/no_region.html", status=200)
    return redirect("region", code=region.code)


def _year(request) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None


def _region_links(user, region) -> list[tuple[str, str]]:
    """The region's other pages, for the roles that may open them."""
    links = []
    if reports.may_read(user):
        links += [
            (_("统计报表"), reverse("reports:dashboard", args=[region.code])),
            (_("资金与项目"), f"{reverse('funds:report')}?region={region.code}"),
            (_("数据质量"), reverse("quality:region", args=[region.code])),
        ]
    if assistance_perms.sees_steering(user):
        links.append((_("帮扶覆盖"), reverse("assistance:coverage", args=[region.code])))
    if user.is_superuser or getattr(role_of(user), "sees_registry", False):
        links.append((_("识别退出程序"), reverse("procedures:region", args=[region.code])))
        links.append((_("防返贫监测预警"), reverse("monitoring:region", args=[region.code])))
    return links


@login_required
def region_detail(request, code: str):
    region = selectors.region_get(user=request.user, code=code)
    context = {
        "region": region,
        "breadcrumbs": selectors.region_breadcrumbs(user=request.user, region=region),
        "can_write": can_write(request.user),
        "assessment": assessments.region_panel(region=region, year=_year(request)),
        "region_links": _region_links(request.user, region),
    }
    if assistance_perms.sees_steering(request.user):
        context["gaps"] = assistance.coverage_gaps(
            user=request.user, region=region, today=timezone.localdate()
        )
    if region.is_village:
        context["page"] = _page(
            request, selectors.household_list(user=request.user, region_code=region.code)
        )
    else:
        context["children"] = selectors.region_children(user=request.user, region=region)
    return render(request, "web/region.html", context)


@login_required
def search(request):
    q = (request.GET.get("q") or "").strip()
    page = _page(request, selectors.household_list(user=request.user, q=q)) if q else None
    return render(request, "web/search.html", {"q": q, "page": page})


# -- households -----------------------------------------------------------------------------


@login_required
def household_detail(request, household_no: str):
    user = request.user
    household = selectors.household_get(user=user, household_no=household_no)
    members = selectors.household_members(household=household)
    context = {
        "household": household,
        "breadcrumbs": selectors.region_breadcrumbs(user=user, region=household.village),
        "crumb_tail": household.household_no,
        "phone": privacy.shown_phone(user, household.phone),
        "members": presenters.member_rows(user, members),
        "incomes": selectors.household_incomes(household=household),
        "history": presenters.history_rows(
            user, selectors.household_history(household=household), members
        ),
        "can_write": can_write(user),
        "assessment": assessments.household_panel(household=household),
        "benefits": funds.household_benefits(household=household),
        "monitoring": monitoring.household_monitoring(user=user, household=household),
    }
    return render(request, "web/household_detail.html", context)


@writer_required
def household_register(request, code: str):
    village = selectors.region_get(user=request.user, code=code)
    if not village.is_village:
        raise Http404
    member_errors: list[str] = []
    if request.method != "POST":
        form = HouseholdForm(registering=True)
        formset = member_formset(initial=[{"relation": "head"}])
    elif "add_member" in request.POST:
        # One more member row; what was typed is kept, nothing is validated yet.
        typed = _typed(HouseholdForm(request.POST, registering=True))
        form = HouseholdForm(registering=True, initial=typed)
        rows = member_formset(request.POST).forms
        formset = member_formset(initial=[*(_typed(f) for f in rows), {}])
    else:
        form = HouseholdForm(request.POST, registering=True)
        formset = member_formset(request.POST)
        if all([form.is_valid(), formset.is_valid()]):
            filled = [f for f in formset.forms if f.cleaned_data]
            try:
                household = services.household_register(
                    by=request.user,
                    household_no=form.cleaned_data["household_no"],
                    village=village,
                    members=[f.member_data() for f in filled],
                    **form.changes(),
                )
            except ValidationError as exc:
                member_errors = _place_register_errors(form, filled, exc)
            else:
                messages.success(
                    request, _("已登记贫困户 %(no)s。") % {"no": household.household_no}
                )
                return redirect("household", household_no=household.household_no)
    context = {
        "village": village,
        "breadcrumbs": selectors.region_breadcrumbs(user=request.user, region=village),
        "form": form,
        "formset": formset,
        "member_errors": member_errors,
    }
    return render(request, "web/household_register.html", context)


def _typed(form) -> dict:
    """What was typed into a bound form, as initial data for an unbound one."""
    return {name: form[name].value() for name in form.fields}


def _member_key(key: str) -> tuple[int | None, str | None]:
    """`members[2].id_number` → (2, "id_number"); `members[2]` → (2, None)."""
    if not key.startswith("members["):
        return None, None
    index, _, field = key[len("members[") :].partition("]")
    return (int(index), field.lstrip(".") or None) if index.isdigit() else (None, None)


def _place_register_errors(form, member_forms, exc: ValidationError) -> list[str]:
    """Household errors beside their fields, `members[i]` on row i; returns the rest, which
    concern the rows as a whole (the head rule) and are shown above them."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return []
    rest = []
    for key, msgs in exc.message_dict.items():
        row, field = _member_key(key)
        if key in form.fields:
            form.add_error(key, msgs)
        elif row is not None and row < len(member_forms):
            target = member_forms[row]
            target.add_error(field if field in target.fields else None, msgs)
        elif key == "members":
            rest.extend(msgs)
        else:
            form.add_error(None, msgs)
    return rest


@writer_required
def household_edit(request, household_no: str):
    household = selectors.household_get(user=request.user, household_no=household_no)
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        if form.is_valid():
            try:
                services.household_update(
                    by=request.user,
                    household=household,
                    expected_version=form.cleaned_data["version"] or 0,
                    **form.changes(),
                )
            except ConflictError:
                form.add_error(None, _conflict_message())
            except ValidationError as exc:
                apply_domain_errors(form, exc)
            else:
                messages.success(request, _("户信息已保存。"))
                return redirect("household", household_no=household.household_no)
    else:
        form = HouseholdForm(initial=HouseholdForm.initial_for(household))
    return _render_edit(request, "web/household_edit.html", household, form)


def _render_edit(request, template, household, form, **extra):
    context = {
        "household": household,
        "breadcrumbs": selectors.region_breadcrumbs(user=request.user, region=household.village),
        "crumb_tail": household.household_no,
        "crumb_tail_url": reverse("household", args=[household.household_no]),
        "form": form,
        **extra,
    }
    return render(request, template, context)


# -- members and incomes --------------------------------------------------------------------


@writer_required
def member_add(request, household_no: str):
    household = selectors.household_get(user=request.user, household_no=household_no)
    form = MemberForm(request.POST or None, with_version=False)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_add(
                by=request.user, household=household, data=form.member_data()
            )
        except ValidationError as exc:
            apply_domain_errors(form, exc)
        else:
            messages.success(request, _("已新增成员 %(name)s。") % {"name": member.name})
            return redirect("household", household_no=household.household_no)
    return _render_edit(request, "web/member_form.html", household, form, member=None)


@writer_required
def member_edit(request, household_no: str, member_id: int):
    household = selectors.household_get(user=request.user, household_no=household_no)
    member = scoping.get_visible_or_404(
        request.user, Member.objects.filter(household=household), pk=member_id
    )
    if request.method == "POST":
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                services.member_update(
                    by=request.user,
                    member=member,
                    expected_version=form.cleaned_data["version"] or 0,
                    data=form.member_data(),
                )
            except ConflictError:
                form.add_error(None, _conflict_message())
            except ValidationError as exc:
                apply_domain_errors(form, exc)
            else:
                messages.success(request, _("成员信息已保存。"))
                return redirect("household", household_no=household.household_no)
    else:
        form = MemberForm(initial=MemberForm.initial_for(member))
    return _render_edit(request, "web/member_form.html", household, form, member=member)


@writer_required
def income_set(request, household_no: str):
    household = selectors.household_get(user=request.user, household_no=household_no)
    if request.method == "POST":
        form = IncomeForm(request.POST)
        if form.is_valid():
            try:
                services.income_set(
                    by=request.user,
                    household=household,
                    year=form.cleaned_data["year"],
                    amounts_fen=form.amounts_fen(),
                )
            except ConflictError:
                form.add_error(None, _conflict_message())
            except ValidationError as exc:
                apply_domain_errors(form, exc)
            else:
                messages.success(request, _("收入已保存。"))
                return redirect("household", household_no=household.household_no)
    else:
        rows = selectors.household_incomes(household=household)
        year = _int_or_none(request.GET.get("year"))
        existing = next((r["income"] for r in rows if r["income"].year == year), None)
        if year is None:
            year = (rows[0]["income"].year + 1) if rows else None
        form = IncomeForm(initial=IncomeForm.initial_for(existing, year))
    return _render_edit(request, "web/income_form.html", household, form)


def _int_or_none(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
