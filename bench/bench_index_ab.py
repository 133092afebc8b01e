"""A/B of two versions of the code on indexing and search, in one run, alternating.

    .venv/bin/python bench/bench_index_ab.py --before /tmp/before --n 2000 --reps 2
    .venv/bin/python bench/bench_index_ab.py --before /tmp/before --after /tmp/after --only search
    .venv/bin/python bench/bench_index_ab.py --before /tmp/before --also procs1=/tmp/v1 --reps 3

`--before` / `--after` are folders holding a copy of db/ and desktop/ (the default for --after is
a snapshot of this tree, taken at the start); `--also name=folder` adds more versions. Each measurement runs in a fresh child process
with one version first on sys.path; the versions alternate (A B B A ...) so a change of load on
this shared machine hits both. Reported per version: the analyzer's CPU per document, the index
phase of an import (wall, CPU incl. child processes, segments), search median / p95 without and
with HTML highlights (200 queries, top 10, one warm-up pass), and the ratio after / before of
each repetition. The hits and fragments of both versions are compared query by query.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
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


def cpu() -> float:
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


# --- child: one version, one measurement -----------------------------------------------------------


def child(args) -> None:
    sys.path.insert(0, str(args.code))
    from corpus import Corpus

    from desktop.core.workspace import Workspace

    out: dict = {}
    corpus = Corpus(args.n)
    if args.what == "analyzer":
        from db import index as ixmod

        texts = [corpus.document(i)[1] for i in range(min(args.n, 300))]
        ana = ixmod.text_analyzer()
        for t in texts[:20]:
            [x.text for x in ana(t)]
        best = math.inf
        for _ in range(3):
            t0 = time.process_time()
            for t in texts:
                [x.text for x in ana(t)]
            best = min(best, (time.process_time() - t0) / len(texts) * 1000)
        out["analyzer_ms"] = best
    elif args.what == "index":
        shutil.rmtree(args.ws, ignore_errors=True)
        ws = Workspace.create(args.ws)
        ws.import_paths([args.corpus], index=False)
        c0, t0 = cpu(), time.perf_counter()
        ws.index_pending()
        out["index_s"], out["index_cpu"] = time.perf_counter() - t0, cpu() - c0
        ws.close()
        out["segments"] = len(list((args.ws / "index").glob("*.seg")))
        out["index_mb"] = sum(f.stat().st_size for f in (args.ws / "index").iterdir()) / 1e6
    elif args.what == "search":
        ws = Workspace(args.ws)
        qs = [q.text for q in corpus.queries(args.queries)]
        for q in qs:  # warm up
            ws.search(q, limit=10, highlight="html")
        frags = []
        for mode in (None, "html"):
            times = []
            for q in qs:
                t0 = time.perf_counter()
                hits = ws.search(q, limit=10, highlight=mode)
                times.append((time.perf_counter() - t0) * 1000)
                if mode:
                    frags.append([[h.id, round(h.score, 6), h.fragments] for h in hits])
            out[f"search_{mode or 'none'}"] = [statistics.median(times), pct(times, 95)]
        ws.close()
        out["fragments"] = frags
    print(json.dumps(out))


# --- parent ---------------------------------------------------------------------------------------


def run_child(code: Path, what: str, args, ws: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "_child",
        "--code",
        str(code),
        "--what",
        what,
        "--n",
        str(args.n),
        "--queries",
        str(args.queries),
        "--corpus",
        str(args.corpus),
        "--ws",
        str(ws),
    ]
    env = dict(os.environ, PYTHONPATH=str(code))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT))
    if r.returncode:
        raise SystemExit(f"{what} with {code} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _classless(frags: dict) -> dict:
    # HtmlFormatter numbers term classes in the order it meets them: hits in another order
    # give other numbers for the same words
    return {k: re.sub(r' term\d+"', '"', v) for k, v in frags.items()}


def compare_hits(new: list, old: list) -> str:
    """Hits of two runs, query by query: the same ids in the same order, or the same scores
    with only equal-score hits swapped (their order follows document numbers, which differ
    between index layouts); and the same fragments for each id found by both."""
    same_order = same_scores = same_frags = 0
    for a, b in zip(new, old, strict=True):
        same_order += [h[0] for h in a] == [h[0] for h in b]
        same_scores += [h[1] for h in a] == [h[1] for h in b]
        fa = {h[0]: _classless(h[2]) for h in a}
        same_frags += all(fa[h[0]] == _classless(h[2]) for h in b if h[0] in fa)
    n = len(old)
    return (
        f"queries with the same hits in the same order: {same_order}/{n}; with the same "
        f"scores: {same_scores}/{n}; with the same fragments for every hit found by both: "
        f"{same_frags}/{n}"
    )


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
    ap.add_argument("--before", type=Path)
    ap.add_argument("--after", type=Path, default=None)
    ap.add_argument("--also", action="append", default=[], help="name=folder, another version")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--only", default="analyzer,index,search")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--code", type=Path)
    ap.add_argument("--what")
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--ws", type=Path)
    args = ap.parse_args()
    if args.mode == "_child":
        child(args)
        return 0

    from corpus import Corpus

    out = args.out or Path(tempfile.mkdtemp(prefix="assay-ab-"))
    out.mkdir(parents=True, exist_ok=True)
    after = args.after or snapshot(out / "after-code")
    versions = {"before": args.before.resolve(), "after": after.resolve()}
    for spec in args.also:
        name, _, folder = spec.partition("=")
        versions[name] = Path(folder).resolve()
    args.corpus = out / f"corpus-{args.n}"
    if not args.corpus.exists():
        Corpus(args.n).write(args.corpus)
    only = args.only.split(",")
    print(
        f"{args.n} documents, {args.queries} queries, {args.reps} repetitions; "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, list[dict]] = {name: [] for name in versions}
    for rep in range(args.reps):
        order = list(versions) if rep % 2 == 0 else list(versions)[::-1]
        for name in order:
            ws = out / f"ws-{name}"
            r: dict = {}
            if "analyzer" in only:
                r.update(run_child(versions[name], "analyzer", args, ws))
            if "index" in only or not ws.exists():
                r.update(run_child(versions[name], "index", args, ws))
            if "search" in only:
                r.update(run_child(versions[name], "search", args, ws))
            results[name].append(r)
            shown = {
                k: (
                    round(v, 2)
                    if isinstance(v, float)
                    else [round(x, 1) for x in v]
                    if k.startswith("search")
                    else v
                )
                for k, v in r.items()
                if k != "fragments"
            }
            print(f"rep {rep + 1} {name:6} {shown}  load {os.getloadavg()[0]:.1f}", flush=True)
    keys = [k for k in results["before"][0] if k != "fragments"]
    for name in list(versions)[1:]:
        print(f"\n{name} / before, per repetition (and the median over repetitions):")
        for k in keys:
            pairs = list(zip(results[name], results["before"], strict=True))
            if k.startswith("search"):
                for j, label in ((0, "median"), (1, "p95")):
                    ratios = [a[k][j] / b[k][j] for a, b in pairs]
                    print(
                        f"  {k} {label:6} {' '.join(f'{x:.2f}' for x in ratios)}   "
                        f"median {statistics.median(ratios):.2f}"
                    )
            else:
                ratios = [a[k] / b[k] for a, b in pairs]
                print(
                    f"  {k:20} {' '.join(f'{x:.2f}' for x in ratios)}   "
                    f"median {statistics.median(ratios):.2f}"
                )
        if "search" in only:
            print(
                "  "
                + compare_hits(results[name][0]["fragments"], results["before"][0]["fragments"])
            )
    if args.reps > 1 and "search" in only:
        print(
            "\nbefore, repetition 2 against 1 (A/A): "
            + compare_hits(results["before"][1]["fragments"], results["before"][0]["fragments"])
        )
    (out / "results.json").write_text(json.dumps(results))
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
