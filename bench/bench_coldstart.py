"""Cold start and memory of a search: a new `assay search` process, and a searching process's RSS.

Two steps, so the slow one (building workspaces of 2 000 to 100 000 documents) runs once:

    .venv/bin/python bench/bench_coldstart.py build --sizes 2000,20000,100000 --out /tmp/cs
    .venv/bin/python bench/bench_coldstart.py measure --sizes 2000,20000,100000 --out /tmp/cs

`build` writes each corpus with bench/corpus.py (the foundation benchmark's generated text),
imports it into a new workspace (`Workspace.import_paths`, indexed, in a child process whose
peak RSS is recorded), builds the SQLite FTS5 reference table of the same texts (as
bench_foundation.py does), then removes the corpus files. It runs on a copy of db/ and desktop/
frozen at its start (bench/snapshot.py).

`measure` runs, per size, each in new processes and against the live tree:
- `assay search QUERY` (`python -m desktop.cli --read-only -w WS search QUERY`): time from
  process start to the first line of hits, and to exit; the child's peak RSS (ru_maxrss);
- the references, in new processes too: bare `python -c pass`; an FTS5 query with a snippet
  (`sqlite3` only); raw Whoosh (open the index, parse, search, top 10, no highlights);
- inside one child: import / open / first search (ms) and which heavy modules it loaded;
- the 200 benchmark queries through one open Workspace with HTML highlights (top 10): median
  and p95, and the process's RSS at the end (VmRSS) and peak (VmHWM); the same queries on
  the FTS5 table with snippets in another process.
Ratios are against the FTS5 reference measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import Corpus  # noqa: E402
from snapshot import describe, use_snapshot  # noqa: E402

HEAVY = ("PySide6", "stix2", "cryptography", "jieba", "py3langid", "numpy", "sqlite_utils")
TOP = 10


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def proc_status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- build -------------------------------------------------------------------------------------


def build_one(n: int, out: Path) -> dict:
    """In a child process: corpus, import (indexed), FTS5 reference; returns the figures."""
    import resource

    from desktop.core.workspace import Workspace

    root = out / f"corpus-{n}"
    ws_path = out / f"ws-{n}"
    for p in (root, ws_path):
        if p.exists():
            shutil.rmtree(p)
    t = time.perf_counter()
    manifest = Corpus(n).write(root)
    corpus_s = time.perf_counter() - t
    ws = Workspace.create(ws_path)
    log = (out / f"progress-{n}.log").open("a")
    started = time.perf_counter()
    last = {"at": 0.0, "what": None}

    def progress(done: int, total: int, what: str) -> None:  # a line every 30 s or phase
        now = time.perf_counter() - started
        if what != last["what"] or now - last["at"] > 30:
            last.update(at=now, what=what)
            log.write(f"{now:8.0f} s  {what} {done}/{total}  load {os.getloadavg()[0]:.1f}\n")
            log.flush()

    try:
        report = ws.import_paths([root], index=True, progress=progress)
        segments = len(ws.index.ix._segments()) if hasattr(ws.index.ix, "_segments") else None
    finally:
        ws.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    fts_s, fts_mb = build_fts(ws_path, out / f"fts-{n}.db")
    shutil.rmtree(root, ignore_errors=True)
    return {
        "n": n,
        "imported": len(report.imported),
        "failed": len(report.failed),
        "corpus_mb": manifest["bytes"] / 1e6,
        "corpus_s": corpus_s,
        "seconds_stored": report.seconds_stored,
        "seconds_total": report.seconds_total,
        "import_peak_rss_mb": usage.ru_maxrss / 1024,
        "import_cpu_s": usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime,
        "segments": segments,
        "index_mb": folder_mb(ws_path / "index"),
        "db_mb": sum(p.stat().st_size for p in ws_path.glob("assay.db*")) / 1e6,
        "fts_build_s": fts_s,
        "fts_mb": fts_mb,
        "load": os.getloadavg(),
        "finished": time.strftime("%Y-%m-%d %H:%M"),
    }


def build_fts(ws_path: Path, fts_path: Path) -> tuple[float, float]:
    """The reference: the same texts in one FTS5 table (as bench_foundation.py builds it)."""
    src = sqlite3.connect(ws_path / "assay.db")
    rows = src.execute(
        "SELECT d.rowid, d.title, d.text, coalesce(d.author, ''), coalesce(s.name, ''),"
        " d.language, d.published_at FROM documents d LEFT JOIN sources s ON s.id = d.source_id"
        " WHERE d.deleted = 0"
    ).fetchall()
    src.close()
    for p in fts_path.parent.glob(fts_path.name + "*"):
        p.unlink()
    t = time.perf_counter()
    c = sqlite3.connect(fts_path)
    c.execute("PRAGMA journal_mode = WAL")
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
    c.execute("PRAGMA journal_mode = DELETE")
    c.close()
    seconds = time.perf_counter() - t
    return seconds, sum(p.stat().st_size for p in fts_path.parent.glob(fts_path.name + "*")) / 1e6


def cmd_build(args) -> int:
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    # the build takes long and the tree may change meanwhile; one copy per build command, so
    # two builds can run side by side
    code = use_snapshot(out / ("build-" + args.sizes.replace(",", "-")))
    env = dict(os.environ, ASSAY_PROFILE_DIR=str(out / "profile"))
    for n in [int(s) for s in args.sizes.split(",")]:
        done = out / f"build-{n}.json"
        if done.exists() and not args.force:
            print(f"{n}: already built ({done})", flush=True)
            continue
        print(f"{n}: building (code {code}) …", flush=True)
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "_build_one", str(n), str(out)], env=env, check=True
        )
        info = json.loads(done.read_text())
        info["code"] = code
        done.write_text(json.dumps(info, indent=1))
        print(f"{n}: built in {time.perf_counter() - t:.0f} s: {info}", flush=True)
    return 0


def cmd_build_one(args) -> int:
    info = build_one(args.n, args.out)
    (args.out / f"build-{args.n}.json").write_text(json.dumps(info, indent=1))
    return 0


# --- measure -----------------------------------------------------------------------------------

RAW_WHOOSH = r"""
import sys
from whoosh import index, qparser
ix = index.open_dir(sys.argv[1], readonly=True)
s = ix.searcher()
q = qparser.MultifieldParser(["title", "body"], ix.schema).parse(sys.argv[2])
hits = s.search(q, limit=10)
print(len(hits.top_n), flush=True)
"""

COLD_FTS = r"""
import sys, sqlite3
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
rows = c.execute(sys.argv[3], (sys.argv[2],)).fetchall()
print(len(rows), flush=True)
"""

PHASES = r"""
import json, sys, time
t0 = time.perf_counter()
from desktop.core.workspace import Workspace
t1 = time.perf_counter()
ws = Workspace(sys.argv[1], readonly=True)
t2 = time.perf_counter()
hits = ws.search(sys.argv[2], limit=10, highlight="plain")
t3 = time.perf_counter()
heavy = sys.argv[3].split(",")
loaded = [m for m in heavy if m in sys.modules]
status = {k: v for k, v in (l.split(":", 1) for l in open("/proc/self/status")) if k.startswith("Vm")}
print(json.dumps({"hits": len(hits), "import_ms": (t1 - t0) * 1000, "open_ms": (t2 - t1) * 1000,
                  "search_ms": (t3 - t2) * 1000, "loaded": loaded,
                  "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                  "hwm_mb": int(status["VmHWM"].split()[0]) / 1024}), flush=True)
"""

QUERIES_OURS = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[3])
from corpus import Corpus
from desktop.core.kernel.errors import QueryError
from desktop.core.workspace import Workspace
queries = Corpus(int(sys.argv[2])).queries(int(sys.argv[4]))
ws = Workspace(sys.argv[1], readonly=True)
ok = []
for q in queries:  # warm-up pass (and validity check)
    try:
        ws.search(q.text, limit=10, highlight="html")
        ok.append(q)
    except QueryError:
        pass
times, kinds = [], {}
for q in ok:
    t = time.perf_counter()
    ws.search(q.text, limit=10, highlight="html")
    dt = (time.perf_counter() - t) * 1000
    times.append(dt)
    kinds.setdefault(q.kind, []).append(dt)
status = {k: v for k, v in (l.split(":", 1) for l in open("/proc/self/status")) if k.startswith("Vm")}
print(json.dumps({"times": times, "kinds": kinds, "errors": len(queries) - len(ok),
                  "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                  "hwm_mb": int(status["VmHWM"].split()[0]) / 1024}), flush=True)
"""

QUERIES_FTS = r"""
import json, sqlite3, sys, time
sys.path.insert(0, sys.argv[3])
from corpus import Corpus
from bench_foundation import fts_sql
queries = Corpus(int(sys.argv[2])).queries(int(sys.argv[4]))
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
sqls = [s for s in (fts_sql(q, True) for q in queries) if s is not None]
for sql in sqls:
    c.execute(*sql).fetchall()
times = []
for sql in sqls:
    t = time.perf_counter()
    c.execute(*sql).fetchall()
    times.append((time.perf_counter() - t) * 1000)
status = {k: v for k, v in (l.split(":", 1) for l in open("/proc/self/status")) if k.startswith("Vm")}
print(json.dumps({"times": times, "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                  "hwm_mb": int(status["VmHWM"].split()[0]) / 1024}), flush=True)
"""


def run_child(cmd: list[str], env: dict) -> tuple[float, float, float, str]:
    """(ms to the first line on stdout, ms to exit, peak RSS MB, all stdout) of one process."""
    t = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=env["PYTHONPATH"]
    )
    first = p.stdout.readline()
    t_first = time.perf_counter() - t
    rest = p.stdout.read()
    err = p.stderr.read()
    _pid, status, usage = os.wait4(p.pid, 0)
    t_exit = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({p.returncode}): {err.decode()[-800:]}")
    return t_first * 1000, t_exit * 1000, usage.ru_maxrss / 1024, (first + rest).decode()


def cold(cmd: list[str], env: dict, reps: int) -> dict:
    run_child(cmd, env)  # warm-up: page cache, and .pyc files written
    runs = [run_child(cmd, env) for _ in range(reps)]
    return {
        "first_ms": statistics.median(r[0] for r in runs),
        "exit_ms": statistics.median(r[1] for r in runs),
        "first_ms_all": [round(r[0]) for r in runs],
        "rss_mb": statistics.median(r[2] for r in runs),
        "out": runs[-1][3],
    }


def measure_one(n: int, out: Path, args, env: dict) -> dict:
    py = sys.executable
    ws, fts = out / f"ws-{n}", out / f"fts-{n}.db"
    build = json.loads((out / f"build-{n}.json").read_text())
    queries = Corpus(n).queries(args.queries)
    cold_q = next(q for q in queries if q.kind == "two")
    res: dict = {"n": n, "build": build, "query": cold_q.text, "load_before": os.getloadavg()}
    fts_query = (
        "SELECT rowid, title, snippet(fts, 1, '[', ']', ' … ', 24) FROM fts WHERE fts MATCH ?"
        " ORDER BY rank LIMIT 10"
    )
    cli = [py, "-m", "desktop.cli", "--read-only", "-w", str(ws), "search", cold_q.text]
    res["baseline"] = cold([py, "-c", "pass"], env, args.reps)
    # interleaved: each kind of process in turn, so load changes fall on all of them alike
    kinds = {
        "cli": cli,
        "fts": [py, "-c", COLD_FTS, str(fts), cold_q.fts, fts_query],
        "whoosh": [py, "-c", RAW_WHOOSH, str(ws / "index"), cold_q.text],
    }
    for cmd in kinds.values():
        run_child(cmd, env)  # warm-up
    runs: dict[str, list] = {k: [] for k in kinds}
    for _ in range(args.reps):
        for name, cmd in kinds.items():
            runs[name].append(run_child(cmd, env))
    for name, rs in runs.items():
        res[name] = {
            "first_ms": statistics.median(r[0] for r in rs),
            "exit_ms": statistics.median(r[1] for r in rs),
            "first_ms_all": [round(r[0]) for r in rs],
            "rss_mb": statistics.median(r[2] for r in rs),
        }
    res["cli_first_line"] = runs["cli"][-1][3].splitlines()[0][:100]
    phases = [
        json.loads(run_child([py, "-c", PHASES, str(ws), cold_q.text, ",".join(HEAVY)], env)[3])
        for _ in range(3)
    ]
    res["phases"] = {
        k: statistics.median(p[k] for p in phases)
        for k in ("import_ms", "open_ms", "search_ms", "rss_mb", "hwm_mb")
    }
    res["loaded"] = phases[-1]["loaded"]
    ours = json.loads(
        run_child([py, "-c", QUERIES_OURS, str(ws), str(n), str(HERE), str(args.queries)], env)[3]
    )
    theirs = json.loads(
        run_child([py, "-c", QUERIES_FTS, str(fts), str(n), str(HERE), str(args.queries)], env)[3]
    )
    res["search"] = {
        "median_ms": statistics.median(ours["times"]),
        "p95_ms": pct(ours["times"], 95),
        "max_ms": max(ours["times"]),
        "errors": ours["errors"],
        "rss_mb": ours["rss_mb"],
        "hwm_mb": ours["hwm_mb"],
        "by_kind": {
            k: (statistics.median(v), pct(v, 95)) for k, v in sorted(ours["kinds"].items())
        },
    }
    res["fts_search"] = {
        "median_ms": statistics.median(theirs["times"]),
        "p95_ms": pct(theirs["times"], 95),
        "rss_mb": theirs["rss_mb"],
        "hwm_mb": theirs["hwm_mb"],
    }
    res["load_after"] = os.getloadavg()
    return res


def report(results: list[dict], command: str, code: str) -> str:
    def r(a: float, b: float) -> str:
        return f"{a / b:.1f}×" if b else "—"

    lines = [
        f"`{command}`",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; code {code}; load "
        + ", ".join(
            f"{x['n']}: {x['load_before'][0]:.1f} → {x['load_after'][0]:.1f}" for x in results
        ),
        "",
        "| measure | " + " | ".join(f"{x['n']:,} docs" for x in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(x) for x in results) + " |")

    row(
        "import end to end, s (docs/s)",
        lambda x: (
            f"{x['build']['seconds_total']:.0f} "
            f"({x['build']['imported'] / x['build']['seconds_total']:.0f}/s)"
        ),
    )
    row("import: stored phase, s", lambda x: f"{x['build']['seconds_stored']:.0f}")
    row("import: peak RSS, MB", lambda x: f"{x['build']['import_peak_rss_mb']:.0f}")
    row(
        "index segments / size MB",
        lambda x: f"{x['build']['segments']} / {x['build']['index_mb']:.0f}",
    )
    row(
        "`assay search`, new process → first hit, ms (median)",
        lambda x: f"**{x['cli']['first_ms']:.0f}**",
    )
    row("… FTS5 reference (new process, snippet), ms", lambda x: f"{x['fts']['first_ms']:.0f}")
    row("… ratio to FTS5", lambda x: r(x["cli"]["first_ms"], x["fts"]["first_ms"]))
    row(
        "… raw Whoosh (open, parse, top 10, no highlights), ms",
        lambda x: f"{x['whoosh']['first_ms']:.0f}",
    )
    row("… bare `python -c pass`, ms", lambda x: f"{x['baseline']['first_ms']:.0f}")
    row("`assay search` process peak RSS, MB", lambda x: f"**{x['cli']['rss_mb']:.0f}**")
    row(
        "… FTS5 / raw Whoosh process peak RSS, MB",
        lambda x: f"{x['fts']['rss_mb']:.0f} / {x['whoosh']['rss_mb']:.0f}",
    )
    row(
        "in one process: import / open / first search, ms",
        lambda x: " / ".join(
            f"{x['phases'][k]:.0f}" for k in ("import_ms", "open_ms", "search_ms")
        ),
    )
    row(
        "heavy modules loaded by a search",
        lambda x: ", ".join(x["loaded"]) or "none of " + "/".join(HEAVY),
    )
    row(
        "200 queries, HTML highlights top 10: median / p95 ms",
        lambda x: f"{x['search']['median_ms']:.1f} / **{x['search']['p95_ms']:.1f}**",
    )
    row(
        "… FTS5 with snippets: median / p95 ms",
        lambda x: f"{x['fts_search']['median_ms']:.2f} / {x['fts_search']['p95_ms']:.2f}",
    )
    row("… p95 ratio to FTS5", lambda x: r(x["search"]["p95_ms"], x["fts_search"]["p95_ms"]))
    row(
        "… searching process RSS at the end / peak, MB",
        lambda x: f"{x['search']['rss_mb']:.0f} / **{x['search']['hwm_mb']:.0f}**",
    )
    row(
        "… FTS5 process RSS at the end / peak, MB",
        lambda x: f"{x['fts_search']['rss_mb']:.0f} / {x['fts_search']['hwm_mb']:.0f}",
    )
    if len(results) > 1:
        a, b = results[0], results[-1]
        lines += [
            "",
            f"Growth {a['n']:,} → {b['n']:,} documents ({b['n'] / a['n']:.0f}× the "
            "documents): "
            + "; ".join(
                [
                    f"first hit {r(b['cli']['first_ms'], a['cli']['first_ms'])}",
                    f"`assay search` RSS {r(b['cli']['rss_mb'], a['cli']['rss_mb'])}",
                    f"search p95 {r(b['search']['p95_ms'], a['search']['p95_ms'])}",
                    f"searching RSS peak {r(b['search']['hwm_mb'], a['search']['hwm_mb'])}",
                    f"import time {r(b['build']['seconds_total'], a['build']['seconds_total'])}",
                    f"index size {r(b['build']['index_mb'], a['build']['index_mb'])}",
                ]
            ),
        ]
    lines += [
        "",
        "By query kind at the largest size, HTML highlights, median / p95 ms: "
        + "; ".join(
            f"{k} {m:.1f} / {p:.1f}" for k, (m, p) in results[-1]["search"]["by_kind"].items()
        ),
    ]
    return "\n".join(lines)


def cmd_measure(args) -> int:
    out = args.out.resolve()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["ASSAY_PROFILE_DIR"] = str(out / "profile")
    # the live tree by default (see `build` for the frozen one); children start in it too
    code_root = (args.code or ROOT).resolve()
    env["PYTHONPATH"] = str(code_root)
    env["NO_COLOR"] = "1"
    # an installed Assay runs from compiled bytecode: compile the tree once, not in every child
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "db", "desktop"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    code = describe() if args.code is None else f"the copy in {code_root}"
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        print(f"{n}: measuring …", flush=True)
        res = measure_one(n, out, args, env)
        results.append(res)
        print(
            json.dumps({k: v for k, v in res.items() if k != "build"}, indent=1, default=str)[
                :3000
            ],
            flush=True,
        )
    command = " ".join([".venv/bin/python", "bench/bench_coldstart.py", *sys.argv[1:]])
    text = report(results, command, code)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print("\n----- markdown (for bench/RESULTS.md) -----\n")
    print(text)
    return 0


def cmd_ab(args) -> int:
    """`assay search` from new processes, two versions of the code alternating in one run."""
    out = args.out.resolve()
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base.update(ASSAY_PROFILE_DIR=str(out / "profile"), NO_COLOR="1")
    envs = {}
    for label, folder in (("before", args.before), ("after", args.after)):
        env = dict(base, PYTHONPATH=str(folder.resolve()))
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "db", "desktop"],
            cwd=env["PYTHONPATH"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        envs[label] = env
    py = sys.executable
    lines = [f"`{' '.join(['.venv/bin/python', 'bench/bench_coldstart.py', *sys.argv[1:]])}`", ""]
    lines += [
        "| docs | before: first hit ms | after | after / before | before: peak RSS MB "
        "| after | bare python ms | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in [int(x) for x in args.sizes.split(",")]:
        q = next(q for q in Corpus(n).queries(args.queries) if q.kind == "two")
        cmd = [py, "-m", "desktop.cli", "--read-only", "-w", str(out / f"ws-{n}"), "search", q.text]
        load0 = os.getloadavg()[0]
        runs = {k: [] for k in envs}
        bare = []
        for env in envs.values():
            run_child(cmd, env)  # warm-up
        for _ in range(args.reps):
            for label, env in envs.items():
                runs[label].append(run_child(cmd, env))
            bare.append(run_child([py, "-c", "print()"], envs["after"])[0])
        med = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
        rss = {k: statistics.median(r[2] for r in v) for k, v in runs.items()}
        lines.append(
            f"| {n:,} | {med['before']:.0f} | {med['after']:.0f} | "
            f"{med['after'] / med['before']:.2f} | {rss['before']:.0f} | {rss['after']:.0f} | "
            f"{statistics.median(bare):.0f} | {load0:.1f} → {os.getloadavg()[0]:.1f} |"
        )
        print(lines[-1], flush=True)
        for rep in range(args.search_reps):  # the 200 queries in one process, alternating
            for label, env in envs.items():
                child = [py, "-c", QUERIES_OURS, str(out / f"ws-{n}"), str(n), str(HERE)]
                got = json.loads(run_child([*child, str(args.queries)], env)[3])
                lines.append(
                    f"  {n:,} docs, 200 queries with HTML highlights, {label} (rep {rep + 1}): "
                    f"median {statistics.median(got['times']):.1f} ms, p95 "
                    f"{pct(got['times'], 95):.1f} ms, RSS peak {got['hwm_mb']:.0f} MB, "
                    f"load {os.getloadavg()[0]:.1f}"
                )
                print(lines[-1], flush=True)
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build", help="build the workspaces and FTS5 references")
    b.add_argument("--sizes", default="2000,20000")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--force", action="store_true", help="rebuild sizes already built")
    b.set_defaults(fn=cmd_build)
    m = sub.add_parser("measure", help="measure cold start, RSS and search on built workspaces")
    m.add_argument("--sizes", default="2000,20000")
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--reps", type=int, default=7, help="new processes per measure (median)")
    m.add_argument("--queries", type=int, default=200)
    m.add_argument("--json", type=Path, default=None)
    m.add_argument(
        "--code",
        type=Path,
        default=None,
        help="a folder holding db/ and desktop/ "
        "to measure instead of this tree (e.g. `git archive` of an older commit)",
    )
    m.set_defaults(fn=cmd_measure)
    a = sub.add_parser("ab", help="`assay search` cold, two code versions alternating")
    a.add_argument("--sizes", default="2000")
    a.add_argument("--out", type=Path, required=True)
    a.add_argument("--before", type=Path, required=True, help="folder with db/ and desktop/")
    a.add_argument("--after", type=Path, default=ROOT)
    a.add_argument("--reps", type=int, default=9)
    a.add_argument("--queries", type=int, default=200)
    a.add_argument("--search-reps", type=int, default=0, help="also the queries in one process")
    a.set_defaults(fn=cmd_ab)
    one = sub.add_parser("_build_one")
    one.add_argument("n", type=int)
    one.add_argument("out", type=Path)
    one.set_defaults(fn=cmd_build_one)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
