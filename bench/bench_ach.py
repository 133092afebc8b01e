"""ACH benchmark: recomputing a 30 hypotheses × 500 claims matrix (target: well under 50 ms).

    .venv/bin/python bench/bench_ach.py              # prints the table; --record appends it to RESULTS.md
    .venv/bin/python bench/bench_ach.py --hypotheses 30 --claims 500 --repeat 30

Measured, each as the median of --repeat runs, in the same process:
- reference: a plain Python pass over the same cells (look up each cell, add a constant), the
  least any recompute must do;
- score: Heuer's weighted tally, ranking and diagnosticity (kernel.ach.score), pure;
- score + sensitivity: the above plus, for each claim, whether dropping it changes the lead;
- ws.matrix + sensitivity: the whole read the view makes after a rating, from a real workspace
  (500 claims on 50 documents, every cell rated), SQL included; it runs on the reads thread;
- GUI thread: what the view then does on the GUI thread (model reset and repaint, offscreen).
Ratios are against the reference, so a loaded machine shifts every line alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 50.0


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def synthetic(n_h: int, n_c: int, rng: random.Random):
    from desktop.core.kernel.ach import RATINGS

    hyps = [f"h{i}" for i in range(n_h)]
    rows = [
        (rng.choice((1.0, 0.8, 0.48, 0.25, 0.04)), {h: rng.choice(RATINGS) for h in hyps})
        for _ in range(n_c)
    ]
    return hyps, rows


def build_workspace(path: Path, n_h: int, n_c: int, rng: random.Random):
    from desktop.core.kernel.ach import RATINGS
    from desktop.core.kernel.profile import Profile
    from desktop.core.workspace import Workspace

    os.environ.setdefault("ASSAY_PROFILE_DIR", str(path / "profile"))
    ada = Profile(id="11111111-1111-4111-8111-111111111111", name="Ada Bench", configured=True)
    ws = Workspace.create(path / "ws", profile=ada)
    src = path / "in"
    src.mkdir()
    docs = max(1, n_c // 10)
    for d in range(docs):
        body = " ".join(f"Sentence {d}-{i} about export controls and exploits." for i in range(10))
        (src / f"d{d:03}.txt").write_text(f"Document {d}\n\n{body}", encoding="utf-8")
    ws.import_paths([src])
    for r in "ABCDEF":
        ws.set_source(f"Source {r}", reliability=r)
    claim_ids = []
    with ws.deferred_indexing(), ws.batch("bench claims"):
        for n, d in enumerate(ws.list_documents(order="title")):
            ws.update_document(d["id"], source=f"Source {'ABCDEF'[n % 6]}")
            text = ws.document(d["id"]).text
            for i in range(10):
                if len(claim_ids) >= n_c:
                    break
                phrase = f"Sentence {d['title'].split()[-1]}-{i} about"
                s = text.index(phrase)
                claim_ids.append(
                    ws.add_claim(
                        d["id"],
                        s,
                        s + len(phrase),
                        f"Claim {len(claim_ids)}",
                        credibility=rng.randint(1, 6),
                    ).created
                )
    mid = ws.create_matrix("Benchmark question").created
    with ws.batch("bench matrix"):
        hyps = [ws.add_hypothesis(mid, f"Hypothesis {i}").created for i in range(n_h)]
        ws.add_matrix_evidence(mid, claim_ids)
        for c in claim_ids:
            for h in hyps:
                ws.rate_cell(mid, h, c, rng.choice(RATINGS))
    return ws, mid


def gui_show(ws, mid):
    """The GUI-thread part of a refresh: the view takes a read result and redraws (offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.ui.ach_view import AchDialog, _read_matrix

    app = QApplication.instance() or QApplication([])
    dialog = AchDialog(ws, None)
    dialog.resize(1300, 700)
    dialog.show()
    result = _read_matrix(ws, mid)

    def show():
        dialog.generation += 1
        dialog._show(dialog.generation, result)
        app.processEvents()

    show()  # the first paint lays the view out
    return show


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hypotheses", type=int, default=30)
    ap.add_argument("--claims", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = ap.parse_args()
    from desktop.core.kernel import ach
    from desktop.core.services.ach import sensitivity

    rng = random.Random(12)
    hyps, rows = synthetic(args.hypotheses, args.claims, rng)

    def reference():
        total = 0.0
        for weight, cells in rows:
            for h in hyps:
                if cells.get(h) is not None:
                    total += weight
        return total

    def scored():
        return ach.score(hyps, rows)

    def scored_and_sensitive():
        s = ach.score(hyps, rows)
        return ach.sensitive_rows(hyps, rows, s.scores)

    with tempfile.TemporaryDirectory(prefix="assay-bench-ach-") as tmp:
        t = time.perf_counter()
        ws, mid = build_workspace(Path(tmp), args.hypotheses, args.claims, rng)
        built = time.perf_counter() - t
        try:

            def full_read():
                return sensitivity(ws.matrix(mid))

            cells = args.hypotheses * args.claims
            gui = gui_show(ws, mid)
            ref = median_ms(reference, args.repeat)
            lines = [
                ("reference: plain pass over the cells", ref),
                ("score (tally, ranking, diagnosticity)", median_ms(scored, args.repeat)),
                ("score + sensitivity", median_ms(scored_and_sensitive, args.repeat)),
                (
                    "ws.matrix + sensitivity (SQL included; on the reads thread)",
                    median_ms(full_read, args.repeat),
                ),
                ("GUI thread: the matrix view shows the result", median_ms(gui, args.repeat)),
            ]
        finally:
            ws.close()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"### ACH recompute, {args.hypotheses} hypotheses × {args.claims} claims ({cells} cells)"
        f" — {stamp}",
        "",
        f"`.venv/bin/python bench/bench_ach.py --hypotheses {args.hypotheses} --claims "
        f"{args.claims} --repeat {args.repeat}` on {platform.python_implementation()} "
        f"{platform.python_version()}, load {os.getloadavg()[0]:.1f}; workspace built in "
        f"{built:.1f} s; medians of {args.repeat} runs; target under {TARGET_MS:.0f} ms.",
        "",
        "| step | median ms | × reference |",
        "|---|---:|---:|",
        *(f"| {name} | {ms:.2f} | {ms / ref:.1f} |" for name, ms in lines),
        "",
    ]
    print("\n".join(out))
    recompute = lines[2][1]
    print(
        f"recompute {recompute:.1f} ms: {'within' if recompute < TARGET_MS else 'OVER'} the target"
    )
    if args.record:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + "\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
