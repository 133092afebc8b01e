"""Screenshots of the claim graph and the timeline, offscreen, into docs/screenshots/.

Builds a small worked analysis on the demo workspace first: claims on the English documents
(their sources rated A to F), tagged by theme, linked to claims in other documents (some
contradicting claims of sources rated differently), and, where the workspace has judgements, two
judgements changed over time.

    .venv/bin/python tools/screenshots_analysis.py [--out DIR]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"

# Documents by title prefix, with the tag their claims carry.
DOCUMENTS = (
    ("Lab's AI agent", "capability/ai"),
    ("AI-generated attacks", "capability/ai"),
    ("The exploit-writing bot", "forecast"),
    ("Shrinking exploitation windows", "vulnerability/patching"),
    ("Controlled AI chips", "policy/export controls"),
    ("Workshop Readout", "forecast"),
    ("Three years of accelerator controls", "policy/export controls"),
    ("Interim Assessment", "policy/export controls"),
    ("Cloud operators split", "supply chain"),
    ("Offence at Machine Speed", "capability/exploit"),
    ("Wafer Brief", "supply chain"),
)
_SENTENCE = re.compile(r"(?:(?<=\. )|(?<=\n))[A-Z][^\n:]{40,220}?\.(?=\s)")
_WORDS = 7  # a statement is the sentence's first words, as an analyst would shorten it


def statement_of(sentence: str) -> str:
    words = sentence.rstrip(".").split()
    return " ".join(words[:_WORDS]) + ("…" if len(words) > _WORDS else "")


def build(ws) -> None:
    rng = random.Random(12)
    titles = {d["title"]: d["id"] for d in ws.list_documents()}
    claims: list[tuple[str, str]] = []  # (claim id, tag)
    for prefix, tag in DOCUMENTS:
        doc = ws.document(next(i for t, i in titles.items() if t.startswith(prefix)))
        spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(doc.text)][:4]
        for start, end in spans:
            made = ws.add_claim(
                doc.id,
                start,
                end,
                statement_of(doc.text[start:end]),
                credibility=rng.randint(1, 5),
                likelihood=rng.choice(["likely", "very_likely", "roughly_even", "unlikely"]),
                confidence=rng.choice(["low", "moderate", "high"]),
                tags=(tag,),
            )
            claims.append((made.created, tag))
    by_theme: dict[str, list[str]] = {}
    for cid, tag in claims:
        by_theme.setdefault(tag.split("/")[0], []).append(cid)
    pairs = set()
    for _n in range(int(len(claims) * 1.2)):
        theme = rng.choice(list(by_theme))
        pool = by_theme[theme] if rng.random() < 0.75 else [c for c, _t in claims]
        a, b = rng.sample(pool, 2)
        if (a, b) in pairs or (b, a) in pairs:
            continue
        pairs.add((a, b))
        relation = rng.choices(
            ["corroborates", "contradicts", "refines", "duplicates"], [5, 3, 2, 1]
        )[0]
        ws.link_claims(a, b, relation)
    # a key judgement, raised once: its two changes are the timeline's judgement lane
    made = ws.add_judgement(
        "Exploitation windows will keep shrinking through 2026.",
        likelihood="likely",
        confidence="moderate",
        supporting=[c for c, t in claims if t.startswith("capability")][:2],
        reason="first assessment",
    )
    ws.edit_judgement(
        made.created,
        likelihood="very_likely",
        supporting=[c for c, t in claims if t.startswith("vulnerability")][:1],
        reason="the advisory's patch data agree",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="assay-screenshots-analysis-"))
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.core.demo import create_demo
    from desktop.core.kernel.profile import Profile
    from desktop.core.workspace import Workspace
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow

    keep_singletons_alive()
    app = QApplication([sys.argv[0]])
    app.setFont(theme.app_font())
    theme.apply_theme(app, "light")
    ada = Profile(id="a0a0a0a0-0000-4000-8000-000000000001", name="Ada Okafor", configured=True)
    print("building the demo workspace and its analysis…")
    create_demo(scratch / "workspace", profile=ada).close()
    ws = Workspace.open(scratch / "workspace", profile=ada)
    build(ws)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, settings=settings)

    def wait_for(signal_source, done, what: str) -> None:
        deadline = time.monotonic() + 120
        while not done():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            QTest.qWait(30)

    try:
        window.show()
        args.out.mkdir(parents=True, exist_ok=True)
        graph = window.analysis_ui.show_graph()
        graph.resize(1400, 900)
        view = graph.view
        wait_for(view, lambda: view.graph is not None and not view._pending, "the graph")
        QTest.qWait(300)
        view.fit()
        QTest.qWait(200)
        graph.grab().save(str(args.out / "graph.png"))
        print(f"wrote {args.out / 'graph.png'}")
        timeline = window.analysis_ui.show_timeline()
        timeline.resize(1400, 720)
        tv = timeline.view
        wait_for(tv, lambda: tv.events and tv.job is None, "the timeline")
        QTest.qWait(300)
        tv.canvas.fitInView(tv.scene.sceneRect())
        QTest.qWait(200)
        timeline.grab().save(str(args.out / "timeline.png"))
        print(f"wrote {args.out / 'timeline.png'}")
    finally:
        window.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
