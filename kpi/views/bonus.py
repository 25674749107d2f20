"""Pages of the joint bonus: the managers' period dashboard, "my KPIs and my bonus, and
why", the sales heads' rating form and the statement page (CSV export, print layout).

Every write calls the same service as the API; every read goes through the kpi selectors
and the scorecard, so a page costs a fixed number of queries whatever the data.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kpi import selectors, services
from kpi.exports import csv_response
from kpi.models import Period, Statement
from kpi.scorecard import Scorecard
from org.models import Role, User
from org.pages import error_text, role_required
from org.permissions import acting_user


def _period(pk: int) -> Period:
    return get_object_or_404(selectors.period_list(), pk=pk)


def _projection(period: Period) -> tuple[services.Computed | None, str]:
    """What a statement would say now, or why there is none (no members)."""
    try:
        return services.statement_compute(period=period), ""
    except ValidationError as exc:
        return None, error_text(exc)


@login_required
def bonus_home(request: HttpRequest) -> HttpResponseBase:
    """Managers land on the current period's dashboard; everyone else on their own bonus."""
    user = acting_user(request)
    period = selectors.current_period()
    if user.has_role(Role.MANAGEMENT):
        if period is None:
            return render(request, "kpi/bonus_empty.html", {"periods": []})
        return redirect("kpi:period", pk=period.pk)
    if period is None:
        return render(request, "kpi/bonus_empty.html", {"periods": []})
    return redirect("kpi:my_bonus", pk=period.pk)


@role_required(Role.MANAGEMENT)
def period_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """For managers: goal progress, attainment, the pool so far, both departments' KPIs, the
    leaderboard (the lines a statement would have now) and the period's statements."""
    period = _period(pk)
    computed, problem = _projection(period)
    card = computed.card if computed else None
    pools = computed.pools if computed else None
    lines = sorted(computed.lines, key=lambda line: (-line[2], line[0])) if computed else []
    names = {u.pk: u for u in _people(card)}
    context = {
        "period": period,
        "periods": selectors.period_list(),
        "card": card,
        "pools": pools,
        "progress": _progress(pools.revenue if pools else Decimal(0), period.revenue_goal),
        "leaderboard": [(names.get(uid), dept, amount) for uid, dept, amount, _b in lines],
        "problem": problem,
        "statements": selectors.statement_list(user=acting_user(request))
        .filter(period=period)
        .prefetch_related(None),
        "may_rate": services.may_rate(acting_user(request)),
    }
    return render(request, "kpi/period.html", context)


def _people(card: Scorecard | None) -> list[User]:
    if card is None:
        return []
    return [m.user for m in card.marketers if m.user] + [s.user for s in card.sales]


def _progress(revenue: Decimal, goal: Decimal) -> int:
    """The goal bar's width in percent (capped at 100; the figure beside it is not)."""
    if goal <= 0:
        return 100 if revenue > 0 else 0
    return int(min(Decimal(100), revenue * 100 / goal))


@role_required(Role.MARKETING, Role.SALES)
def my_bonus(request: HttpRequest, pk: int) -> HttpResponse:
    """A marketer's or salesperson's own KPIs, their projected line with its reasons and,
    once approved, the approved line. Nobody else's line is ever shown here."""
    user = acting_user(request)
    period = _period(pk)
    computed, problem = _projection(period)
    projected = None
    if computed:
        projected = next((line for line in computed.lines if line[0] == user.pk), None)
    approved_statement = (
        selectors.statement_list(user=user)
        .filter(period=period, status=Statement.Status.APPROVED)
        .first()
    )
    own_lines = list(approved_statement.lines.all()) if approved_statement else []
    approved = own_lines[0] if own_lines else None
    card = computed.card if computed else None
    context = {
        "period": period,
        "periods": selectors.period_list(),
        "mine_marketing": card.marketer(user.pk) if card else None,
        "mine_sales": card.seller(user.pk) if card else None,
        "projected": projected,
        "approved": approved,
        "approved_statement": approved_statement,
        "problem": problem,
        "may_rate": services.may_rate(user),
    }
    return render(request, "kpi/my_bonus.html", context)


@login_required
def ratings(request: HttpRequest, pk: int) -> HttpResponse:
    """The sales head's form: communication and objection handling, 0..100, with a comment,
    for every active salesperson at once. One invalid row saves nothing (400)."""
    by = acting_user(request)
    if not services.may_rate(by):
        raise PermissionDenied
    period = _period(pk)
    sellers = list(User.objects.filter(is_active=True, role=Role.SALES).order_by("username"))
    existing = {r.user_id: r for r in period.ratings.all()}
    rows = []
    errors: dict[int, list[str]] = {}
    if request.method == "POST":
        try:
            with transaction.atomic():
                for seller in sellers:
                    raw_c = request.POST.get(f"communication-{seller.pk}", "").strip()
                    raw_o = request.POST.get(f"objections-{seller.pk}", "").strip()
                    comment = request.POST.get(f"comment-{seller.pk}", "").strip()
                    if not raw_c and not raw_o:
                        continue  # left empty: not rated (yet)
                    try:
                        services.rating_set(
                            period=period,
                            user=seller,
                            communication=_whole(raw_c),
                            objections=_whole(raw_o),
                            comment=comment,
                            by=by,
                        )
                    except ValidationError as exc:
                        errors[seller.pk] = exc.messages
                if errors:
                    raise ValidationError("")
        except ValidationError:
            pass
        else:
            messages.success(request, _("Ratings saved."))
            return redirect("kpi:ratings", pk=period.pk)
    for seller in sellers:
        rating = existing.get(seller.pk)
        rows.append(
            {
                "user": seller,
                "communication": request.POST.get(f"communication-{seller.pk}")
                if errors
                else (rating.communication if rating else ""),
                "objections": request.POST.get(f"objections-{seller.pk}")
                if errors
                else (rating.objections if rating else ""),
                "comment": request.POST.get(f"comment-{seller.pk}")
                if errors
                else (rating.comment if rating else ""),
                "errors": errors.get(seller.pk, []),
            }
        )
    context = {"period": period, "rows": rows, "has_errors": bool(errors)}
    return render(request, "kpi/ratings.html", context, status=400 if errors else 200)


def _whole(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return -1  # the service refuses it with its sentence


@login_required
@require_POST
@role_required(Role.MANAGEMENT)
def statement_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    by = acting_user(request)
    period = _period(pk)
    try:
        statement = services.statement_create(period=period, by=by)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("kpi:period", pk=period.pk)
    return redirect("kpi:statement", pk=statement.pk)


@login_required
@require_POST
@role_required(Role.MANAGEMENT)
def period_close(request: HttpRequest, pk: int) -> HttpResponseBase:
    by = acting_user(request)
    period = _period(pk)
    try:
        services.period_close(period=period, by=by)
        messages.success(request, _("The period is closed."))
    except (ValidationError, services.Conflict) as exc:
        text = error_text(exc) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    return redirect("kpi:period", pk=period.pk)


STATEMENT_HEADER = [
    gettext_lazy("Person"),
    gettext_lazy("Department"),
    gettext_lazy("Amount"),
    gettext_lazy("Score"),
    gettext_lazy("Share"),
    gettext_lazy("Formula"),
]


@login_required
def statement_page(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The statement with every line (management) or one's own line (anyone else, approved
    statements only; a draft is 404 to them). ``?export=csv`` downloads the same lines."""
    user = acting_user(request)
    statement = get_object_or_404(selectors.statement_list(user=user), pk=pk)
    lines = list(statement.lines.all())
    if request.GET.get("export") == "csv":
        rows = (
            [
                line.user.get_full_name() or line.user.username,
                line.get_department_display(),
                line.amount,
                line.breakdown.get("score", ""),
                line.breakdown.get("share", ""),
                line.breakdown.get("formula", ""),
            ]
            for line in lines
        )
        period = statement.period
        name = f"bonus-{period.starts_on}-{period.ends_on}-v{statement.version}.csv"
        return csv_response(name, STATEMENT_HEADER, rows)
    context = {
        "statement": statement,
        "period": statement.period,
        "marketing": [line for line in lines if line.department == Role.MARKETING],
        "sales": [line for line in lines if line.department == Role.SALES],
        "is_manager": user.has_role(Role.MANAGEMENT),
        "now": timezone.now(),
    }
    return render(request, "kpi/statement.html", context)


@login_required
@require_POST
@role_required(Role.MANAGEMENT)
def statement_approve(request: HttpRequest, pk: int) -> HttpResponseBase:
    by = acting_user(request)
    statement = get_object_or_404(selectors.statement_scope(user=by), pk=pk)
    try:
        services.statement_approve(statement=statement, by=by)
        messages.success(request, _("The statement is approved and locked."))
    except services.Conflict as exc:
        messages.error(request, str(exc))
        return redirect("kpi:statement", pk=statement.pk)
    return redirect("kpi:statement", pk=statement.pk)
