"""The reads behind the claims browser and the removal question, on a large workspace, against
the review queue's read in the same run (the queue is what a supervisor's window reads at
launch, and its cost is accepted there).

    .venv/bin/python bench/bench_browse.py --docs 2000 --annotations 50000 --repeats 5

The workspace is built once by bench/gui_build.py (synthetic corpus, analysts, claims,
reviews) and cached under bench/out/. Prints medians in ms and each as a ratio to the queue.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gui_build  # noqa: E402

from desktop.core.kernel.profile import Profile  # noqa: E402
from desktop.core.workspace import Workspace  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--annotations", type=int, default=50000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    t = time.perf_counter()
    cache, meta = gui_build.ensure_workspace(args.out, args.docs, args.annotations)
    print(
        f"workspace {'reused' if meta['cached'] else 'built'} in "
        f"{time.perf_counter() - t:.1f} s: {cache}",
        flush=True,
    )
    supervisor = Profile(
        id="99999999-9999-4999-8999-999999999999",
        name="Bench Supervisor",
        role="supervisor",
        configured=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        import shutil

        path = Path(tmp) / "ws"
        shutil.copytree(cache / "workspace", path, ignore=shutil.ignore_patterns("lock"))
        ws = Workspace.open(path, profile=supervisor)
        try:
            docs = ws.document_ids()
            some_tag = next((t["name"] for t in ws.tags() if t["uses"]), None)
            cases = [
                ("review queue ids (reference)", lambda: ws.review_queue_ids()),
                ("all annotation ids, newest first", lambda: ws.annotation_ids()),
                ("annotation ids by document", lambda: ws.annotation_ids(order="document")),
                ("annotation ids by likelihood", lambda: ws.annotation_ids(order="likelihood")),
                (
                    "claims tagged (with children)",
                    lambda: ws.annotation_ids(kind="claim", tag=some_tag.split("/")[0]),
                ),
                ("text filter, ASCII", lambda: ws.annotation_ids(text="export")),
                ("text filter, non-ASCII", lambda: ws.annotation_ids(text="größe")),
                ("filter choices", lambda: ws.annotation_choices()),
                ("count of everything", lambda: ws.count_annotations()),
                ("work on 1 000 documents (removal question)", lambda: ws.work_on(docs[:1000])),
                (
                    "first page of 100 rows",
                    lambda: ws.annotations_by_ids(ws.annotation_ids()[:100]),
                ),
            ]
            results = [(name, median_ms(fn, args.repeats)) for name, fn in cases]
        finally:
            ws.close()
    reference = results[0][1]
    print(f"\n{args.docs} documents, {args.annotations} annotations, median of {args.repeats}:")
    print(f"{'read':45} {'ms':>8} {'× queue':>8}")
    for name, ms in results:
        print(f"{name:45} {ms:8.1f} {ms / reference:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
