"""Build a large synthetic workspace quickly, for the GUI benchmark (bench/bench_gui.py).

Rows go in with bulk SQL inside one `ws.session.write()` transaction (as `_commit_documents` does for an
import), with the same columns the core fills: documents with their original bytes as blobs,
sources, ~40 hierarchical tags, notes and claims (spans with quote/prefix/suffix, ratings, 1–3
tags, review statuses with their review rows), links between claims, an audit entry per change
and an index_queue row per document and annotation. `ws.index_pending()` then builds the Whoosh
index (timed on its own) and `ws.check()` must pass.

Annotations are spread over documents with a Zipf skew (some documents carry hundreds, most
none), plus one 1 MB document carrying 2 000 annotations. Document texts come from
bench/corpus.py (realistic word frequencies, domain topics, 1–10 KB).

The result is cached under bench/out/gui-ws-<docs>d-<annotations>a/, keyed by the sizes, this
builder's version and the schema/index versions; a rerun reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BUILD_VERSION = "1"
SEED = 31337
LONG_TITLE = "Synthetic long report"
LONG_SIZE = 1_000_000
LONG_ANNOTATIONS = 2_000

ANALYST_ID = "b1000000-0000-4000-8000-00000000a001"
SUPERVISOR_ID = "b1000000-0000-4000-8000-00000000a002"
OTHER_ANALYSTS = (
    ("b1000000-0000-4000-8000-00000000a003", "Priya Natarajan"),
    ("b1000000-0000-4000-8000-00000000a004", "Tomasz Wieczorek"),
    ("b1000000-0000-4000-8000-00000000a005", "Amara Okafor"),
    ("b1000000-0000-4000-8000-00000000a006", "Lena Hoffmann"),
)
# share of annotations made by the workstation's own analyst (the rest by colleagues)
OWN_SHARE = 0.3

TAG_TREE = {
    "actor": ("state", "criminal", "hacktivist", "insider", "vendor"),
    "capability": (
        "vuln-discovery",
        "exploitation",
        "malware",
        "ai-tools",
        "surveillance",
        "evasion",
    ),
    "policy": ("export-controls", "sanctions", "regulation", "standards", "procurement"),
    "supply-chain": ("chips", "firmware", "open-source", "logistics"),
    "sector": ("energy", "finance", "health", "telecom", "defence"),
    "region": ("east-asia", "europe", "middle-east", "north-america", "south-asia"),
    "source-type": ("report", "advisory", "interview"),
}
STATUSES = (
    ("draft", 45),
    ("submitted", 25),
    ("approved", 18),
    ("changes_requested", 8),
    ("rejected", 4),
)
MARKINGS = (("CLEAR", 50), ("GREEN", 30), ("AMBER", 15), ("AMBER+STRICT", 3), ("RED", 2))
RELATIONS = ("corroborates", "contradicts", "duplicates", "refines")
NOTE_COMMENTS = (
    "Check against the vendor advisory.",
    "Same figure as last quarter's brief?",
    "Source is second-hand here.",
    "Follow up with the regional desk.",
    "Date looks wrong.",
    "Compare with the export-control timeline.",
    "",
)
RATIONALES = (
    "Single source, not corroborated.",
    "Consistent with two independent reports.",
    "Vendor claim; commercial interest.",
    "Official statement, but vague on dates.",
    "",
)


def tag_names() -> list[str]:
    """The ~40 hierarchical tags, parents before children."""
    out = []
    for parent, children in TAG_TREE.items():
        out.append(parent)
        out += [f"{parent}/{c}" for c in children]
    return out


def profile_dirs(cache: Path) -> dict[str, Path]:
    return {role: cache / "profiles" / role for role in ("analyst", "supervisor")}


def profiles():
    from desktop.core.kernel.profile import Profile

    return {
        "analyst": Profile(id=ANALYST_ID, name="Bench Analyst", role="analyst", configured=True),
        "supervisor": Profile(
            id=SUPERVISOR_ID, name="Bench Supervisor", role="supervisor", configured=True
        ),
    }


def cache_key(n_docs: int, n_anns: int) -> dict:
    from db import index as ixmod
    from db import migrations

    return {
        "build": BUILD_VERSION,
        "docs": n_docs,
        "annotations": n_anns,
        "schema": migrations.latest_name(),
        "index": ixmod.SCHEMA_VERSION,
    }


def ensure_workspace(
    out: Path, n_docs: int, n_anns: int, *, rebuild: bool = False, log=print
) -> tuple[Path, dict]:
    """The cached workspace folder for these sizes (built if missing or stale) and its facts."""
    cache = Path(out) / f"gui-ws-{n_docs}d-{n_anns}a"
    meta_file = cache / "build.json"
    key = cache_key(n_docs, n_anns)
    if not rebuild and meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if meta.get("key") == key and (cache / "workspace" / "assay.db").exists():
            meta["cached"] = True
            return cache, meta
        log(f"cached workspace {cache} is stale ({meta.get('key')} != {key}); rebuilding")
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    meta = build(cache, n_docs, n_anns, log=log)
    meta["key"] = key
    meta_file.write_text(json.dumps(meta, indent=2))
    meta["cached"] = False
    return cache, meta


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _body(raw: str) -> str:
    """The corpus writes .md with front matter; keep the normalised text a parser would."""
    if raw.startswith("---\n"):
        raw = raw.split("\n---\n", 1)[1].lstrip("\n")
        if raw.startswith("# "):
            raw = raw[2:]
    return raw.strip() + "\n"


def _spans(rng: random.Random, text: str, k: int) -> list[tuple[int, int]]:
    """k word-aligned spans of 25–260 characters at random places (some overlap)."""
    n = len(text)
    out = []
    for _ in range(k):
        s = rng.randrange(0, max(1, n - 60))
        sp = text.find(" ", s)
        if 0 <= sp < n - 40:
            s = sp + 1
        e = min(n, s + int(rng.uniform(25, 260)))
        sp = text.find(" ", e)
        if 0 < sp < min(n, e + 30):
            e = sp
        if e <= s:
            e = min(n, s + 10)
        out.append((s, e))
    return out


def _long_spans(rng: random.Random, text: str, k: int) -> list[tuple[int, int]]:
    """Spread evenly over the text like tools/reader_timing.py (some overlapping)."""
    n = len(text)
    step = max(n // k, 2)
    out = []
    for i in range(k):
        s = min(i * step + rng.randrange(0, max(step // 2, 1)), n - 2)
        e = min(s + rng.randrange(12, max(step * 2, 14)), n)
        out.append((s, e))
    return out


class _Rows:
    """Rows collected for one executemany batch."""

    def __init__(self):
        self.documents: list[list] = []
        self.annotations: list[list] = []
        self.claims: list[list] = []
        self.annotation_tags: list[list] = []
        self.reviews: list[list] = []
        self.queue: list[list] = []
        self.audit: list[tuple] = []  # (at, actor, action, entity, id, change)


def build(cache: Path, n_docs: int, n_anns: int, *, log=print, seed: int = SEED) -> dict:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    from corpus import Corpus

    from desktop.core.kernel import keys
    from desktop.core.kernel.ids import tag_id
    from desktop.core.kernel.records import ANCHOR_CONTEXT, DEFAULT_OPINION, default_colour
    from desktop.core.kernel.scales import CONFIDENCE, LIKELIHOOD
    from desktop.core.workspace import Workspace, document_id, name_id
    from tools.reader_timing import synthetic_text

    started = time.perf_counter()
    dirs = profile_dirs(cache)
    profs = profiles()
    signing = {}
    for role, p in profs.items():
        os.environ["ASSAY_PROFILE_DIR"] = str(dirs[role])
        p.save()
        signing[p.id] = keys.load_or_create_private_key(p.id, dirs[role])
    os.environ["ASSAY_PROFILE_DIR"] = str(dirs["analyst"])
    ws_path = cache / "workspace"
    ws = Workspace.create(ws_path, name=f"GUI bench {n_docs} documents", profile=profs["analyst"])

    rng = random.Random(seed)
    corpus = Corpus(n_docs)
    likelihoods = [x.key for x in LIKELIHOOD]
    tags = tag_names()
    leaves = [t for t in tags if "/" in t]
    leaf_weights = [1 / (r + 2) for r in range(len(leaves))]
    rng.shuffle(leaves)
    analysts = [ANALYST_ID] + [a for a, _n in OTHER_ANALYSTS]
    analyst_weights = [OWN_SHARE] + [(1 - OWN_SHARE) / len(OTHER_ANALYSTS)] * len(OTHER_ANALYSTS)

    # how many annotations each document carries: Zipf over a shuffled order of documents
    weights = [1 / (r + 8) ** 1.05 for r in range(n_docs)]
    order = list(range(n_docs))
    rng.shuffle(order)
    counts = Counter(order[p] for p in rng.choices(range(n_docs), weights=weights, k=n_anns))

    base = datetime.now(UTC) - timedelta(days=420)
    stats = Counter()
    claim_ids: list[tuple[str, str]] = []  # (annotation id, document id), for links
    long_doc_id = ""

    with ws.session.write() as tx:
        conn = tx.db.conn
        audit = ws.session.audit_log

        def travelling(at: str, by: str) -> list:
            return [at, by, at, by, tx.hlc(), 0]

        # colleagues (and the supervisor) with real public keys
        for aid, name, role in [(SUPERVISOR_ID, profs["supervisor"].name, "supervisor")] + [
            (a, n, "analyst") for a, n in OTHER_ANALYSTS
        ]:
            key = signing.get(aid) or keys.Ed25519PrivateKey.generate()
            raw = keys.public_raw(key.public_key())
            conn.execute(
                "INSERT OR IGNORE INTO analysts(id, name, role, public_key, fingerprint,"
                " created_at, hlc) VALUES (?,?,?,?,?,?,?)",
                [
                    aid,
                    name,
                    role,
                    keys.encode_public(raw),
                    keys.fingerprint(raw),
                    _iso(base),
                    tx.hlc(),
                ],
            )
        # tags, parents first
        tag_rows = []
        for name in tags:
            parent = tag_id(name.rsplit("/", 1)[0]) if "/" in name else None
            tag_rows.append(
                [
                    tag_id(name),
                    name,
                    parent,
                    default_colour(name),
                    *travelling(_iso(base), ANALYST_ID),
                ]
            )
        conn.executemany(
            "INSERT INTO tags(id, name, parent_id, colour, created_at, created_by, updated_at,"
            " updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,?,?,?)",
            tag_rows,
        )
        tag_ids = {name: tag_id(name) for name in tags}
        # sources with Admiralty reliability
        source_ids = []
        for name in corpus.sources:
            sid = name_id("source", name)
            source_ids.append(sid)
            conn.execute(
                "INSERT INTO sources(id, name, kind, reliability, created_at, created_by,"
                " updated_at, updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    sid,
                    name,
                    "outlet",
                    rng.choice("AABBBCCCDEF"),
                    *travelling(_iso(base), ANALYST_ID),
                ],
            )

        def add_annotations(rows: _Rows, doc_id: str, text: str, spans, doc_time: datetime):
            for s, e in spans:
                ann_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                by = rng.choices(analysts, weights=analyst_weights)[0]
                at_dt = doc_time + timedelta(minutes=rng.randrange(5, 60 * 24 * 30))
                at = _iso(at_dt)
                kind = "claim" if rng.random() < 0.6 else "note"
                status = _weighted(rng, STATUSES)
                quote = text[s:e]
                comment = rng.choice(NOTE_COMMENTS) if kind == "note" or rng.random() < 0.2 else ""
                rows.annotations.append(
                    [
                        ann_id,
                        doc_id,
                        s,
                        e,
                        quote,
                        text[max(0, s - ANCHOR_CONTEXT) : s],
                        text[e : e + ANCHOR_CONTEXT],
                        kind,
                        comment,
                        status,
                        *travelling(at, by),
                    ]
                )
                change = {"document": doc_id, "start": s, "end": e, "kind": kind}
                if kind == "claim":
                    statement = " ".join(quote.split())[:500]
                    ratings = [
                        1 + min(5, int(rng.expovariate(0.6))),
                        rng.choices(likelihoods, weights=(1, 3, 6, 6, 9, 5, 2))[0],
                        rng.choices(CONFIDENCE, weights=(3, 5, 2))[0],
                    ]
                    rows.claims.append(
                        [ann_id, statement, *ratings, rng.choice(RATIONALES), *travelling(at, by)]
                    )
                    change.update(
                        statement=statement,
                        credibility=ratings[0],
                        likelihood=ratings[1],
                        confidence=ratings[2],
                    )
                    claim_ids.append((ann_id, doc_id))
                k = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
                chosen = []
                while len(chosen) < k:
                    t = rng.choices(leaves, weights=leaf_weights)[0]
                    if rng.random() < 0.08:
                        t = t.split("/")[0]
                    if t not in chosen:
                        chosen.append(t)
                for t in chosen:
                    rows.annotation_tags.append([ann_id, tag_ids[t], *travelling(at, by)])
                change["tags"] = chosen
                rows.audit.append((at, by, f"add {kind}", "annotation", ann_id, change))
                rows.queue.append(["annotation", ann_id, "add"])
                if status != "draft":
                    sub = _iso(at_dt + timedelta(hours=2))
                    rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    rows.reviews.append([rid, ann_id, by, "submit", None, "", sub, tx.hlc()])
                    rows.audit.append(
                        (
                            sub,
                            by,
                            "submit",
                            "annotation",
                            ann_id,
                            {"review": rid, "opinion": None, "comment": ""},
                        )
                    )
                    if status != "submitted":
                        decision = {
                            "approved": "approve",
                            "rejected": "reject",
                            "changes_requested": "request_changes",
                        }[status]
                        dec_at = _iso(at_dt + timedelta(days=1))
                        why = "" if decision == "approve" else "Needs a second source."
                        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                        rows.reviews.append(
                            [
                                rid,
                                ann_id,
                                SUPERVISOR_ID,
                                decision,
                                DEFAULT_OPINION[decision],
                                why,
                                dec_at,
                                tx.hlc(),
                            ]
                        )
                        rows.audit.append(
                            (
                                dec_at,
                                SUPERVISOR_ID,
                                decision,
                                "annotation",
                                ann_id,
                                {
                                    "review": rid,
                                    "opinion": DEFAULT_OPINION[decision],
                                    "comment": why,
                                },
                            )
                        )
                stats[kind] += 1
                stats[status] += 1
                stats["tag links"] += len(chosen)

        def add_document(
            rows: _Rows, n: int, title: str, text: str, lang: str, author: str | None, filename: str
        ) -> str:
            data = text.encode("utf-8")
            sha = hashlib.sha256(data).hexdigest()
            ws.session.store_blob(sha, data)
            doc_id = document_id(sha)
            doc_time = base + timedelta(minutes=n * 400_000 // max(n_docs, 1) + rng.randrange(60))
            at = _iso(doc_time)
            by = rng.choices(analysts, weights=analyst_weights)[0]
            published = (datetime(2015, 1, 1) + timedelta(days=rng.randrange(11 * 365))).date()
            source = rng.choices(source_ids, cum_weights=corpus.source_cum)[0]
            rows.documents.append(
                [
                    doc_id,
                    sha,
                    title,
                    source,
                    author,
                    published.isoformat(),
                    None,
                    lang,
                    "text/plain",
                    filename,
                    len(data),
                    text,
                    _weighted(rng, MARKINGS),
                    at,
                    by,
                    *travelling(at, by),
                ]
            )
            rows.queue.append(["document", doc_id, "add"])
            rows.audit.append(
                (
                    at,
                    by,
                    "import",
                    "document",
                    doc_id,
                    {"sha256": sha, "title": title, "filename": filename},
                )
            )
            stats["bytes"] += len(data)
            return doc_id

        def flush(rows: _Rows) -> None:
            conn.executemany(
                "INSERT INTO documents(id, sha256, title, source_id, author, published_at, url,"
                " language, mime, filename, size, text, marking, imported_at, imported_by,"
                " created_at, created_by, updated_at, updated_by, hlc, deleted)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows.documents,
            )
            conn.executemany(
                'INSERT INTO annotations(id, document_id, start, "end", quote, prefix, suffix,'
                " kind, comment, status, created_at, created_by, updated_at, updated_by, hlc,"
                " deleted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows.annotations,
            )
            conn.executemany(
                "INSERT INTO claims(annotation_id, statement, credibility, likelihood, confidence,"
                " rationale, created_at, created_by, updated_at, updated_by, hlc, deleted)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows.claims,
            )
            conn.executemany(
                "INSERT INTO annotation_tags(annotation_id, tag_id, created_at, created_by,"
                " updated_at, updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,?)",
                rows.annotation_tags,
            )
            conn.executemany(
                "INSERT INTO reviews(id, annotation_id, reviewer_id, decision, opinion, comment,"
                " created_at, hlc) VALUES (?,?,?,?,?,?,?,?)",
                rows.reviews,
            )
            conn.executemany(
                "INSERT INTO index_queue(entity, entity_id, op) VALUES (?,?,?)", rows.queue
            )
            for at, actor, action, entity, eid, change in rows.audit:
                audit.append(tx.db, at, actor, action, entity, eid, change)

        last_log = time.perf_counter()
        for start in range(0, n_docs, 500):
            rows = _Rows()
            for i in range(start, min(start + 500, n_docs)):
                info, raw = corpus.document(i)
                author = rng.choices(corpus.authors, cum_weights=corpus.author_cum)[0]
                text = _body(raw)
                doc_id = add_document(
                    rows, i, info.title, text, info.lang, author, f"doc{i:06d}.txt"
                )
                if counts[i]:
                    add_annotations(
                        rows,
                        doc_id,
                        text,
                        _spans(rng, text, counts[i]),
                        base + timedelta(days=i * 400 // n_docs),
                    )
            flush(rows)
            if time.perf_counter() - last_log > 10:
                last_log = time.perf_counter()
                log(f"  … {min(start + 500, n_docs)}/{n_docs} documents written")
        # the long document
        rows = _Rows()
        text = synthetic_text(LONG_SIZE)
        long_doc_id = add_document(
            rows, n_docs, LONG_TITLE, text, "en", "Bench Author", "long-report.txt"
        )
        add_annotations(
            rows,
            long_doc_id,
            text,
            _long_spans(rng, text, LONG_ANNOTATIONS),
            base + timedelta(days=10),
        )
        flush(rows)
        # links between claims of different documents
        n_links = 0
        link_rows = []
        seen = set()
        for _ in range(min(n_anns // 25, len(claim_ids) // 2)):
            (a, da), (b, db) = rng.sample(claim_ids, 2)
            relation = rng.choice(RELATIONS)
            if da == db or (a, b, relation) in seen:
                continue
            seen.add((a, b, relation))
            lid = str(uuid.uuid5(uuid.UUID(a), f"{relation}:{b}"))
            at = _iso(base + timedelta(days=400))
            link_rows.append([lid, a, b, relation, "", *travelling(at, ANALYST_ID)])
            n_links += 1
        conn.executemany(
            "INSERT INTO links(id, from_id, to_id, relation, comment, created_at, created_by,"
            " updated_at, updated_by, hlc, deleted) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            link_rows,
        )
        tx.changes.index = True
    rows_s = time.perf_counter() - started
    log(
        f"  rows and blobs written in {rows_s:.1f} s; indexing "
        f"{n_docs + 1} documents and {n_anns + LONG_ANNOTATIONS} annotations…"
    )

    t = time.perf_counter()
    indexed = ws.index_pending()
    index_s = time.perf_counter() - t
    log(f"  indexed {indexed} entries in {index_s:.1f} s; checking…")
    t = time.perf_counter()
    report = ws.check()
    check_s = time.perf_counter() - t
    db_bytes = (ws_path / "assay.db").stat().st_size
    counts_db = {
        table: ws.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "documents",
            "annotations",
            "claims",
            "annotation_tags",
            "tags",
            "reviews",
            "links",
            "audit",
            "index_queue",
        )
    }
    ws.close()
    if not report.ok:
        raise RuntimeError("the built workspace fails `check`: " + "; ".join(report.problems[:5]))
    log(f"  check passed in {check_s:.1f} s")
    return {
        "workspace": str(ws_path),
        "long_doc_id": long_doc_id,
        "long_doc_chars": len(text),
        "long_doc_annotations": LONG_ANNOTATIONS,
        "rows_seconds": round(rows_s, 2),
        "index_seconds": round(index_s, 2),
        "check_seconds": round(check_s, 2),
        "indexed_entries": indexed,
        "db_bytes": db_bytes,
        "text_bytes": stats["bytes"],
        "counts": counts_db,
        "stats": dict(stats),
        "max_annotations_per_document": max(counts.values()) if counts else 0,
        "documents_with_annotations": len(counts),
        "profiles": {role: str(d) for role, d in profile_dirs(cache).items()},
        "built_at": datetime.now().isoformat(timespec="seconds"),
    }
