"""A/B of two (or more) versions of the code on search only, over one existing workspace.

    .venv/bin/python bench/bench_search_ab.py --ws /tmp/search_ab/ws-20000 --n 20000 \
        --before /tmp/search_ab/before [--after FOLDER] [--also name=FOLDER] --reps 4

The workspace must hold the benchmark corpus of `--n` documents (bench/corpus.py; e.g. one
kept by `bench_foundation.py --out DIR`). Every version searches the same index, so the
segment layout is the same for all; it is only read (copy it first if in doubt).
`--before` / `--after` are folders holding a copy of db/ and desktop/ (the default for --after
is a snapshot of this tree, taken at the start). Each repetition runs each version in a fresh
child process, alternating the order (A B, B A, ...); a child opens the workspace, runs the
queries once to warm up, then `--passes` times with highlights (HTML, top 10) and without,
interleaved; "html-sql" is the highlighted search minus the time of
`Workspace.document_summaries` (its SQL, outside db/index.py), "sql" that time alone. A
query's time is the median over its passes; reported per version: median and p95 over the
queries, all and per query kind, and the ratios after / before per repetition.
The hit ids of the versions are compared query by query, and each version's top 10 (without
highlights) with the first 10 of all its matches ranked.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def child(args) -> None:
    sys.path.insert(0, str(args.code))
    from corpus import Corpus

    from desktop.core.workspace import Workspace

    qs = Corpus(args.n).queries(args.queries)
    ws = Workspace(args.ws)
    # the time of Workspace.document_summaries (SQL for the hits' titles, outside db/index.py)
    # is also taken out, as the "sql" series
    summaries = ws.document_summaries
    spent = [0.0]

    def timed_summaries(ids):
        t0 = time.perf_counter()
        try:
            return summaries(ids)
        finally:
            spent[0] += time.perf_counter() - t0

    ws.document_summaries = timed_summaries
    hits = []
    for q in qs:  # warm up; keep the hits
        hits.append([h.id for h in ws.search(q.text, limit=10, highlight="html")])
    times: dict[str, list[list[float]]] = {m: [[] for _ in qs] for m in ("none", "html", "sql")}
    for _ in range(args.passes):
        for mode in ("html", "none"):
            for i, q in enumerate(qs):
                spent[0] = 0.0
                t0 = time.perf_counter()
                ws.search(q.text, limit=10, highlight=mode if mode != "none" else None)
                times[mode][i].append((time.perf_counter() - t0) * 1000)
                if mode == "html":
                    times["sql"][i].append(spent[0] * 1000)
    times["html-sql"] = [
        [a - b for a, b in zip(x, y, strict=True)]
        for x, y in zip(times["html"], times["sql"], strict=True)
    ]
    # are the top 10 the best 10 of all matches? (SearchIndex.search without highlights, limit 10
    # against every match ranked, which Whoosh collects without its top-N shortcuts)
    exact = []
    for q in qs:
        top = [h.id for h in ws.index.search(q.text, limit=10).hits]
        every = [h.id for h in ws.index.search(q.text, limit=10**9).hits]
        exact.append(top == every[:10])
    ws.close()
    out = {
        "kinds": [q.kind for q in qs],
        "texts": [q.text for q in qs],
        "hits": hits,
        "exact": exact,
        "times": {m: [statistics.median(v) for v in t] for m, t in times.items()},
    }
    print(json.dumps(out))


def run_child(code: Path, args) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "_child",
        "--code",
        str(code),
        "--n",
        str(args.n),
        "--queries",
        str(args.queries),
        "--ws",
        str(args.ws),
        "--passes",
        str(args.passes),
    ]
    env = dict(os.environ, PYTHONPATH=str(code))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT))
    if r.returncode:
        raise SystemExit(f"search with {code} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def summary(r: dict, mode: str, kind: str | None = None) -> tuple[float, float]:
    v = [t for t, k in zip(r["times"][mode], r["kinds"], strict=True) if kind in (None, k)]
    return statistics.median(v), pct(v, 95)


def snapshot(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for pkg in ("db", "desktop"):
        shutil.copytree(
            ROOT / pkg, folder / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "ui")
        )
    return folder


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="ab", choices=("ab", "_child"))
    ap.add_argument("--ws", type=Path, required=True)
    ap.add_argument("--n", type=int, required=True, help="documents in the workspace's corpus")
    ap.add_argument("--before", type=Path)
    ap.add_argument("--after", type=Path, default=None)
    ap.add_argument("--also", action="append", default=[], help="name=folder, another version")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--code", type=Path)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.mode == "_child":
        child(args)
        return 0

    tmp = None
    if args.after is None:
        tmp = Path(tempfile.mkdtemp(prefix="assay-sab-"))
        args.after = snapshot(tmp / "after")
    versions = {"before": args.before.resolve(), "after": args.after.resolve()}
    for spec in args.also:
        name, _, folder = spec.partition("=")
        versions[name] = Path(folder).resolve()
    print(
        f"{args.ws}, {args.n} documents, {args.queries} queries, {args.reps} repetitions x "
        f"{args.passes} passes; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, list[dict]] = {name: [] for name in versions}
    try:
        for rep in range(args.reps):
            order = list(versions) if rep % 2 == 0 else list(versions)[::-1]
            for name in order:
                r = run_child(versions[name], args)
                results[name].append(r)
                print(
                    f"rep {rep + 1} {name:8} html {summary(r, 'html')[0]:6.1f} / "
                    f"{summary(r, 'html')[1]:6.1f}  none {summary(r, 'none')[0]:6.1f} / "
                    f"{summary(r, 'none')[1]:6.1f} ms  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    kinds = sorted(set(results["before"][0]["kinds"]))

    def med(name: str, mode: str, kind: str | None, j: int) -> float:
        return statistics.median(summary(r, mode, kind)[j] for r in results[name])

    print("\nmedian / p95 ms (each the median over repetitions)")
    print(f"{'':16}" + "".join(f"{name:>24}" for name in versions))
    for mode in ("html", "none", "html-sql", "sql"):
        for kind in [None, *kinds] if mode in ("html", "none") else [None]:
            label = f"{mode} {kind or 'ALL'}"
            print(
                f"{label:16}"
                + "".join(
                    f"{med(n, mode, kind, 0):11.1f} / {med(n, mode, kind, 1):8.1f}"
                    for n in versions
                )
            )
    for name in versions:
        r = results[name][0]
        wrong = [t for t, ok in zip(r["texts"], r["exact"], strict=True) if not ok]
        print(
            f"{name}: top 10 = the best 10 of all matches in {len(r['exact']) - len(wrong)}/"
            f"{len(r['exact'])} queries" + (f"; not in {wrong[:4]}" if wrong else "")
        )
    for name in list(versions)[1:]:
        print(f"\n{name} / before, per repetition (median of the ratios):")
        for mode in ("html", "none", "html-sql"):
            for j, label in ((0, "median"), (1, "p95")):
                ratios = [
                    summary(a, mode)[j] / summary(b, mode)[j]
                    for a, b in zip(results[name], results["before"], strict=True)
                ]
                print(
                    f"  {mode:8} {label:6} {' '.join(f'{x:.2f}' for x in ratios)}   "
                    f"median {statistics.median(ratios):.2f}"
                )
        a, b = results[name][0], results["before"][0]
        same = sum(x == y for x, y in zip(a["hits"], b["hits"], strict=True))
        same_set = sum(set(x) == set(y) for x, y in zip(a["hits"], b["hits"], strict=True))
        print(
            f"  queries with the same top 10 in the same order: {same}/{len(a['hits'])}; "
            f"the same set: {same_set}"
        )
        for k in kinds:
            diff = [
                t
                for t, x, y, kk in zip(a["texts"], a["hits"], b["hits"], a["kinds"], strict=True)
                if kk == k and x != y
            ]
            if diff:
                print(f"    {k}: {len(diff)} differ, e.g. {diff[:3]}")
    if args.json:
        args.json.write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
