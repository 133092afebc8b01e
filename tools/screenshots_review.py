"""Screenshots of the review queue, dashboard and agreement view, offscreen, into docs/screenshots/.

Builds a month of team work on the demo workspace first: two analysts mark claims in the same
documents (overlapping, sometimes rated differently), a supervisor reviews them day by day, some
come back and are resubmitted, and the latest submissions wait in the queue.

    .venv/bin/python tools/screenshots_review.py [--theme dark] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZE = (1400, 900)
WAITING = 7  # the latest submissions the supervisor has not reached yet

# Documents both analysts work, by title prefix, with the tags each is about.
DOCUMENTS = (
    ("Shrinking exploitation windows", ("vulnerability/patching", "capability/exploit")),
    ("Lab's AI agent", ("capability/ai", "actor/academia")),
    ("The exploit-writing bot", ("forecast", "capability/ai")),
    ("Workshop Readout", ("forecast", "policy")),
    ("AI-generated attacks", ("actor/vendor", "capability/ai")),
    ("Three years of accelerator controls", ("policy/export controls", "supply chain")),
)
_SENTENCE = re.compile(r"(?:(?<=\. )|(?<=\n))[A-Z][^\n:]{50,240}?\.(?=\s)")
_CLAIMISH = re.compile(
    r"\b(will|likely|unlikely|expect\w*|percent|days|hours|months|fell|estimate\w*|assess\w*|"
    r"probabl\w*|could|predict\w*|median|agreement)\b",
    re.IGNORECASE,
)
LIKELIHOOD = (
    "almost_no_chance",
    "very_unlikely",
    "unlikely",
    "roughly_even",
    "likely",
    "very_likely",
    "almost_certain",
)
REJECTIONS = (
    "Single anonymous source; this is not a claim we can carry.",
    "The figure is the vendor's marketing, not a finding.",
)
CHANGES = (
    "Rate the source: the advisory is A, not C.",
    "Which population is the median over? Add it to the statement.",
    "Split this: two claims in one sentence.",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="assay-screenshots-review-"))
    # A private profile and settings: screenshots never touch the user's own.
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.core.demo import create_demo
    from desktop.core.kernel.profile import Profile
    from desktop.core.workspace import Workspace
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow
    from desktop.ui.review_ui import install_review_ui

    keep_singletons_alive()
    app = QApplication([sys.argv[0]])
    app.setFont(theme.app_font())
    theme.apply_theme(app, args.theme)
    suffix = "" if args.theme == "light" else "-dark"

    def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            QTest.qWait(20)

    def save(widget: QWidget, name: str) -> None:
        QTest.qWait(200)
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"{name}{suffix}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"wrote {path}")

    ada = Profile(id="a0a0a0a0-0000-4000-8000-000000000001", name="Ada Okafor", configured=True)
    ben = Profile(id="b0b0b0b0-0000-4000-8000-000000000002", name="Ben Lindqvist", configured=True)
    sam = Profile(
        id="c0c0c0c0-0000-4000-8000-000000000003",
        name="Sam Moreau",
        role="supervisor",
        configured=True,
    )

    print("building the demo workspace…")
    create_demo(scratch / "workspace", profile=ada, analysis=False).close()
    print("a month of team work…")
    simulate_month(Workspace.open(scratch / "workspace", profile=ada), ada, ben, sam)

    ws = Workspace.open(scratch / "workspace", profile=sam)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, settings=settings)
    install_review_ui(window)
    ui = window.review_ui
    try:
        window.resize(*SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)
        doc = next(d["id"] for d in ws.list_documents() if d["title"].startswith("Shrinking"))
        window.library.select_document(doc)
        wait_until(lambda: window.reader.document_id == doc, "the reader")
        window.resizeDocks([ui.queue_dock], [560], Qt.Orientation.Vertical)
        panel = ui.queue
        panel.splitter.setSizes([560, 420, 420])
        wait_until(lambda: panel.model.total() > 0, "the review queue")
        panel.table.setFocus()
        # show a claim that came back once and was resubmitted, for its thread
        for _row in range(panel.model.rowCount()):
            if len(ws.reviews(panel.current_id())) > 1:
                break
            QTest.keyClick(panel.table, Qt.Key.Key_J)
        QTest.keyClick(panel.table, Qt.Key.Key_C)
        QTest.keyClicks(panel.comment, "Give the source's reliability and say which figure")
        save(window, "review-queue")
        QTest.keyClick(panel.comment, Qt.Key.Key_Escape)

        dashboard = ui.show_dashboard()
        dashboard.resize(1400, 1060)
        wait_until(lambda: dashboard.view.figures is not None, "the dashboard")
        save(dashboard, "dashboard")
        dashboard.close()

        agreement = ui.show_agreement()
        agreement.resize(1000, 640)
        wait_until(lambda: agreement.view.summary is not None, "the agreement figures")
        save(agreement, "agreement")
    finally:
        window.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def claim_sentences(text: str, n: int) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if _CLAIMISH.search(m.group())]
    return spans[:n]


def simulate_month(ws, ada, ben, sam) -> None:
    """Claims, submissions, reviews and resubmissions over the last 26 days, in time order.

    The core's clock (`desktop.core.workspace.utcnow`) is set to each event's time, so the
    dashboard's reviews per day and the queue's waiting times look like a real month.
    """
    import desktop.core.workspace as workspace_module

    rng = random.Random(203)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=26)
    events: list[tuple[datetime, int, str, dict]] = []  # (when, order, what, details)
    seq = 0

    def add(when: datetime, what: str, **details) -> None:
        nonlocal seq
        seq += 1
        events.append((when, seq, what, details))

    try:
        titles = {d["title"]: d["id"] for d in ws.list_documents()}
        made_at: dict[str, tuple[datetime, object]] = {}
        slot = 0
        for n, (prefix, tags) in enumerate(DOCUMENTS):
            doc = ws.document(next(i for t, i in titles.items() if t.startswith(prefix)))
            spans = claim_sentences(doc.text, 5)
            workers = [ada, ben] if n < 4 else ([ada] if n == 4 else [ben])
            for who in workers:
                for k, (s, e) in enumerate(spans):
                    if who is ben and n < 4 and k == 4:
                        continue  # Ada marked one statement Ben did not
                    if who is ben and k % 2:
                        e = main_clause_end(doc.text, s, e)  # the same statement, trimmed
                    base = 4 + (k + n) % 3 - 1  # unlikely … likely … very likely
                    likelihood = LIKELIHOOD[base]
                    credibility = 2 + (k + n) % 3
                    if who is ben and rng.random() < 0.35:
                        likelihood = LIKELIHOOD[max(0, min(6, base + rng.choice((-1, 1))))]
                    if who is ben and rng.random() < 0.3:
                        credibility = max(1, min(6, credibility + rng.choice((-1, 1))))
                    chosen = [tags[k % 2]] if who is ada else [tags[(k + (n % 2)) % 2]]
                    made = start + timedelta(days=slot * 0.55, hours=rng.uniform(0, 4))
                    slot += 1
                    key = f"{who.name}:{n}:{k}"
                    add(
                        made,
                        "claim",
                        who=who,
                        key=key,
                        doc=doc.id,
                        span=(s, e),
                        credibility=credibility,
                        likelihood=likelihood,
                        confidence=("low", "moderate", "high")[(k + n) % 3],
                        tags=chosen,
                    )
                    add(made + timedelta(minutes=20), "submit", who=who, key=key)
                    made_at[key] = (made, who)

        # The supervisor works through everything but the latest submissions, which wait.
        ordered = sorted(made_at, key=lambda k: made_at[k][0])
        sent_back = ordered[len(ordered) - WAITING - 2]  # returned, fixed, and waiting again
        for key in ordered[: len(ordered) - WAITING]:
            made, who = made_at[key]
            reviewed = min(made + timedelta(days=rng.uniform(0.5, 2.5)), now - timedelta(hours=3))
            roll = 0.7 if key == sent_back else rng.random()
            if roll < 0.68:
                add(reviewed, "review", key=key, decision="approve", comment="")
            elif roll < 0.84:
                add(
                    reviewed,
                    "review",
                    key=key,
                    decision="request_changes",
                    comment=rng.choice(CHANGES),
                )
                again = reviewed + timedelta(days=rng.uniform(0.3, 1.2))
                again = min(again, now - timedelta(hours=2))
                add(again, "resubmit", who=who, key=key)
                if key != sent_back:
                    final = again + timedelta(days=rng.uniform(0.3, 1.2))
                    add(
                        min(final, now - timedelta(hours=1)),
                        "review",
                        key=key,
                        decision="approve",
                        comment="",
                    )
            else:
                add(reviewed, "review", key=key, decision="reject", comment=rng.choice(REJECTIONS))

        ids: dict[str, str] = {}
        real_clock = workspace_module.utcnow
        with ws.deferred_indexing():
            for when, _seq, what, d in sorted(events, key=lambda e: (e[0], e[1])):
                stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                workspace_module.utcnow = lambda stamp=stamp: stamp
                if what == "claim":
                    ws.switch_analyst(d["who"])
                    ids[d["key"]] = ws.add_claim(
                        d["doc"],
                        *d["span"],
                        credibility=d["credibility"],
                        likelihood=d["likelihood"],
                        confidence=d["confidence"],
                        tags=d["tags"],
                    ).created
                elif what == "submit":
                    ws.switch_analyst(d["who"])
                    ws.submit(ids[d["key"]])
                elif what == "resubmit":
                    ws.switch_analyst(d["who"])
                    claim = ws.annotation(ids[d["key"]])
                    ws.edit_claim(claim.id, credibility=max(1, (claim.credibility or 3) - 1))
                    ws.submit(claim.id, "Fixed as asked.")
                elif what == "review":
                    ws.switch_analyst(sam)
                    ws.review(ids[d["key"]], d["decision"], d["comment"])
        workspace_module.utcnow = real_clock
        queue = ws.review_queue()
        print(f"{len(ids)} claims, {len(queue)} waiting for review")
    finally:
        ws.close()


def main_clause_end(text: str, start: int, end: int) -> int:
    """Where the sentence's first clause ends (its first comma past 40 characters)."""
    comma = text.find(",", start + 40, end)
    return comma if comma > 0 else end


if __name__ == "__main__":
    sys.exit(main())
