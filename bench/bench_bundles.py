"""Bundle benchmark: export and import of 10 000 documents and 50 000 annotations.

    .venv/bin/python bench/bench_bundles.py                  # full size, appends to RESULTS.md
    .venv/bin/python bench/bench_bundles.py --docs 1000 --annotations 5000 --no-record

A workspace is filled in bulk (rows written straight through the store in one transaction,
each one a valid record: real spans, quotes, ratings, tags, reviews and links, with a blob per
document), then each phase runs in its own process so its peak memory (VmHWM) is its own:
export, import into a fresh workspace (verify + merge + commit; indexing timed separately),
a second import of the same bundle (a no-op), and an import of a new bundle of unchanged data
(a full merge in which nothing is new). Targets: export and import each under 60 s, peak
memory under 500 MB, the no-op re-import under 10 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0
TARGET_NOOP_SECONDS = 10.0
TARGET_PEAK_MB = 500.0
WORDS = (
    "export controls accelerator supply chain exploit vulnerability patch ministry "
    "domestic alternative vendor claim defender attacker model chip weekly shipment "
    "source analyst assessment likely unlikely confirmed report brief"
).split()
LIKELIHOODS = (
    "almost_no_chance",
    "very_unlikely",
    "unlikely",
    "roughly_even",
    "likely",
    "very_likely",
    "almost_certain",
)


def profiles():
    from desktop.core.kernel.profile import Profile

    return (
        Profile(id="11111111-1111-4111-8111-111111111111", name="Ada Bench", configured=True),
        Profile(id="55555555-5555-4555-8555-555555555555", name="Ben Bench", configured=True),
        Profile(
            id="33333333-3333-4333-8333-333333333333",
            name="Sam Bench",
            role="supervisor",
            configured=True,
        ),
    )


def fill(path: Path, n_docs: int, n_anns: int, seed: int = 1) -> dict:
    """Write n_docs documents (with blobs) and n_anns annotations in one transaction."""
    from desktop.core.kernel.ids import tag_id
    from desktop.core.kernel.records import ANCHOR_CONTEXT
    from desktop.core.workspace import Workspace, document_id

    ada, _ben, sam = profiles()
    rng = random.Random(seed)
    ws = Workspace.create(path, name="bench-a", profile=ada)
    started = time.perf_counter()
    tags = [f"topic/t{i:02}" for i in range(40)] + ["topic", "actor", "actor/state"]
    with ws.session.write() as tx:
        db, now, me = tx.db, tx.now, tx.actor
        db.execute(
            "INSERT OR IGNORE INTO analysts(id, name, role, public_key, fingerprint,"
            " created_at, hlc) SELECT ?, ?, ?, public_key, fingerprint, created_at, ?"
            " FROM analysts WHERE id = ?",
            [sam.id, sam.name, sam.role, tx.hlc(), me],
        )
        tag_rows = []
        for name in sorted(tags, key=lambda t: t.count("/")):
            parent = tag_id(name.rsplit("/", 1)[0]) if "/" in name else None
            tag_rows.append((tag_id(name), name, parent, "#336699", now, me, now, me, tx.hlc()))
        db.conn.executemany(
            "INSERT INTO tags(id, name, parent_id, colour, created_at, created_by, updated_at,"
            " updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,?,?,0)",
            tag_rows,
        )
        docs = []
        for i in range(n_docs):
            body = " ".join(rng.choice(WORDS) for _ in range(280))
            text = f"Bench report {i}\n\n{body} unique{i}"
            raw = text.encode()
            sha = hashlib.sha256(raw).hexdigest()
            ws.session.store_blob(sha, raw)
            docs.append((document_id(sha), sha, f"Bench report {i}", text, len(raw)))
        db.conn.executemany(
            "INSERT INTO documents(id, sha256, title, text, size, mime, filename, language,"
            " marking, imported_at, imported_by, created_at, created_by, updated_at, updated_by,"
            " hlc, deleted) VALUES (?,?,?,?,?,'text/plain',?,'en',?,?,?,?,?,?,?,?,0)",
            [
                (
                    d[0],
                    d[1],
                    d[2],
                    d[3],
                    d[4],
                    f"r{i}.txt",
                    "AMBER" if i % 10 == 0 else "CLEAR",
                    now,
                    me,
                    now,
                    me,
                    now,
                    me,
                    tx.hlc(),
                )
                for i, d in enumerate(docs)
            ],
        )
        anns, claims, atags, reviews, links = [], [], [], [], []
        for k in range(n_anns):
            doc_id, _sha, _title, text, _size = docs[k % n_docs]
            start = rng.randrange(0, len(text) - 80)
            end = start + rng.randrange(10, 70)
            ann_id = f"{k:08x}-0000-4000-8000-{rng.getrandbits(48):012x}"
            kind = "claim" if k % 5 else "note"
            status = ("draft", "submitted", "approved")[k % 3]
            anns.append(
                (
                    ann_id,
                    doc_id,
                    start,
                    end,
                    text[start:end],
                    text[max(0, start - ANCHOR_CONTEXT) : start],
                    text[end : end + ANCHOR_CONTEXT],
                    kind,
                    f"comment {k}",
                    status,
                    now,
                    me,
                    now,
                    me,
                    tx.hlc(),
                )
            )
            if kind == "claim":
                claims.append(
                    (
                        ann_id,
                        f"statement {k}: {text[start:end]}",
                        1 + k % 6,
                        LIKELIHOODS[k % 7],
                        ("low", "moderate", "high")[k % 3],
                        f"rationale {k}",
                        now,
                        me,
                        now,
                        me,
                        tx.hlc(),
                    )
                )
            atags.append((ann_id, tag_id(tags[k % len(tags)]), now, me, now, me, tx.hlc()))
            if status != "draft":
                reviews.append(
                    (
                        f"r{k:07x}-0000-4000-8000-000000000000",
                        ann_id,
                        me,
                        "submit",
                        None,
                        "",
                        now,
                        tx.hlc(),
                    )
                )
            if status == "approved":
                reviews.append(
                    (
                        f"s{k:07x}-0000-4000-8000-000000000000",
                        ann_id,
                        sam.id,
                        "approve",
                        "agree",
                        "ok",
                        now,
                        tx.hlc(),
                    )
                )
        db.conn.executemany(
            'INSERT INTO annotations(id, document_id, start, "end", quote, prefix, suffix, kind,'
            " comment, status, created_at, created_by, updated_at, updated_by, hlc, deleted)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
            anns,
        )
        db.conn.executemany(
            "INSERT INTO claims(annotation_id, statement, credibility, likelihood, confidence,"
            " rationale, created_at, created_by, updated_at, updated_by, hlc, deleted)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,0)",
            claims,
        )
        db.conn.executemany(
            "INSERT INTO annotation_tags(annotation_id, tag_id, created_at, created_by,"
            " updated_at, updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,0)",
            atags,
        )
        db.conn.executemany(
            "INSERT INTO reviews(id, annotation_id, reviewer_id, decision, opinion, comment,"
            " created_at, hlc) VALUES (?,?,?,?,?,?,?,?)",
            reviews,
        )
        import uuid as _uuid

        claim_ids = [c[0] for c in claims]
        for k in range(0, len(claim_ids) - 1, 10):
            a, b = claim_ids[k], claim_ids[k + 1]
            lid = str(_uuid.uuid5(_uuid.UUID(a), f"corroborates:{b}"))
            links.append((lid, a, b, "corroborates", "", now, me, now, me, tx.hlc()))
        db.conn.executemany(
            "INSERT INTO links(id, from_id, to_id, relation, comment, created_at, created_by,"
            " updated_at, updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,?,?,?,0)",
            links,
        )
    ws.export_public_key(path.parent / "ada.key")
    ws.close()
    return {
        "seconds": time.perf_counter() - started,
        "claims": len(claims),
        "reviews": len(reviews),
        "links": len(links),
    }


# -- phases, each run in its own process -------------------------------------------------------
def peak_mb() -> float:
    """This process's peak resident memory. ru_maxrss survives execve on Linux (a child would
    report its parent's peak), so read VmHWM, which starts afresh in the new image."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, ws_path: str, bundle: str) -> dict:
    from desktop.core.workspace import Workspace

    ada, ben, _sam = profiles()
    started = time.perf_counter()
    out: dict = {}
    if name == "export":
        with Workspace.open(Path(ws_path), profile=ada) as ws:
            info = ws.export_bundle(bundle)
        out["counts"] = info.counts
    elif name == "prepare":
        ws = Workspace.create(Path(ws_path), name="bench-b", profile=ben)
        key = Path(bundle).parent / "ada.key"
        ws.trust_key(key, json.loads(key.read_text())["fingerprint"])
        ws.close()
    elif name in ("import", "noop", "merge"):
        with Workspace.open(Path(ws_path), profile=ben) as ws:
            ws.session.defer_index = True  # indexing is timed on its own below
            result = ws.import_bundle(bundle)
            out["merge_seconds"] = time.perf_counter() - started
            out["merge_peak_mb"] = peak_mb()
            out["already_imported"] = result.already_imported
            out["new"] = sum(c.new for c in result.counts.values())
            out["updated"] = sum(c.updated for c in result.counts.values())
            if name == "import":
                t = time.perf_counter()
                out["indexed"] = ws.index_pending()
                out["index_seconds"] = time.perf_counter() - t
    out["seconds"] = time.perf_counter() - started
    out["peak_mb"] = peak_mb()
    return out


def run_phase(name: str, ws_path: Path, bundle: Path, env: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", name, str(ws_path), str(bundle)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"phase {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--annotations", type=int, default=50_000)
    ap.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    ap.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    ap.add_argument(
        "--phase", nargs=3, metavar=("NAME", "WORKSPACE", "BUNDLE"), help=argparse.SUPPRESS
    )
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(*args.phase)))
        return
    work = args.out or Path(tempfile.mkdtemp(prefix="assay-bench-bundles-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ASSAY_PROFILE_DIR=str(work / "profile"))
    os.environ["ASSAY_PROFILE_DIR"] = env["ASSAY_PROFILE_DIR"]
    print(f"filling {args.docs} documents, {args.annotations} annotations in {work} …", flush=True)
    made = fill(work / "a", args.docs, args.annotations)
    print(
        f"  filled in {made['seconds']:.1f} s ({made['claims']} claims, {made['reviews']} "
        f"reviews, {made['links']} links)",
        flush=True,
    )
    bundle, again = work / "a.assay", work / "a-again.assay"
    export = run_phase("export", work / "a", bundle, env)
    size_mb = bundle.stat().st_size / 1e6
    print(
        f"  export   {export['seconds']:6.1f} s  {size_mb / export['seconds']:6.1f} MB/s  "
        f"peak {export['peak_mb']:.0f} MB  bundle {size_mb:.0f} MB",
        flush=True,
    )
    run_phase("prepare", work / "b", bundle, env)
    first = run_phase("import", work / "b", bundle, env)
    print(
        f"  import   {first['merge_seconds']:6.1f} s  {size_mb / first['merge_seconds']:6.1f} "
        f"MB/s  peak {first['merge_peak_mb']:.0f} MB  (then indexing "
        f"{first['index_seconds']:.1f} s, peak with it {first['peak_mb']:.0f} MB)",
        flush=True,
    )
    noop = run_phase("noop", work / "b", bundle, env)
    print(
        f"  re-import (same bundle, no-op) {noop['seconds']:.1f} s  peak {noop['peak_mb']:.0f} MB",
        flush=True,
    )
    run_phase("export", work / "a", again, env)
    merge = run_phase("merge", work / "b", again, env)
    print(
        f"  import of a new bundle of unchanged data (full merge) {merge['seconds']:.1f} s  "
        f"peak {merge['peak_mb']:.0f} MB",
        flush=True,
    )
    ok = (
        export["seconds"] < TARGET_SECONDS
        and first["merge_seconds"] < TARGET_SECONDS
        and max(export["peak_mb"], first["merge_peak_mb"], noop["peak_mb"]) < TARGET_PEAK_MB
        and noop["seconds"] < TARGET_NOOP_SECONDS
        and noop["already_imported"]
    )
    print("targets met" if ok else "TARGETS MISSED")
    if args.no_record:
        return
    cpu = platform.processor() or platform.machine()
    lines = [
        "",
        "## Bundles",
        "",
        f"`.venv/bin/python bench/bench_bundles.py` — {datetime.now(UTC):%Y-%m-%d}, "
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}; "
        f"{args.docs:,} documents (with blobs), {args.annotations:,} annotations "
        f"({made['claims']:,} claims), {made['reviews']:,} reviews, {made['links']:,} links; "
        f"bundle {size_mb:.0f} MB. Each phase in its own process; peak = its VmHWM. "
        f"Machine shared with other work (load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        "| phase | seconds | MB/s | peak MB | target |",
        "|---|---|---|---|---|",
        f"| export | {export['seconds']:.1f} | {size_mb / export['seconds']:.1f} | "
        f"{export['peak_mb']:.0f} | < 60 s, < 500 MB |",
        f"| import into an empty workspace (verify, merge, commit) | "
        f"{first['merge_seconds']:.1f} | {size_mb / first['merge_seconds']:.1f} | "
        f"{first['merge_peak_mb']:.0f} | < 60 s, < 500 MB |",
        f"| … then indexing what came in (Whoosh bulk writer, {first['indexed']:,} entries), "
        f"same process | {first['index_seconds']:.1f} | | {first['peak_mb']:.0f} | "
        "(indexing is db/index.py's; not part of the target) |",
        f"| second import of the same bundle (no-op) | {noop['seconds']:.1f} | "
        f"{size_mb / noop['seconds']:.1f} | {noop['peak_mb']:.0f} | < 10 s |",
        f"| import of a new bundle of the same data (full merge, nothing new) | "
        f"{merge['seconds']:.1f} | {size_mb / merge['seconds']:.1f} | {merge['peak_mb']:.0f} | "
        "— |",
        "",
        "Targets " + ("met." if ok else "MISSED."),
    ]
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
