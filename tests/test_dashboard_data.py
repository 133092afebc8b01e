"""The dashboard's figures from a workspace with known claims and reviews, without Qt."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date
from pathlib import Path

import pytest

from desktop.core.kernel.profile import Profile
from desktop.ui.dashboard_data import (
    age_text,
    agreement_documents,
    agreement_summary,
    dashboard_figures,
    format_alpha,
    format_share,
    local_day,
)

from .conftest import write_texts

ROOT = Path(__file__).resolve().parents[1]
SAM = Profile(
    id="33333333-3333-4333-8333-333333333333",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)
BEN = Profile(
    id="55555555-5555-4555-8555-555555555555", name="Ben Analyst", role="analyst", configured=True
)
TODAY = date(2026, 5, 14)
TEXT = (
    "Report\n\nThe first claim is here. The second claim is there. The third one follows. "
    "A fourth statement closes."
)


def at(day: date, time: str = "10:00:00"):
    """Make the core stamp what follows as written on `day` (the clock is its module's)."""
    return lambda: f"{day.isoformat()}T{time}.000000Z"


@pytest.fixture
def team(ws, tmp_path, analyst, monkeypatch):
    """Ada: three claims, submitted and reviewed on known days; Ben: two drafts."""
    write_texts(tmp_path / "in", {"r.txt": TEXT})
    ws.import_paths([tmp_path / "in"])
    doc = ws.find_document("Report")

    def span(phrase: str) -> tuple[int, int]:
        start = doc.text.index(phrase)
        return start, start + len(phrase)

    clock = "desktop.core.kernel.session.utcnow"
    ada = [
        ws.add_claim(
            doc.id,
            *span("The first claim is here"),
            credibility=1,
            likelihood="likely",
            tags=["actor/state", "policy"],
        ).created,
        ws.add_claim(
            doc.id,
            *span("The second claim is there"),
            credibility=2,
            likelihood="likely",
            tags=["policy"],
        ).created,
        ws.add_claim(doc.id, *span("The third one follows"), likelihood="almost_certain").created,
    ]
    old, recent = date(2026, 4, 1), date(2026, 5, 12)  # 43 days and 2 days before TODAY
    with monkeypatch.context() as m:
        m.setattr(clock, at(old))
        ws.submit(ada[0])
        ws.switch_analyst(SAM)
        ws.review(ada[0], "approve")
        m.setattr(clock, at(recent))
        ws.switch_analyst(analyst)
        ws.submit(ada[1])
        ws.submit(ada[2])
        ws.switch_analyst(SAM)
        ws.review(ada[1], "reject", "no source")
        m.setattr(clock, at(TODAY, "23:30:00"))
        ws.review(ada[2], "request_changes", "say why")
    ws.switch_analyst(BEN)
    ben = [
        ws.add_claim(
            doc.id,
            *span("The first claim is here"),
            credibility=2,
            likelihood="likely",
            tags=["policy"],
        ).created,
        ws.add_claim(
            doc.id, *span("A fourth statement closes"), credibility=6, tags=["capability"]
        ).created,
    ]
    return ws, doc, ada, ben


def test_counts_by_status_analyst_and_tag(team):
    ws, _doc, _ada, _ben = team
    f = dashboard_figures(ws, today=TODAY, tz=UTC)
    assert f.claims == 5
    assert f.by_status == [
        ("draft", 2),
        ("submitted", 0),
        ("approved", 1),
        ("rejected", 1),
        ("changes_requested", 1),
    ]
    assert f.by_analyst == [
        (
            "Ada Analyst",
            {"draft": 0, "submitted": 0, "approved": 1, "rejected": 1, "changes_requested": 1},
        ),
        (
            "Ben Analyst",
            {"draft": 2, "submitted": 0, "approved": 0, "rejected": 0, "changes_requested": 0},
        ),
    ]
    assert f.by_tag == [("policy", 3), ("actor/state", 1), ("capability", 1)]
    assert dashboard_figures(ws, top_tags=1, today=TODAY, with_agreement=False).by_tag == [
        ("policy", 3)
    ]


def test_rating_distributions_in_scale_order(team):
    ws, *_ = team
    f = dashboard_figures(ws, today=TODAY, tz=UTC)
    assert f.credibility == [(1, 1), (2, 2), (3, 0), (4, 0), (5, 0), (6, 1), (None, 1)]
    assert f.likelihood == [
        ("almost_no_chance", 0),
        ("very_unlikely", 0),
        ("unlikely", 0),
        ("roughly_even", 0),
        ("likely", 3),
        ("very_likely", 0),
        ("almost_certain", 1),
        (None, 1),
    ]


def test_reviews_per_day_over_the_last_30_days(team):
    ws, *_ = team
    f = dashboard_figures(ws, today=TODAY, tz=UTC)
    days = f.reviews_per_day
    assert len(days) == 30 and days[0][0] == date(2026, 4, 15) and days[-1][0] == TODAY
    busy = {day: counts for day, counts in days if any(counts.values())}
    assert busy == {
        date(2026, 5, 12): {"approve": 0, "request_changes": 0, "reject": 1},
        TODAY: {"approve": 0, "request_changes": 1, "reject": 0},
    }  # the approval 43 days ago is outside the window; submissions are not decisions
    assert f.reviews == 2
    # 23:30 UTC is already the next day two hours east
    from datetime import timedelta, timezone

    east = timezone(timedelta(hours=2))
    shifted = dict(
        dashboard_figures(
            ws, today=date(2026, 5, 15), tz=east, with_agreement=False
        ).reviews_per_day
    )
    assert shifted[date(2026, 5, 15)]["request_changes"] == 1
    assert local_day("2026-05-14T23:30:00.000000Z", east) == date(2026, 5, 15)


def test_agreement_summary_carries_the_report(team):
    ws, doc, _ada, _ben = team
    f = dashboard_figures(ws, today=TODAY, tz=UTC)
    report = ws.agreement()
    a = f.agreement
    assert a == agreement_summary(report)
    assert a.analysts == ["Ada Analyst", "Ben Analyst"]
    assert (a.units, a.shared_units) == (report.units, report.shared_units) == (4, 1)
    assert a.single_share == pytest.approx(3 / 4)
    assert [(p.a, p.b, p.shared_units) for p in a.pairs] == [("Ada Analyst", "Ben Analyst", 1)]
    assert [name for name, _v in a.alphas] == ["tags", "credibility", "likelihood"]
    assert agreement_documents(ws) == [(doc.id, "Report", 2)]


def test_formatting():
    assert format_alpha(None) == "n/a" and format_alpha(0.4) == "0.400"
    assert format_share(None) == "n/a" and format_share(1 / 3) == "33 %"
    from datetime import datetime

    now = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)
    assert age_text("2026-05-14T11:59:30.000000Z", now) == "just now"
    assert age_text("2026-05-14T11:15:00.000000Z", now) == "45 min"
    assert age_text("2026-05-14T07:00:00.000000Z", now) == "5 h"
    assert age_text("2026-05-11T12:00:00.000000Z", now) == "3 d"
    assert age_text("", now) == ""


def test_the_module_imports_without_qt(tmp_path):
    code = textwrap.dedent("""
        import sys
        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
                    raise ImportError("no Qt here")
        sys.meta_path.insert(0, NoQt())
        import desktop.ui.dashboard_data
        print("ok")
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
