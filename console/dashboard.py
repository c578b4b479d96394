"""The supervisors' dashboard: every agency's numbers over a range of days, and two charts.

The numbers come from `cases.stats`, as the stats API's do; this page only reads the form,
writes the numbers the way the page's language does, and draws the charts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from cases import stats
from cases.schemas import AgencyStats
from console.session import Visit, VisitDep
from console.words import Words
from core.charts import Series, bar_chart, weekly_chart
from core.deps import ReadSessionDep
from core.i18n import N_, Numbers
from routing import stored_catalogue
from routing.catalogue import CITY
from routing.models import Agency
from staff.enums import Role

router = APIRouter(prefix="/console", include_in_schema=False)

# enough for any date typed by hand; longer input is cut before it is shown again
DATE_INPUT_MAX = 32
DATE_SHOWN = "%d-%m-%Y"
# why a period was refused, by `stats.PeriodError.reason`
PERIOD_REFUSALS = {
    "bad_date": N_(
        "Tanggal tidak valid. Tulis sebagai TTTT-BB-HH, antara %(earliest)s dan %(latest)s."
    ),
    "from_after_to": N_("Tanggal awal jatuh sesudah tanggal akhir. Tukar keduanya lalu coba lagi."),
    "range_too_long": N_("Periode terlalu panjang: paling lama %(days)s hari."),
}


@dataclass(frozen=True)
class TimeUnit:
    """The unit the resolution-time chart and its table speak, and its titles."""

    per_hour: float  # how many of the unit one hour is
    title: str
    median: str
    p90: str

    def of(self, hours: float | None) -> float | None:
        """`hours` in this unit."""
        return None if hours is None else hours * self.per_hour


# the first unit whose limit (in hours) is above the longest time shown: minutes for a city
# that resolves within the hour, days for one that takes weeks; never a scale of 0,005 jam
TIME_UNITS = (
    (
        1.0,
        TimeUnit(
            60,
            N_("Waktu sampai selesai per dinas, dalam menit"),
            N_("Median menit sampai selesai"),
            N_("P90 menit sampai selesai"),
        ),
    ),
    (
        72.0,
        TimeUnit(
            1,
            N_("Waktu sampai selesai per dinas, dalam jam"),
            N_("Median jam sampai selesai"),
            N_("P90 jam sampai selesai"),
        ),
    ),
    (
        math.inf,
        TimeUnit(
            1 / 24,
            N_("Waktu sampai selesai per dinas, dalam hari"),
            N_("Median hari sampai selesai"),
            N_("P90 hari sampai selesai"),
        ),
    ),
)


def time_unit(rows: list[AgencyStats]) -> TimeUnit:
    """The unit of these agencies' resolution times, in the table and the chart: the longest
    p90 picks it."""
    longest = max((row.p90_resolution_hours or 0 for row in rows), default=0)
    return next(unit for limit, unit in TIME_UNITS if longest < limit)


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise stats.PeriodError("bad_date", f"not a date: {text!r}") from exc


def _refusal(t: Words, error: stats.PeriodError) -> str:
    return t.gettext(
        PERIOD_REFUSALS[error.reason],
        earliest=stats.EARLIEST.strftime(DATE_SHOWN),
        latest=stats.LATEST.strftime(DATE_SHOWN),
        days=stats.MAX_DAYS,
    )


def _hours_chart(t: Words, timed: list[AgencyStats], unit: TimeUnit) -> Markup:
    return bar_chart(
        chart_id="chart-hours",
        title=t.gettext(unit.title),
        description=t.gettext(
            "Median dan persentil ke-90 waktu dari aduan masuk sampai selesai, untuk %(count)s "
            "dinas yang menyelesaikan aduan di periode ini.",
            count=len(timed),
        ),
        labels=[row.agency for row in timed],
        series=[
            Series(t.gettext("Median"), [unit.of(row.median_resolution_hours) for row in timed]),
            Series(t.gettext("P90"), [unit.of(row.p90_resolution_hours) for row in timed]),
        ],
        horizontal=True,
        number=Numbers(t.language).scale,
    )


def _page(
    visit: Visit,
    reads: Session,
    agencies: list[Agency],
    form: dict[str, str],
    days: stats.Period | None,
    error: str | None = None,
) -> Response:
    """The page with the numbers of `days` (read from `reads`), or with only the form and
    `error` when None."""
    en = visit.lang == "en"
    names = {a.code: a.name_en if en else a.name for a in agencies}
    context: dict[str, object] = {
        "form": form,
        "agencies": agencies,
        "names": names,
        "error": error,
        "n": Numbers(visit.lang),
    }
    if days is None:
        return visit.render("dashboard.html", 400, overview=None, **context)
    overview = stats.overview(reads, days)
    weeks = overview.weeks(form["agency"] or None)
    agency_name = names.get(form["agency"])
    weekly_title = (
        visit.t.gettext("Aduan masuk dan selesai per minggu: %(agency)s", agency=agency_name)
        if agency_name
        else visit.t.gettext("Aduan masuk dan selesai per minggu")
    )
    timed = [row for row in overview.agencies if row.median_resolution_hours is not None]
    unit = time_unit(timed)
    return visit.render(
        "dashboard.html",
        **context,
        overview=overview,
        first=days.first.strftime(DATE_SHOWN),
        last=days.last.strftime(DATE_SHOWN),
        timezone=days.timezone,
        weeks=weeks,
        weekly_title=weekly_title,
        weekly_chart=weekly_chart(visit.t, "chart-weekly", weekly_title, weeks),
        timed=timed,
        unit=unit,
        hours_chart=_hours_chart(visit.t, timed, unit) if timed else None,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    visit: VisitDep,
    reads: ReadSessionDep,
    first: Annotated[str, Query(alias="from")] = "",
    last: Annotated[str, Query(alias="to")] = "",
    agency: str = "",
) -> Response:
    """Backlog, overdue, resolution times, SLA compliance, misrouting and ratings per agency,
    for supervisors; the range defaults to the last 12 weeks."""
    if refusal := visit.refuse(Role.supervisor):
        return refusal
    agencies = stored_catalogue.agencies(visit.db, active_only=True, kind=CITY)
    form = {
        "from": first.strip()[:DATE_INPUT_MAX],
        "to": last.strip()[:DATE_INPUT_MAX],
        "agency": agency if agency in {a.code for a in agencies} else "",
    }
    try:
        days = stats.period(_day(first), _day(last), visit.settings.city_timezone)
    except stats.PeriodError as exc:
        return _page(visit, reads, agencies, form, None, _refusal(visit.t, exc))
    form.update({"from": days.first.isoformat(), "to": days.last.isoformat()})
    return _page(visit, reads, agencies, form, days)
