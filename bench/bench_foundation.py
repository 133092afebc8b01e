"""Foundation benchmark: import, index, search and cold start, against SQLite FTS5 as reference.

    .venv/bin/python bench/bench_foundation.py                      # sizes 2000,20000
    .venv/bin/python bench/bench_foundation.py --quick              # 500 documents, smoke run
    .venv/bin/python bench/bench_foundation.py --sizes 2000 --queries 200 --out /tmp/b --keep

For each size: a deterministic synthetic corpus (bench/corpus.py) is written to disk, imported end
to end with `Workspace.import_paths` into a fresh workspace, then searched with one open
Workspace (searcher reused, one warm-up pass), with and without HTML highlights; a new Python
process opens the workspace read-only and runs one query (cold start). The same texts go into
an SQLite FTS5 table (porter unicode61) and the same queries, translated, run against it.
Prints a table (ours, FTS5, ours/FTS5, targets met or not) and the same as markdown at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from corpus import Corpus, Query  # noqa: E402
from snapshot import describe, use_snapshot  # noqa: E402

# Targets from the issue, judged at 20 000 documents.
TARGET_SIZE = 20_000
TARGET_STORED = 1000.0  # documents/s, stored and readable
TARGET_SEARCHABLE = 250.0  # documents/s, end to end
TARGET_P95_HL_MS = 50.0  # search p95 with highlights, top 10
TOP = 10

FTS_SNIPPET = "snippet(fts, 1, '<b class=\"hit\">', '</b>', ' … ', 24)"


# --- helpers --------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def folder_bytes(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(dirpath, f)).st_size
            except FileNotFoundError:
                pass
    return total


def _cpu() -> float:
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def mb(n: int) -> float:
    return n / 1e6


@dataclass
class Lat:
    median_ms: float
    p95_ms: float
    max_ms: float
    n: int

    @classmethod
    def of(cls, seconds: list[float]) -> Lat:
        ms = [s * 1000 for s in seconds]
        return cls(
            statistics.median(ms) if ms else float("nan"),
            pct(ms, 95),
            max(ms) if ms else float("nan"),
            len(ms),
        )


@dataclass
class SizeResult:
    n: int
    corpus_mb: float = 0.0
    corpus_md: int = 0
    corpus_seconds: float = 0.0
    imported: int = 0
    failed: int = 0
    seconds_stored: float = 0.0
    seconds_total: float = 0.0
    index_mb: float = 0.0
    db_mb: float = 0.0
    blobs_mb: float = 0.0
    search_plain: Lat | None = None
    search_html: Lat | None = None
    by_kind: dict = field(default_factory=dict)  # kind -> {ours_html: Lat, fts_snip: Lat}
    query_errors: list = field(default_factory=list)
    ours_with_hits: int = 0
    cold_first_ms: float = 0.0
    cold_total_ms: float = 0.0
    cold_phases_ms: dict = field(default_factory=dict)
    baseline_ms: float = 0.0
    fts_build_s: float = 0.0
    fts_mb: float = 0.0
    fts_plain: Lat | None = None
    fts_snip: Lat | None = None
    fts_with_hits: int = 0
    fts_skipped: list = field(default_factory=list)
    fts_cold_first_ms: float = 0.0
    fts_cold_total_ms: float = 0.0
    overlap_at_10: float = float("nan")
    queries: int = 0
    import_cpu_s: float = 0.0  # user+sys of this process and its (Whoosh) children
    load_before: float = 0.0  # 1-minute load average: other work on the machine skews timings
    load_after: float = 0.0

    @property
    def stored_rate(self) -> float:
        return self.imported / self.seconds_stored if self.seconds_stored else float("nan")

    @property
    def searchable_rate(self) -> float:
        return self.imported / self.seconds_total if self.seconds_total else float("nan")

    @property
    def index_seconds(self) -> float:
        return self.seconds_total - self.seconds_stored


# --- ours: import and search ----------------------------------------------------------------------


def run_import(ws_path: Path, corpus_root: Path, res: SizeResult) -> None:
    from desktop.core.workspace import Workspace

    last = {"phase": None}

    def progress(done: int, total: int, what: str) -> None:  # as cheap as a GUI's would be
        last["phase"] = what

    ws = Workspace.create(ws_path)
    cpu0 = _cpu()
    try:
        report = ws.import_paths([corpus_root], progress=progress, index=True)
    finally:
        ws.close()
    res.import_cpu_s = _cpu() - cpu0
    res.imported = len(report.imported)
    res.failed = len(report.failed)
    if report.failed:
        print(f"  ! {len(report.failed)} failed, e.g. {report.failed[0]}", flush=True)
    res.seconds_stored = report.seconds_stored
    res.seconds_total = report.seconds_total
    res.index_mb = mb(folder_bytes(ws_path / "index"))
    res.db_mb = mb(sum(p.stat().st_size for p in ws_path.glob("assay.db*")))
    res.blobs_mb = mb(folder_bytes(ws_path / "blobs"))


def time_ours(ws_path: Path, queries: list[Query], res: SizeResult) -> dict[int, list[str]]:
    """Latency over the queries with one open Workspace; returns top-10 doc ids per query."""
    from desktop.core.kernel.errors import QueryError
    from desktop.core.workspace import Workspace

    ws = Workspace(ws_path)
    tops: dict[int, list[str]] = {}
    try:
        ok: list[int] = []
        for i, q in enumerate(queries):  # warm-up pass (and validity check)
            try:
                ws.search(q.text, limit=TOP, highlight="html")
                ok.append(i)
            except QueryError as exc:
                res.query_errors.append(f"{q.text!r}: {exc}")
        plain, html = [], []
        per_kind: dict[str, list[float]] = {}
        for i in ok:
            q = queries[i]
            t = time.perf_counter()
            hits = ws.search(q.text, limit=TOP, highlight=None)
            plain.append(time.perf_counter() - t)
            tops[i] = [h.doc_id for h in hits]
        for i in ok:
            q = queries[i]
            t = time.perf_counter()
            ws.search(q.text, limit=TOP, highlight="html")
            dt = time.perf_counter() - t
            html.append(dt)
            per_kind.setdefault(q.kind, []).append(dt)
        res.search_plain, res.search_html = Lat.of(plain), Lat.of(html)
        res.ours_with_hits = sum(1 for v in tops.values() if v)
        for kind, v in per_kind.items():
            res.by_kind.setdefault(kind, {})["ours_html"] = Lat.of(v)
        rowid = {r[0]: r[1] for r in ws.db.execute("SELECT id, rowid FROM documents")}
    finally:
        ws.close()
    return {i: [rowid[d] for d in ids if d in rowid] for i, ids in tops.items()}


COLD_OURS = r"""
import sys, time, json
t0 = time.perf_counter()
from desktop.core.workspace import Workspace
t1 = time.perf_counter()
ws = Workspace(sys.argv[1], readonly=True)
t2 = time.perf_counter()
hits = ws.search(sys.argv[2], limit=10, highlight="html")
t3 = time.perf_counter()
print(json.dumps({"hits": len(hits), "import_ms": (t1 - t0) * 1000, "open_ms": (t2 - t1) * 1000,
                  "search_ms": (t3 - t2) * 1000}), flush=True)
ws.close()
"""

COLD_FTS = r"""
import sys, sqlite3
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
rows = c.execute(sys.argv[3], (sys.argv[2],)).fetchall()
print(len(rows), flush=True)
c.close()
"""


def cold(cmd: list[str], env: dict, reps: int) -> tuple[float, float, list[str]]:
    """Median ms from process start to the first line on stdout, and to process exit."""
    firsts, totals, lines = [], [], []
    for _ in range(reps):
        t = time.perf_counter()
        p = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True
        )
        line = p.stdout.readline()
        firsts.append(time.perf_counter() - t)
        _out, err = p.communicate()
        totals.append(time.perf_counter() - t)
        if p.returncode != 0:
            raise RuntimeError(f"cold-start child failed: {err.strip()[-800:]}")
        lines.append(line.strip())
    return statistics.median(firsts) * 1000, statistics.median(totals) * 1000, lines


# --- FTS5 reference -----------------------------------------------------------------------------


def build_fts(ws_path: Path, fts_path: Path, res: SizeResult) -> None:
    src = sqlite3.connect(ws_path / "assay.db")
    rows = src.execute(
        "SELECT d.rowid, d.title, d.text, coalesce(d.author, ''), coalesce(s.name, ''),"
        " d.language, d.published_at FROM documents d LEFT JOIN sources s ON s.id = d.source_id"
        " WHERE d.deleted = 0"
    ).fetchall()
    src.close()
    if fts_path.exists():
        fts_path.unlink()
    t = time.perf_counter()
    c = sqlite3.connect(fts_path)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = NORMAL")
    c.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, published TEXT, lang TEXT)")
    c.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, body, author, source, lang,"
        " tokenize = 'porter unicode61')"
    )
    with c:
        c.executemany(
            "INSERT INTO docs(id, published, lang) VALUES (?,?,?)",
            [(r[0], r[6], r[5]) for r in rows],
        )
        c.executemany(
            "INSERT INTO fts(rowid, title, body, author, source, lang) VALUES (?,?,?,?,?,?)",
            [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows],
        )
    c.execute("CREATE INDEX docs_published ON docs(published)")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    res.fts_build_s = time.perf_counter() - t
    res.fts_mb = mb(sum(p.stat().st_size for p in fts_path.parent.glob(fts_path.name + "*")))


def fts_sql(q: Query, snippet: bool) -> tuple[str, list] | None:
    """The SQL for one query, or None when it cannot be expressed."""
    cols = f"f.rowid, f.title, {FTS_SNIPPET}" if snippet else "f.rowid, f.title"
    if q.fts and q.where:
        return (
            f"SELECT {cols} FROM fts f JOIN docs d ON d.id = f.rowid WHERE fts MATCH ?"
            " AND d.published BETWEEN ? AND ? ORDER BY f.rank LIMIT 10",
            [q.fts, q.where[0], q.where[1]],
        )
    if q.fts:
        return f"SELECT {cols} FROM fts f WHERE fts MATCH ? ORDER BY rank LIMIT 10", [q.fts]
    if q.where:
        body = ", substr(f.body, 1, 160)" if snippet else ""
        return (
            f"SELECT d.id, f.title{body} FROM docs d JOIN fts f ON f.rowid = d.id"
            " WHERE d.published BETWEEN ? AND ? ORDER BY d.published DESC LIMIT 10",
            [q.where[0], q.where[1]],
        )
    return None


def time_fts(fts_path: Path, queries: list[Query], res: SizeResult) -> dict[int, list[int]]:
    c = sqlite3.connect(f"file:{fts_path}?mode=ro", uri=True)
    runnable: list[int] = []
    for i, q in enumerate(queries):  # warm-up pass
        sql = fts_sql(q, True)
        if sql is None:
            res.fts_skipped.append(q.text)
            continue
        try:
            c.execute(*sql).fetchall()
            runnable.append(i)
        except sqlite3.Error as exc:
            res.fts_skipped.append(f"{q.text} ({exc})")
    plain, snip, per_kind = [], [], {}
    tops: dict[int, list[int]] = {}
    for i in runnable:
        sql, args = fts_sql(queries[i], False)
        t = time.perf_counter()
        rows = c.execute(sql, args).fetchall()
        plain.append(time.perf_counter() - t)
        tops[i] = [r[0] for r in rows]
    for i in runnable:
        sql, args = fts_sql(queries[i], True)
        t = time.perf_counter()
        c.execute(sql, args).fetchall()
        dt = time.perf_counter() - t
        snip.append(dt)
        per_kind.setdefault(queries[i].kind, []).append(dt)
    c.close()
    res.fts_plain, res.fts_snip = Lat.of(plain), Lat.of(snip)
    res.fts_with_hits = sum(1 for v in tops.values() if v)
    for kind, v in per_kind.items():
        res.by_kind.setdefault(kind, {})["fts_snip"] = Lat.of(v)
    return tops


# --- one size ---------------------------------------------------------------------------------------


def run_size(n: int, args, out: Path, env: dict) -> SizeResult:
    res = SizeResult(n)
    res.load_before = os.getloadavg()[0]
    corpus = Corpus(n)
    root = out / f"corpus-{n}"
    print(f"\n== {n} documents ==", flush=True)
    t = time.perf_counter()
    if root.exists():
        shutil.rmtree(root)
    manifest = corpus.write(root)
    res.corpus_seconds = time.perf_counter() - t
    res.corpus_mb, res.corpus_md = mb(manifest["bytes"]), manifest["md"]
    print(
        f"  corpus: {res.corpus_mb:.1f} MB, {res.corpus_md} .md, written in "
        f"{res.corpus_seconds:.1f} s",
        flush=True,
    )
    queries = corpus.queries(args.queries)
    res.queries = len(queries)

    ws_path = out / f"ws-{n}"
    if ws_path.exists():
        shutil.rmtree(ws_path)
    run_import(ws_path, root, res)
    print(
        f"  import: {res.imported} docs, stored {res.seconds_stored:.1f} s "
        f"({res.stored_rate:.0f} docs/s), searchable {res.seconds_total:.1f} s "
        f"({res.searchable_rate:.0f} docs/s); index {res.index_mb:.0f} MB, "
        f"db {res.db_mb:.0f} MB",
        flush=True,
    )

    ours_tops = time_ours(ws_path, queries, res)
    print(
        f"  search: plain p50/p95 {res.search_plain.median_ms:.1f}/{res.search_plain.p95_ms:.1f}"
        f" ms, html {res.search_html.median_ms:.1f}/{res.search_html.p95_ms:.1f} ms;"
        f" {len(res.query_errors)} query errors",
        flush=True,
    )

    fts_path = out / f"fts-{n}.db"
    build_fts(ws_path, fts_path, res)
    fts_tops = time_fts(fts_path, queries, res)
    print(
        f"  fts5: build {res.fts_build_s:.1f} s, plain p50/p95 {res.fts_plain.median_ms:.2f}/"
        f"{res.fts_plain.p95_ms:.2f} ms, snippet {res.fts_snip.median_ms:.2f}/"
        f"{res.fts_snip.p95_ms:.2f} ms",
        flush=True,
    )
    # agreement of the two engines' top 10 (a check that the translation asks the same thing)
    overlaps = []
    for i, ours in ours_tops.items():
        theirs = fts_tops.get(i)
        if theirs is None or (not ours and not theirs):
            continue
        a, b = set(ours), set(theirs)
        overlaps.append(len(a & b) / max(len(a), len(b)))
    res.overlap_at_10 = statistics.mean(overlaps) if overlaps else float("nan")

    cold_q = next(q for q in queries if q.kind == "two")
    py = sys.executable
    res.baseline_ms = cold([py, "-c", "pass"], env, args.cold_reps)[1]
    first, total, lines = cold(
        [py, "-c", COLD_OURS, str(ws_path), cold_q.text], env, args.cold_reps
    )
    res.cold_first_ms, res.cold_total_ms = first, total
    phases = [json.loads(x) for x in lines]
    res.cold_phases_ms = {
        k: statistics.median(p[k] for p in phases) for k in ("import_ms", "open_ms", "search_ms")
    }
    fts_query = (
        f"SELECT rowid, title, {FTS_SNIPPET} FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 10"
    )
    f_first, f_total, _ = cold(
        [py, "-c", COLD_FTS, str(fts_path), cold_q.fts, fts_query], env, args.cold_reps
    )
    res.fts_cold_first_ms, res.fts_cold_total_ms = f_first, f_total
    print(
        f"  cold start ({cold_q.text!r}): ours first hits {first:.0f} ms (exit {total:.0f} ms;"
        f" import {res.cold_phases_ms['import_ms']:.0f}, open {res.cold_phases_ms['open_ms']:.0f},"
        f" search {res.cold_phases_ms['search_ms']:.0f}), fts5 {f_first:.0f} ms,"
        f" bare python {res.baseline_ms:.0f} ms",
        flush=True,
    )
    if not args.keep_corpus:
        shutil.rmtree(root, ignore_errors=True)
    res.load_after = os.getloadavg()[0]
    return res


# --- report ---------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "—"
    return f"{a / b:.1f}×"


def verdict(ok: bool, n: int) -> str:
    word = "met" if ok else "NOT met"
    return word if n == TARGET_SIZE else f"({word} at {n}; target is at {TARGET_SIZE})"


def rows_for(r: SizeResult) -> list[tuple[str, str, str, str, str, str]]:
    """(metric, ours, fts5, ours/fts5, target, met)"""
    fts_rate = r.imported / r.fts_build_s if r.fts_build_s else float("nan")
    idx_rate = r.imported / r.index_seconds if r.index_seconds > 0 else float("nan")
    sp, sh, fp, fs = r.search_plain, r.search_html, r.fts_plain, r.fts_snip
    rows = [
        (
            "import, stored and readable (docs/s)",
            f"{r.stored_rate:.0f}",
            "—",
            "—",
            f"≥ {TARGET_STORED:.0f}",
            verdict(r.stored_rate >= TARGET_STORED, r.n),
        ),
        (
            "import, searchable end to end (docs/s)",
            f"{r.searchable_rate:.0f}",
            "—",
            "—",
            f"≥ {TARGET_SEARCHABLE:.0f}",
            verdict(r.searchable_rate >= TARGET_SEARCHABLE, r.n),
        ),
        (
            "import seconds: stored / total (CPU s, incl. children)",
            f"{r.seconds_stored:.1f} / {r.seconds_total:.1f} ({r.import_cpu_s:.1f})",
            "",
            "",
            "",
            "",
        ),
        (
            "index build only (s; FTS5: insert + commit)",
            f"{r.index_seconds:.1f}",
            f"{r.fts_build_s:.2f}",
            ratio(r.index_seconds, r.fts_build_s),
            "",
            "",
        ),
        (
            "index build rate (docs/s)",
            f"{idx_rate:.0f}",
            f"{fts_rate:.0f}",
            ratio(fts_rate, idx_rate).replace("×", "× slower") if idx_rate else "—",
            "",
            "",
        ),
        (
            "index size on disk (MB)",
            f"{r.index_mb:.1f}",
            f"{r.fts_mb:.1f} (incl. text)",
            ratio(r.index_mb, r.fts_mb),
            "",
            "",
        ),
        ("assay.db size (MB) / blobs (MB)", f"{r.db_mb:.1f} / {r.blobs_mb:.1f}", "", "", "", ""),
        (
            "search, no highlight: median / p95 (ms)",
            f"{sp.median_ms:.1f} / {sp.p95_ms:.1f}",
            f"{fp.median_ms:.2f} / {fp.p95_ms:.2f}",
            f"{ratio(sp.median_ms, fp.median_ms)} / {ratio(sp.p95_ms, fp.p95_ms)}",
            "",
            "",
        ),
        (
            "search, HTML highlights top 10: median / p95 (ms)",
            f"{sh.median_ms:.1f} / {sh.p95_ms:.1f}",
            f"{fs.median_ms:.2f} / {fs.p95_ms:.2f}",
            f"{ratio(sh.median_ms, fs.median_ms)} / {ratio(sh.p95_ms, fs.p95_ms)}",
            f"p95 < {TARGET_P95_HL_MS:.0f}",
            verdict(sh.p95_ms < TARGET_P95_HL_MS, r.n),
        ),
        ("search with highlights, max (ms)", f"{sh.max_ms:.0f}", f"{fs.max_ms:.1f}", "", "", ""),
        (
            "cold start: new process to first hits (ms)",
            f"{r.cold_first_ms:.0f}",
            f"{r.fts_cold_first_ms:.0f}",
            ratio(r.cold_first_ms, r.fts_cold_first_ms),
            "",
            "",
        ),
        (
            "  same, minus bare `python -c pass` (ms)",
            f"{r.cold_first_ms - r.baseline_ms:.0f}",
            f"{r.fts_cold_first_ms - r.baseline_ms:.0f}",
            ratio(r.cold_first_ms - r.baseline_ms, r.fts_cold_first_ms - r.baseline_ms),
            "",
            "",
        ),
        (
            "  cold start whole process wall time (ms)",
            f"{r.cold_total_ms:.0f}",
            f"{r.fts_cold_total_ms:.0f}",
            "",
            "",
            "",
        ),
        (
            "  bare `python -c pass` wall time (ms)",
            f"{r.baseline_ms:.0f}",
            f"{r.baseline_ms:.0f}",
            "",
            "",
            "",
        ),
        (
            "  ours inside the child: import / open / search (ms)",
            " / ".join(
                f"{r.cold_phases_ms.get(k, 0):.0f}" for k in ("import_ms", "open_ms", "search_ms")
            ),
            "",
            "",
            "",
            "",
        ),
        (
            "queries run / with ≥1 hit",
            f"{r.search_html.n} / {r.ours_with_hits}",
            f"{r.fts_snip.n} / {r.fts_with_hits}",
            "",
            "",
            "",
        ),
        ("top-10 overlap ours vs FTS5 (mean)", f"{r.overlap_at_10:.2f}", "", "", "", ""),
        (
            "load average (1 min) before / after",
            f"{r.load_before:.1f} / {r.load_after:.1f}",
            "",
            "",
            "",
            "",
        ),
    ]
    return rows


def console_table(results: list[SizeResult]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"\n{r.n} documents ({r.corpus_mb:.0f} MB of text, {r.corpus_md} .md with "
            f"front matter), {r.queries} queries"
        )
        head = ("metric", "Assay (Whoosh)", "FTS5", "ours/FTS5", "target", "")
        rows = [head, *rows_for(r)]
        w = [max(len(row[i]) for row in rows) for i in range(6)]
        for row in rows:
            lines.append("  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip())
        lines.append("  by query kind, with highlights (median / p95 ms):")
        for kind, d in sorted(r.by_kind.items()):
            o, f = d.get("ours_html"), d.get("fts_snip")
            lines.append(
                f"    {kind:8} n={o.n if o else 0:3}  ours {o.median_ms:7.1f} / {o.p95_ms:7.1f}"
                f"   fts5 {f.median_ms:6.2f} / {f.p95_ms:6.2f}"
                if o and f
                else f"    {kind:8} (missing on one side)"
            )
    return "\n".join(lines)


def markdown(results: list[SizeResult], command: str, code: str) -> str:
    out = [
        f"Command: `{command}`  ",
        f"Code: {code}  ",
        f"Date: {datetime.now().strftime('%Y-%m-%d %H:%M')}; machine: {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, {platform.system()} {platform.release()}",
        "",
    ]
    for r in results:
        out.append(
            f"### {r.n} documents ({r.corpus_mb:.0f} MB of text, {r.corpus_md} .md, "
            f"{r.queries} queries)\n"
        )
        out.append("| metric | Assay (Whoosh) | FTS5 | ours/FTS5 | target | |")
        out.append("|---|---|---|---|---|---|")
        for row in rows_for(r):
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
        out.append("\nBy query kind, with highlights, median / p95 ms:\n")
        out.append("| kind | n | Assay | FTS5 |")
        out.append("|---|---|---|---|")
        for kind, d in sorted(r.by_kind.items()):
            o, f = d.get("ours_html"), d.get("fts_snip")
            if o and f:
                out.append(
                    f"| {kind} | {o.n} | {o.median_ms:.1f} / {o.p95_ms:.1f} | "
                    f"{f.median_ms:.2f} / {f.p95_ms:.2f} |"
                )
        if r.query_errors:
            out.append(
                f"\nQuery errors (ours): {len(r.query_errors)}: " + "; ".join(r.query_errors[:5])
            )
        if r.fts_skipped:
            out.append(f"\nNot run on FTS5: {len(r.fts_skipped)}: " + "; ".join(r.fts_skipped[:5]))
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2000,20000", help="comma-separated corpus sizes")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="work folder (default: a temporary folder, removed at the end)",
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 500 documents")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--keep-corpus", action="store_true", help="keep the generated corpus files")
    ap.add_argument("--cold-reps", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    ap.add_argument(
        "--no-snapshot",
        action="store_true",
        help="import the live tree instead of a copy frozen at the start",
    )
    args = ap.parse_args(argv)
    sizes = [500] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        args.cold_reps = min(args.cold_reps, 3)
    command = " ".join([".venv/bin/python", "bench/bench_foundation.py", *sys.argv[1:]])

    temp = args.out is None
    out = Path(tempfile.mkdtemp(prefix="assay-bench-")) if temp else args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    # one run measures one version of the code, even if the tree changes meanwhile
    code = describe() if args.no_snapshot else use_snapshot(out)
    os.environ["ASSAY_PROFILE_DIR"] = str(out / "profile")  # never touch the user's own profile
    os.environ["PYTHONPATH"] = os.environ.get("PYTHONPATH", "") + os.pathsep + str(ROOT)
    env = dict(os.environ)
    print(f"work folder: {out}; code: {code}", flush=True)
    results = []
    try:
        for n in sizes:
            results.append(run_size(n, args, out, env))
    finally:
        if temp and not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    print(console_table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1, default=str))
    print("\n----- markdown (for bench/RESULTS.md) -----\n")
    print(markdown(results, command, code))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
