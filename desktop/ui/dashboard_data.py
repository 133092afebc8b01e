"""The supervisor dashboard's figures, composed from Workspace calls (no Qt: testable headless)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from desktop.core.kernel import scales
from desktop.core.kernel.records import STATUSES

if TYPE_CHECKING:
    from desktop.core.services.agreement import AgreementReport
    from desktop.core.workspace import Workspace

DECISIONS = ("approve", "request_changes", "reject")  # the supervisor's decisions, in chart order
STATUS_LABELS = {
    "draft": "draft",
    "submitted": "submitted",
    "approved": "approved",
    "rejected": "rejected",
    "changes_requested": "changes requested",
}
# Review states, readable as text and as chart fills on light and dark backgrounds.
STATUS_COLOURS = {
    "draft": "#A0AEC0",
    "submitted": "#4299E1",
    "approved": "#38A169",
    "rejected": "#E53E3E",
    "changes_requested": "#ED8936",
}
DECISION_COLOURS = {
    "submit": STATUS_COLOURS["submitted"],
    "approve": STATUS_COLOURS["approved"],
    "reject": STATUS_COLOURS["rejected"],
    "request_changes": STATUS_COLOURS["changes_requested"],
}
DECISION_LABELS = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "request_changes": "requested changes",
}


@dataclass
class AgreementFigures:
    """The figures the core reports for the team and for each pair of analysts alike."""

    shared_documents: int
    units: int
    shared_units: int
    single_share: float | None
    alpha_tags: float | None
    alpha_credibility: float | None
    alpha_likelihood: float | None


@dataclass
class PairFigures(AgreementFigures):
    """Agreement between two analysts, with their display names."""

    a: str
    b: str


@dataclass
class AgreementSummary(AgreementFigures):
    """The team's agreement (see desktop.core.agreement) reduced to what the views show."""

    analysts: list[str]  # display names, in report order
    documents: int
    pairs: list[PairFigures] = field(default_factory=list)

    @property
    def alphas(self) -> list[tuple[str, float | None]]:
        return [
            ("tags", self.alpha_tags),
            ("credibility", self.alpha_credibility),
            ("likelihood", self.alpha_likelihood),
        ]


@dataclass
class DashboardFigures:
    """Everything the dashboard draws, each list in the order it is drawn."""

    claims: int
    by_status: list[tuple[str, int]]  # every status, in workflow order
    by_analyst: list[tuple[str, dict[str, int]]]  # name → claims per status; most claims first
    by_tag: list[tuple[str, int]]  # the most used tags, most claims first
    credibility: list[tuple[int | None, int]]  # 1 … 6, then None for unrated
    likelihood: list[tuple[str | None, int]]  # the seven ICD 203 keys in order, then None
    reviews_per_day: list[tuple[date, dict[str, int]]]  # oldest day first, ending today
    agreement: AgreementSummary | None

    @property
    def reviews(self) -> int:
        return sum(sum(d.values()) for _day, d in self.reviews_per_day)


def dashboard_figures(
    ws: Workspace,
    *,
    days: int = 30,
    top_tags: int = 10,
    today: date | None = None,
    tz: tzinfo | None = None,
    with_agreement: bool = True,
) -> DashboardFigures:
    """Count the workspace's claims and reviews for the dashboard.

    Reviews are bucketed by the day they were made in `tz` (the local time zone by default);
    `today` (default: today in `tz`) is the last of the `days` days shown.
    """
    claims = ws.claims(kind="claim")
    status = Counter(a.status for a in claims)
    by_status = [(s, status.get(s, 0)) for s in STATUSES]

    per_analyst: dict[str, Counter] = {}
    for a in claims:
        per_analyst.setdefault(a.analyst or a.created_by, Counter())[a.status] += 1
    by_analyst = [
        (name, {s: c.get(s, 0) for s in STATUSES})
        for name, c in sorted(
            per_analyst.items(), key=lambda kv: (-kv[1].total(), kv[0].casefold())
        )
    ]

    tags = Counter(t for a in claims for t in dict.fromkeys(a.tags))
    by_tag = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:top_tags]

    credibility = Counter(scales.check_credibility(a.credibility) for a in claims)
    likelihood = Counter(
        a.likelihood if a.likelihood in scales.LIKELIHOOD_BY_KEY else None for a in claims
    )

    return DashboardFigures(
        claims=len(claims),
        by_status=by_status,
        by_analyst=by_analyst,
        by_tag=by_tag,
        credibility=[(c, credibility.get(c, 0)) for c in (*sorted(scales.CREDIBILITY), None)],
        likelihood=[(k, likelihood.get(k, 0)) for k in (*(x.key for x in scales.LIKELIHOOD), None)],
        reviews_per_day=reviews_per_day(ws, days=days, today=today, tz=tz),
        agreement=agreement_summary(ws.agreement()) if with_agreement else None,
    )


def reviews_per_day(
    ws: Workspace, *, days: int = 30, today: date | None = None, tz: tzinfo | None = None
) -> list[tuple[date, dict[str, int]]]:
    """Supervisor decisions per day over the last `days` days, from every claim's review thread.

    Drafts are read too: a claim edited after its review is a draft again, with its thread intact.
    """
    zone = tz or datetime.now().astimezone().tzinfo
    last = today or datetime.now(zone).date()
    first = last - timedelta(days=days - 1)
    buckets = {first + timedelta(days=n): dict.fromkeys(DECISIONS, 0) for n in range(days)}
    for a in ws.claims(kind=None):
        for r in ws.reviews(a.id):
            if r.decision not in DECISIONS:
                continue
            day = local_day(r.created_at, zone)
            if day in buckets:
                buckets[day][r.decision] += 1
    return sorted(buckets.items())


def local_day(timestamp: str, zone: tzinfo | None = None) -> date | None:
    """The calendar day of a stored UTC timestamp ('2026-05-14T09:30:00.123456Z') in `zone`."""
    moment = parse_time(timestamp)
    if moment is None:
        return None
    return moment.astimezone(zone or datetime.now().astimezone().tzinfo).date()


def parse_time(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _figures(report: Any) -> dict[str, Any]:
    """The AgreementFigures of the core's report or of one of its pairs, by name."""
    return {f.name: getattr(report, f.name) for f in fields(AgreementFigures)}


def agreement_summary(report: AgreementReport) -> AgreementSummary:
    names = report.names
    return AgreementSummary(
        analysts=[names.get(a, a) for a in report.analysts],
        documents=report.documents,
        pairs=[
            PairFigures(a=names.get(p.a, p.a), b=names.get(p.b, p.b), **_figures(p))
            for p in report.pairs.values()
        ],
        **_figures(report),
    )


def agreement_documents(ws: Workspace) -> list[tuple[str, str, int]]:
    """Documents annotated by two or more analysts: (id, title, analysts), most analysts first."""
    who: dict[str, set[str]] = {}
    titles: dict[str, str] = {}
    for a in ws.claims(kind=None):
        who.setdefault(a.document_id, set()).add(a.created_by)
        titles[a.document_id] = a.document_title or a.document_id
    shared = [(d, titles[d], len(people)) for d, people in who.items() if len(people) >= 2]
    return sorted(shared, key=lambda x: (-x[2], x[1].casefold()))


def format_alpha(value: float | None) -> str:
    """Krippendorff's alpha as the views show it: three decimals, or "n/a" when undefined."""
    return "n/a" if value is None else f"{value:.3f}"


def format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{round(value * 100)} %"


def age_text(timestamp: str | None, now: datetime | None = None) -> str:
    """How long ago, compactly: 'just now', '12 min', '5 h', '3 d'."""
    moment = parse_time(timestamp)
    if moment is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def local_time_text(timestamp: str | None) -> str:
    """A stored UTC timestamp in the reader's local time: '2026-05-14 11:30'."""
    moment = parse_time(timestamp)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""
