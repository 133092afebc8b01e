"""Screenshots of the main window on the demo workspace, offscreen, into docs/screenshots/."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZE = (1400, 900)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="assay-screenshots-"))
    # A private profile and settings: screenshots never touch the user's own.
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.core.demo import create_demo
    from desktop.core.kernel.profile import Profile
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow

    keep_singletons_alive()
    app = QApplication([sys.argv[0]])
    app.setFont(theme.app_font())
    theme.apply_theme(app, "light")

    def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            QTest.qWait(20)

    def settle() -> None:
        QTest.qWait(150)

    def save(window: MainWindow, name: str) -> None:
        settle()
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / name
        if not window.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"wrote {path.relative_to(ROOT)}")

    print("building the demo workspace…")
    analyst = Profile(
        id="0f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b", name="Priya Raman", configured=True
    )
    ws = create_demo(scratch / "workspace", profile=analyst, analysis=False)
    meridian_claim = add_sample_claims(ws, analyst)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, settings=settings)
    try:
        window.resize(*SIZE)
        window.show()
        QTest.qWaitForWindowExposed(window)

        def open_titled(fragment: str) -> str:
            doc_id = next(d["id"] for d in ws.list_documents() if fragment in d["title"])
            window.library.select_document(doc_id)
            wait_until(lambda: window.reader.document_id == doc_id, f"document {fragment!r}")
            return doc_id

        def search(query: str) -> None:
            window.search_field.setText(query)
            wait_until(
                lambda: window.results.model.query == query and window.results.model.rowCount(),
                f"hits for {query!r}",
            )
            window.open_hit(window.results.model.hit(0))

        open_titled("Interim Assessment")
        save(window, "main-light.png")

        window.set_theme("dark")
        open_titled("ODIS flash briefing")
        save(window, "main-dark.png")
        window.set_theme("light")

        search("export controls")
        save(window, "search.png")

        search("出口管制")
        zh = next(
            d for d in ws.list_documents(language="zh") if d["id"] == window.reader.document_id
        )
        print(f"chinese document: {zh['title']}")
        save(window, "chinese.png")

        window.search_field.clear()
        wait_until(lambda: not window.results.isVisible(), "search results to close")
        window.open_annotation(ws.annotation(meridian_claim).document_id, meridian_claim)
        window.editor.show()
        settle()
        window._split_by_default()
        save(window, "claims.png")

        settle()
        editor = window.editor.widget()
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "claim-editor.png"
        if not window.editor.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"wrote {path.relative_to(ROOT)} ({editor.width()}×{editor.height()})")

        measure_open(window, ws)
    finally:
        window.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


# Real sentences of the sample corpus, as an analyst would mark them: (document title start,
# quoted text, kind, statement, credibility, likelihood, confidence, tags, comment or rationale).
SAMPLE_CLAIMS = [
    (
        "Lab's AI agent",
        '"AI-assisted tools now find and exploit vulnerabilities faster than defenders can '
        'patch them,"',
        "claim",
        "AI-assisted tools now exploit vulnerabilities faster than defenders patch them",
        3,
        "likely",
        "moderate",
        ["capability/exploitation", "actor/academia"],
        "One lab's measurement on 20 hand-picked flaws; not yet reproduced.",
    ),
    (
        "Lab's AI agent",
        "For 11 of them the agent produced code that reliably took control of a test system.",
        "claim",
        "The Tamsworth agent exploited 11 of 20 recent vulnerabilities",
        2,
        "very_likely",
        "moderate",
        ["capability/exploitation"],
        "Figures from the preprint as reported; method described.",
    ),
    (
        "Lab's AI agent",
        "the median organisation took 38 days to apply a critical patch to internet-facing systems",
        "note",
        "",
        None,
        None,
        None,
        ["defence/patching"],
        "Compare with the ODIS advisory's exploitation windows.",
    ),
    (
        "Lab's AI agent",
        "every competent ransomware group will be running something like this by the end of "
        "the year.",
        "claim",
        "Ransomware groups will run comparable exploit agents by the end of 2025",
        5,
        "unlikely",
        "low",
        ["actor/criminal", "capability/exploitation"],
        "Stated at a conference without evidence.",
    ),
    (
        "Lab's AI agent",
        "The preprint has not yet been peer reviewed.",
        "note",
        "",
        None,
        None,
        None,
        [],
        "Check for peer review before citing.",
    ),
    (
        "The exploit-writing bot",
        "A comparable tool will definitely emerge within 18 months",
        "claim",
        "A comparable exploit-writing tool will emerge within 18 months",
        4,
        "likely",
        "low",
        ["capability/exploitation", "actor/criminal"],
        "A former exploit developer's forecast; 'definitely' is his word, not ours.",
    ),
    (
        "Shrinking exploitation windows",
        "the median time from public disclosure to first observed exploitation was 5 days",
        "claim",
        "Median time from disclosure to exploitation fell to 5 days in H1 2025",
        1,
        "almost_certain",
        "high",
        ["defence/patching"],
        "Agency catalogue data, consistent with vendor telemetry.",
    ),
]


def add_sample_claims(ws, analyst) -> str:
    """Claims and notes on the sample documents, a link and a supervisor's review, made
    through the core. Returns the claim the screenshots show in the editor."""
    from desktop.core.kernel.profile import Profile

    titles = {d["title"]: d["id"] for d in ws.list_documents()}
    made: list[str] = []
    for title, quote, kind, statement, cred, likely, conf, tags, words in SAMPLE_CLAIMS:
        doc_id = next(i for t, i in titles.items() if t.startswith(title))
        text = ws.document(doc_id).text
        start = text.index(quote)
        end = start + len(quote)
        if kind == "note":
            made.append(ws.add_note(doc_id, start, end, comment=words, tags=tags).created)
        else:
            made.append(
                ws.add_claim(
                    doc_id,
                    start,
                    end,
                    statement,
                    credibility=cred,
                    likelihood=likely,
                    confidence=conf,
                    rationale=words,
                    tags=tags,
                ).created
            )
    shown, approved, ransomware, forecast, window_claim = (
        made[0],
        made[1],
        made[3],
        made[5],
        made[6],
    )
    ws.link_claims(ransomware, forecast, "corroborates", "Both expect criminal use soon.")
    ws.link_claims(shown, window_claim, "corroborates", "Agency data shows the same trend.")
    ws.submit(shown)
    ws.submit(approved)
    supervisor = Profile(
        id="7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        name="Sam Okafor",
        role="supervisor",
        configured=True,
    )
    ws.switch_analyst(supervisor)
    ws.review(approved, "approve", "Matches the preprint's table 2.")
    ws.review(shown, "request_changes", "Cite the preprint's own figures, not the interview quote.")
    ws.switch_analyst(analyst)
    ws.index_pending()
    return shown


def measure_open(window, ws) -> None:
    """Print (not assert) how long the largest demo document takes to open carrying 2 000
    synthetic annotations."""
    sys.path.insert(0, str(ROOT / "tools"))
    from reader_timing import add_synthetic_annotations, describe, time_open

    doc_id = max(ws.document_ids(), key=lambda i: len(ws.document(i).text))
    title = ws.document(doc_id).title
    chars = len(ws.document(doc_id).text)
    seconds = add_synthetic_annotations(ws, doc_id, 2000)
    print(
        f"timing: added 2000 annotations to “{title[:50]}…” ({chars:,} characters)"
        f" in {seconds:.1f} s"
    )
    print("timing: " + describe("open with 2000 annotations", time_open(window, doc_id)))


if __name__ == "__main__":
    sys.exit(main())
