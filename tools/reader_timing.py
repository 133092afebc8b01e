"""Time opening a document that carries many annotations in the main window (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/reader_timing.py [--size-mb 1] [--count 2000]

Builds a scratch workspace holding one synthetic document of the given size, adds the
annotations through the core, then measures what the analyst waits for: reading the document
and its annotations, laying out the highlights, filling the annotations pane and painting the
first screen. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAGS = (
    "actor/state",
    "actor/criminal",
    "capability/vuln-discovery",
    "capability/exploitation",
    "policy/export-controls",
    "supply-chain",
)
LIKELIHOODS = ("unlikely", "roughly_even", "likely", "very_likely")


def add_synthetic_annotations(ws, doc_id: str, count: int, *, seed: int = 7) -> float:
    """Spread `count` notes and claims over the text (some overlapping); returns seconds."""
    rng = random.Random(seed)
    text = ws.document(doc_id).text
    step = max(len(text) // count, 2)
    started = time.perf_counter()
    with ws.deferred_indexing():
        for n in range(count):
            start = min(n * step + rng.randrange(0, max(step // 2, 1)), len(text) - 2)
            end = min(start + rng.randrange(12, max(step * 2, 14)), len(text))
            tags = [TAGS[(n * 7) % len(TAGS)]] if n % 5 else []
            if n % 3 == 0:
                ws.add_note(doc_id, start, end, comment=f"note {n}", tags=tags)
            else:
                ws.add_claim(
                    doc_id,
                    start,
                    end,
                    f"Synthetic claim {n}",
                    credibility=1 + n % 6,
                    likelihood=LIKELIHOODS[n % len(LIKELIHOODS)],
                    confidence=("low", "moderate", "high")[n % 3],
                    tags=tags,
                )
    return time.perf_counter() - started


def time_open(window, doc_id: str, repeats: int = 9) -> list[float]:
    """Seconds from asking for the document to its first painted screen, per attempt."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    other = (
        next(i for i in window.ws.document_ids() if i != doc_id)
        if (window.ws.count_documents() > 1)
        else None
    )
    timings = []
    for _ in range(repeats):
        if other is not None:
            window.open_document(other)
        else:
            window.reader.clear()
        app.processEvents()
        started = time.perf_counter()
        window.open_document(doc_id)
        app.processEvents()
        window.reader.text.viewport().repaint()
        window.annotations.view.viewport().repaint()
        timings.append(time.perf_counter() - started)
    return timings


def describe(label: str, timings: list[float]) -> str:
    ms = sorted(t * 1000 for t in timings)
    return (
        f"{label}: median {statistics.median(ms):.0f} ms, best {ms[0]:.0f} ms,"
        f" worst {ms[-1]:.0f} ms ({len(ms)} opens)"
    )


def synthetic_text(size: int) -> str:
    """Paragraphs of the sample corpus's English, repeated to `size` characters."""
    sample = ROOT / "resources" / "sample"
    parts = [
        (sample / name).read_text(encoding="utf-8")
        for name in (
            "meridian-ledger-ai-exploit-agents.txt",
            "odis-advisory-exploitation-windows.txt",
            "halvorsen-controls-three-years.md",
        )
    ]
    corpus = "\n\n".join(parts)
    out, n = [], 0
    while sum(map(len, out)) < size:
        out.append(f"\n\n§ {n}\n\n{corpus}")
        n += 1
    return ("Synthetic long report" + "".join(out))[:size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="assay-reader-timing-"))
    os.environ["ASSAY_PROFILE_DIR"] = str(scratch / "profile")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.core.kernel.profile import Profile
    from desktop.core.workspace import Workspace
    from desktop.ui import theme
    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.main_window import MainWindow

    keep_singletons_alive()
    app = QApplication([sys.argv[0]])
    app.setFont(theme.app_font())
    theme.apply_theme(app, "light")
    try:
        profile = Profile(id="66666666-6666-4666-8666-666666666666", name="Timing", configured=True)
        ws = Workspace.create(scratch / "workspace", profile=profile)
        size = int(args.size_mb * 1_000_000)
        source = scratch / "long-report.txt"
        source.write_text(synthetic_text(size), encoding="utf-8")
        small = scratch / "short-note.txt"
        small.write_text("Short note\n\nA small document to switch to between timings.")
        report = ws.import_paths([source, small])
        doc_id = next(i for i in report.imported if ws.document(i).title.startswith("Synthetic"))
        chars = len(ws.document(doc_id).text)
        seconds = add_synthetic_annotations(ws, doc_id, args.count)
        print(f"document: {chars:,} characters; {args.count} annotations added in {seconds:.1f} s")
        settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(ws, settings=settings)
        window.resize(1400, 900)
        window.show()
        app.processEvents()
        started = time.perf_counter()
        anns = ws.annotations(doc_id)
        read = time.perf_counter() - started
        print(f"reading {len(anns)} annotations from the store: {read * 1000:.0f} ms")
        print(describe("open (read, highlight, list, first paint)", time_open(window, doc_id)))
        window.shutdown()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
