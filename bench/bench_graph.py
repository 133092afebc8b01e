"""The claim graph at 5 000 claims and 10 000 links: reading and laying it out off the GUI
thread, drawing it, and how long the GUI thread goes without a timer tick meanwhile.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_graph.py --claims 5000 --links 10000

References measured in the same run: the read of every live claim with its ratings (the claims
browser's kind of read) for `claim_graph`; networkx's own spring layout of one 499-claim graph (its dense path; from 500 it needs scipy)
for `graph_layout`; and, for the GUI, the longest gap between ticks of a 10 ms timer while the
GUI is idle. The workspace is synthetic (rows written straight into a fresh store), with
claims spread over --docs documents from --sources sources of every reliability.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.core.kernel.profile import Profile  # noqa: E402
from desktop.core.workspace import Workspace  # noqa: E402


def build(path: Path, docs: int, sources: int, claims: int, links: int) -> Workspace:
    ws = Workspace.create(
        path, profile=Profile(id=str(uuid.uuid4()), name="Bench", configured=True)
    )
    rng = random.Random(5)
    now = "2026-01-01T00:00:00.000000Z"
    who = ws.profile.id
    travelling = {
        "created_at": now,
        "created_by": who,
        "updated_at": now,
        "updated_by": who,
        "hlc": "0",
        "deleted": 0,
    }
    with ws.session.write() as tx:
        db = tx.db
        src = [
            {
                "id": str(uuid.uuid4()),
                "name": f"Source {i}",
                "kind": "outlet",
                "reliability": "ABCDEF"[i % 6],
                **travelling,
            }
            for i in range(sources)
        ]
        db["sources"].insert_all(src)
        doc_rows = [
            {
                "id": str(uuid.uuid4()),
                "sha256": f"{i:064x}",
                "title": f"Report {i}",
                "source_id": src[i % sources]["id"],
                "text": "x" * 200,
                "published_at": f"2025-{1 + i % 12:02}-{1 + i % 28:02}",
                "imported_at": now,
                "imported_by": who,
                "marking": "CLEAR",
                "language": "en",
                **travelling,
            }
            for i in range(docs)
        ]
        db["documents"].insert_all(doc_rows)
        ann = []
        for i in range(claims):
            d = doc_rows[i % docs]
            ann.append(
                {
                    "id": str(uuid.uuid4()),
                    "document_id": d["id"],
                    "start": 0,
                    "end": 10,
                    "quote": "x" * 10,
                    "prefix": "",
                    "suffix": "",
                    "kind": "claim",
                    "comment": "",
                    "status": "draft",
                    **travelling,
                }
            )
        db["annotations"].insert_all(ann)
        db["claims"].insert_all(
            {
                "annotation_id": a["id"],
                "statement": f"Claim {i} says so",
                "credibility": 1 + i % 6,
                "rationale": "",
                **travelling,
            }
            for i, a in enumerate(ann)
        )
        by_doc: dict[str, list[str]] = {}
        for a in ann:
            by_doc.setdefault(a["document_id"], []).append(a["id"])
        rows = []
        relations = ["corroborates", "contradicts", "refines", "duplicates"]
        ids = [x["id"] for x in ann]
        for _n in range(links):
            a = rng.choice(ann)
            same = by_doc[a["document_id"]]
            other = rng.choice(same) if rng.random() < 0.5 else rng.choice(ids)
            if other == a["id"]:
                other = ids[(ids.index(other) + 1) % len(ids)]
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "from_id": a["id"],
                    "to_id": other,
                    "relation": rng.choice(relations),
                    "comment": "",
                    **travelling,
                }
            )
        db["links"].insert_all(rows)
    return ws


def median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--links", type=int, default=10000)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--sources", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="assay-bench-graph-"))
    t = time.perf_counter()
    ws = build(scratch / "ws", args.docs, args.sources, args.claims, args.links)
    print(
        f"workspace: {args.claims} claims, {args.links} links, {args.docs} documents "
        f"({time.perf_counter() - t:.1f} s to build)"
    )

    import networkx as nx

    reference_read = median_s(lambda: ws.claims(), args.repeats)
    build_doc = median_s(lambda: ws.claim_graph(), args.repeats)
    graph = ws.claim_graph()
    by_source = ws.claim_graph(group="source")
    print(f"  {len(graph.nodes)} nodes, {len(graph.edges)} edges, {len(graph.groups)} documents")
    ref = nx.gnm_random_graph(499, 1000, seed=1)  # from 500 nodes on networkx wants scipy
    reference_layout = median_s(lambda: nx.spring_layout(ref, seed=1), args.repeats)
    layout_doc = median_s(lambda: ws.graph_layout(graph), args.repeats)
    layout_src = median_s(lambda: ws.graph_layout(by_source), args.repeats)
    print("| step | median s | × reference |")
    print("|---|---:|---:|")
    print(f"| read every claim, ws.claims() (reference) | {reference_read:.2f} | 1.00 |")
    print(f"| claim_graph (by document) | {build_doc:.2f} | {build_doc / reference_read:.2f} |")
    print(
        f"| networkx spring_layout, 499 nodes / 1 000 edges (reference) | "
        f"{reference_layout:.2f} | 1.00 |"
    )
    print(
        f"| graph_layout, {len(graph.groups)} document groups | {layout_doc:.2f} | "
        f"{layout_doc / reference_layout:.2f} |"
    )
    print(
        f"| graph_layout, {len(by_source.groups)} source groups | {layout_src:.2f} | "
        f"{layout_src / reference_layout:.2f} |"
    )
    gui(ws)
    ws.close()
    return 0


def gui(ws: Workspace) -> None:
    """The view's whole path offscreen: read + layout on the reader, drawing in chunks."""
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from desktop.ui.compat import keep_singletons_alive
    from desktop.ui.graph_view import ClaimGraphView
    from desktop.ui.worker import GUI_SWITCH_INTERVAL, SerialWorker

    keep_singletons_alive()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)  # as the app sets it
    reads = SerialWorker("assay-reader")
    view = ClaimGraphView(ws, reads)
    view.resize(1200, 800)
    view.show()
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def longest_gap(since: float, until: float) -> float:
        inside = [t for t in ticks if since <= t <= until]
        return max((b - a for a, b in zip(inside, inside[1:], strict=False)), default=0.0)

    timer.start()
    QTest.qWait(300)
    t0 = time.perf_counter()
    QTest.qWait(1500)
    idle = longest_gap(t0, time.perf_counter())
    start = time.perf_counter()
    laid: list[float] = []
    job = view.refresh()
    job.finished.connect(lambda _r: laid.append(time.perf_counter()))
    while not laid:
        QTest.qWait(5)
    drawn_at: list[float] = []
    view.drawn.connect(lambda: drawn_at.append(time.perf_counter()))
    while not drawn_at:
        QTest.qWait(5)
    end = drawn_at[0]
    app.processEvents()
    during_layout = longest_gap(start, laid[0])
    during_draw = longest_gap(laid[0], end)
    print()
    print("| GUI thread (offscreen) | s | × idle gap |")
    print("|---|---:|---:|")
    print(f"| longest gap between 10 ms ticks, idle (reference) | {idle:.3f} | 1.00 |")
    print(f"| read + layout on the reader thread (elapsed) | {laid[0] - start:.2f} | |")
    print(f"| longest gap meanwhile | {during_layout:.3f} | {during_layout / idle:.1f} |")
    print(f"| drawing in chunks of the event loop (elapsed) | {end - laid[0]:.2f} | |")
    print(f"| longest gap meanwhile | {during_draw:.3f} | {during_draw / idle:.1f} |")
    timer.stop()
    reads.stop()
    view.close()


if __name__ == "__main__":
    raise SystemExit(main())
