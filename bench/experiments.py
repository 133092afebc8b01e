"""Candidate speed-ups tried by monkeypatching the core from outside (nothing in desktop/ or db/ changes).

    .venv/bin/python bench/experiments.py import --n 2000 [--out DIR]
    .venv/bin/python bench/experiments.py search --n 2000 [--out DIR]
    .venv/bin/python bench/experiments.py micro --n 300

`import`: the same corpus imported into a fresh workspace once per variant; wall and CPU seconds
of the stored phase and of the index phase. `search`: where a query's time goes (parse, Whoosh
search, highlights, SQL), and variants. `micro`: per-document costs of the ingest steps.
Each variant is applied, measured and undone; figures are from one run on a shared machine.

Since applied in db/index.py (so these variants now measure nothing new): the C-cached stemmer
(CachedStemFilter), one CJK scan per value in MixedTokenizer, and a faster highlighter (`_Highlights`; it keeps Whoosh's ContextFragmenter,
which the PinpointFragmenter variant here does not: that one gives other fragments). A/B of
the applied code against an older copy: bench/bench_index_ab.py.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import Corpus  # noqa: E402
from snapshot import use_snapshot  # noqa: E402


def cpu() -> float:
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


@contextlib.contextmanager
def patched(obj, name, value):
    # read a class attribute raw, so a staticmethod is put back as a staticmethod
    old = obj.__dict__[name] if isinstance(obj, type) else getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


# --- candidate replacements ------------------------------------------------------------------------

# Function words of common Latin-script languages: enough to call a language on a few hundred
# words of prose; anything unclear (short, mixed, other scripts) still goes to langdetect.
_STOPWORDS = {
    "en": "the of and to in that is for on with as by was are it from at be this has have which its their said not or but an were also",
    "fr": "le la les de des du et à en un une que qui pour dans sur par avec est sont au aux ce cette ces il elle ils plus pas ne se son sa été mais",
    "de": "der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer",
    "es": "el la los las de del y en que un una por con para es se no su al lo como más pero sus le ya fue este ha entre",
    "it": "il la le di del della e in che un una per con non si è da al dei delle nel più sono come anche alla gli ha",
    "pt": "o a os as de do da dos das e em que um uma para com não se é por no na ao mais como mas foi ele ela",
    "nl": "de het een en van in is dat op te met voor zijn niet aan er als ook door bij om maar uit naar dan worden",
}
_STOPSETS = {k: frozenset(v.split()) for k, v in _STOPWORDS.items()}
_LATIN_WORD = re.compile(r"[a-zà-öø-ÿ]+")
_NON_LATIN = re.compile(r"[^\x00-\u024f\u2000-\u206f]")


def make_fast_detect(original):
    def detect_language(text: str) -> str:
        sample = text[:2000]
        if not _NON_LATIN.search(sample):
            words = _LATIN_WORD.findall(sample.lower())
            if len(words) >= 30:
                scores = sorted(
                    ((sum(1 for w in words if w in s), k) for k, s in _STOPSETS.items()),
                    reverse=True,
                )
                (best, lang), (second, _l2) = scores[0], scores[1]
                if best >= 0.12 * len(words) and best >= 3 * max(second, 1):
                    return lang
        return original(text)

    return detect_language


_ODD = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def fast_looks_like_text(text: str) -> bool:
    """Same rule as ingest._looks_like_text (NULs; Cc other than tab..CR; U+FFFD), by regex."""
    sample = text[:8192]
    if sample.count("\x00") > max(1, len(sample) // 200):
        return False
    return len(_ODD.findall(sample)) <= 0.05 * len(sample)


def fast_pieces_factory(ixmod):
    orig = ixmod.MixedTokenizer._pieces

    def _pieces(value):
        if not ixmod._CJK.search(value):  # one scan of the whole value instead of one per word
            for m in ixmod._WORD.finditer(value):
                yield m.start(), m.end(), m.group()
            return
        yield from orig(value)

    return staticmethod(_pieces)


def c_stem_clear(self):
    """StemFilter.clear with functools.lru_cache (C) instead of Whoosh's pure-Python LFU cache."""
    stemfn = self.stemfn
    if self.lang:
        from whoosh.lang import stemmer_for_language

        stemfn = stemmer_for_language(self.lang)
    self._stem = functools.lru_cache(maxsize=max(self.cachesize, 100_000))(stemfn)


def normalise_once(original):
    """normalise_text that returns its own last output untouched (parsers call it 2-3 times)."""
    last = [None]

    def normalise_text(text):
        if text is last[0]:
            return text
        out = original(text)
        last[0] = out
        return out

    return normalise_text


class PipelinedParse:
    """Parse every file in a pool of processes, ahead of the import loop, in the loop's order.

    Stands in for an import that reads/hashes/stores in the main process while worker processes
    parse: ingest.parse_bytes is replaced by a lookup of the next result from the pool.
    """

    def __init__(self, root: Path, workers: int, ingest):
        from concurrent.futures import ProcessPoolExecutor

        files = [
            f
            for f in sorted(root.rglob("*"))
            if f.is_file() and f.suffix.lower() in ingest.SUPPORTED_EXTENSIONS
        ]
        self.pool = ProcessPoolExecutor(workers)
        self.results = self.pool.map(_parse_file, [str(f) for f in files], chunksize=8)

    def parse_bytes(self, data, name):
        fname, parsed = next(self.results)
        if fname != name:
            raise RuntimeError(f"pipeline out of order: {fname} != {name}")
        return parsed

    def close(self):
        self.pool.shutdown()


def _parse_file(path: str):
    from desktop.core import ingest

    p = Path(path)
    return p.name, ingest.parse_bytes(p.read_bytes(), p.name)


def c_stem_analyzer_factory(ixmod):
    """text_analyzer with the stemmer cached by functools.lru_cache (C) instead of Whoosh's LRU."""
    from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter

    class CStem(StemFilter):
        def __init__(self, *a, **k):
            super().__init__(*a, cachesize=-1, **k)

        def clear(self):
            super().clear()
            self._stem = functools.lru_cache(maxsize=100_000)(self._stem)

    def text_analyzer():
        return ixmod.MixedTokenizer() | LowercaseFilter() | StopFilter(minsize=1) | CStem()

    return text_analyzer


# --- import variants ---------------------------------------------------------------------------------


def run_import(ws_path: Path, root: Path, index: bool = True) -> dict:
    from desktop.core.workspace import Workspace

    shutil.rmtree(ws_path, ignore_errors=True)
    ws = Workspace.create(ws_path)
    c0 = cpu()
    t0 = time.perf_counter()
    rep = ws.import_paths([root], index=False)
    t1 = time.perf_counter()
    c1 = cpu()
    if index:
        ws.index_pending()
    t2 = time.perf_counter()
    c2 = cpu()
    ws.close()
    n = len(rep.imported)
    return {
        "n": n,
        "stored_s": t1 - t0,
        "stored_cpu": c1 - c0,
        "index_s": t2 - t1,
        "index_cpu": c2 - c1,
    }


def cmd_import(args, out: Path) -> None:
    from db import index as ixmod
    from desktop.core import ingest
    from desktop.core import workspace as wsmod

    root = out / f"corpus-{args.n}"
    if not root.exists():
        Corpus(args.n).write(root)
    fast_detect = make_fast_detect(ingest.detect_language)

    def writer_variant(**kw):
        def write(self, upserts, deletes=(), *, bulk=False, fresh=False):
            deletes = list(deletes)
            with self._lock:
                w = self.ix.writer(**kw)
                n = 0
                for doc in upserts:
                    (w.add_document if fresh else w.update_document)(**doc)
                    n += 1
                w.commit()
                self._refresh(reopen=True)
                return n

        return write

    from whoosh.analysis import morph

    fast_text = [(ingest, "_looks_like_text", fast_looks_like_text)]
    stored_fixes = [
        (ingest, "detect_language", fast_detect),
        *fast_text,
        (ingest, "normalise_text", normalise_once(ingest.normalise_text)),
    ]
    variants = {
        "baseline": [],
        "lang: stopword detector, py3langid fallback": [(ingest, "detect_language", fast_detect)],
        "lang: py3langid on 300 chars": [(ingest, "_LANGUAGE_SAMPLE_CHARS", 300)],
        "lang: none (upper bound)": [(ingest, "detect_language", lambda t: "en")],
        "regex _looks_like_text": fast_text,
        "normalise_text once per document": [
            (ingest, "normalise_text", normalise_once(ingest.normalise_text))
        ],
        "stored fixes (stopword lang + regex + once)": stored_fixes,
        "stored fixes + parse in 2 processes": [*stored_fixes, ("PIPELINE", 2, None)],
        "index: one-scan CJK check in tokenizer": [
            (ixmod.MixedTokenizer, "_pieces", fast_pieces_factory(ixmod))
        ],
        "index: C lru_cache for stemmer": [(morph.StemFilter, "clear", c_stem_clear)],
        "index: procs=1 limitmb=256 (one process)": [
            (ixmod.SearchIndex, "write", writer_variant(limitmb=256))
        ],
        "index: one writer for all (batch 100000)": [(wsmod, "BULK_INDEX_BATCH", 100_000)],
        "index: tokenizer + stemmer fixes": [
            (ixmod.MixedTokenizer, "_pieces", fast_pieces_factory(ixmod)),
            (morph.StemFilter, "clear", c_stem_clear),
        ],
    }
    only = set(args.only.split(",")) if args.only else None
    results = []
    for name, patches in variants.items():
        if only and not any(o in name for o in only):
            continue
        with contextlib.ExitStack() as stack:
            for obj, attr, value in patches:
                if obj == "PIPELINE":  # applied after the others, so workers inherit them
                    continue
                stack.enter_context(patched(obj, attr, value))
            workers = next((a for obj, a, _v in patches if obj == "PIPELINE"), 0)
            runs = []
            for _ in range(args.reps):
                if workers:  # a fresh pool each time, started after the other patches
                    pipe = PipelinedParse(root, workers, ingest)
                    try:
                        with patched(ingest, "parse_bytes", pipe.parse_bytes):
                            runs.append(
                                run_import(out / "ws-exp", root, index=args.phase != "stored")
                            )
                    finally:
                        pipe.close()
                else:
                    runs.append(run_import(out / "ws-exp", root, index=args.phase != "stored"))
            # the least disturbed of the repetitions (the machine is shared)
            r = {k: min(x[k] for x in runs) for k in runs[0]}
        r["name"] = name
        results.append(r)
        print(
            f"{name:45} stored {r['stored_s']:6.1f} s ({r['n'] / r['stored_s']:5.0f}/s, "
            f"cpu {r['stored_cpu']:5.1f} s)   index {r['index_s']:6.1f} s "
            f"({r['n'] / r['index_s']:5.0f}/s, cpu {r['index_cpu']:5.1f} s)   load "
            f"{os.getloadavg()[0]:.1f}  (min of {args.reps})",
            flush=True,
        )
    (out / "ws-exp").exists() and shutil.rmtree(out / "ws-exp")


# --- a faster highlighter ---------------------------------------------------------------------------


def make_fast_search(ixmod):
    """SearchIndex.search with highlights from one regex scan and a C-cached stemmer.

    Instead of running the whole analyzer chain (Token objects through four generators) over
    each hit's text, scan words with the tokenizer's regex, stem each (cached) and keep only
    the matches; Whoosh's PinpointFragmenter builds fragments from those. CJK text falls back
    to Whoosh's own path.
    """
    from whoosh import highlight, query
    from whoosh.analysis import Token
    from whoosh.lang.porter import stem

    cstem = functools.lru_cache(maxsize=200_000)(stem)
    frag = highlight.PinpointFragmenter(maxchars=160, surround=40, autotrim=True)
    scorer = highlight.BasicFragmentScorer()
    word_re = ixmod._WORD
    stop = frozenset(__import__("whoosh.analysis", fromlist=["STOP_WORDS"]).STOP_WORDS)

    def fragments_for(text, words, formatter, top=2):
        text_part = text[: highlight.DEFAULT_CHARLIMIT]
        # distinct words by the tokenizer's regex (C speed), stem each once (C cache)
        found = [
            w
            for w in set(word_re.findall(text_part.lower()))
            if w not in stop and cstem(w) in words
        ]
        if not found:
            return ""
        rx = re.compile(
            r"(?<![\w.'’])(?:"
            + "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True))
            + r")(?![\w])",
            re.I,
        )
        tokens = []
        for m in rx.finditer(text_part):
            t = Token(text=m.group().lower(), startchar=m.start(), endchar=m.end())
            t.matched = True
            tokens.append(t)
        best = highlight.top_fragments(
            frag.fragment_matches(text, tokens), top, scorer, highlight.FIRST
        )
        return formatter.format(best)

    def search(
        self,
        text,
        *,
        limit=20,
        kinds=None,
        text_for=None,
        highlight_format="html",
        count=False,
        filter_ids=None,
    ):
        q = self.parse(text)
        with self._lock:
            s = self.searcher()
            flt = query.Or([query.Term("kind", k) for k in kinds]) if kinds else None
            results = s.search(q, limit=limit, filter=flt, terms=bool(text_for))
            fmt = ixmod._formatter(highlight_format) if highlight_format and text_for else None
            if fmt is not None:
                results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
                results.formatter = fmt
            hits = []
            for r in results:
                stored = r.fields()
                hit = ixmod.Hit(
                    stored["id"], stored.get("kind", ""), stored.get("doc_id", ""), r.score
                )
                if fmt is not None:
                    matched = r.matched_terms()
                    for fname, ftext in text_for(hit).items():
                        if not ftext:
                            continue
                        if ixmod.has_cjk(ftext):
                            frag_text = r.highlights(fname, text=ftext, top=2)
                        else:
                            words = {
                                t.decode() if isinstance(t, bytes) else t
                                for f, t in matched
                                if f == fname
                            }
                            frag_text = fragments_for(ftext, words, fmt) if words else ""
                        if frag_text:
                            hit.fragments[fname] = frag_text
                hits.append(hit)
            total = results.estimated_length() if count else None
        return ixmod.Results(hits, total, text)

    return search


# --- search breakdown -------------------------------------------------------------------------------


def _search_breakdown(args, out: Path) -> None:
    from whoosh import highlight

    from db import index as ixmod
    from desktop.core.workspace import Workspace

    root = out / f"corpus-{args.n}"
    ws_path = args.ws or out / f"ws-search-{args.n}"
    corpus = Corpus(args.n)
    if not ws_path.exists():
        if not root.exists():
            corpus.write(root)
        ws = Workspace.create(ws_path)
        ws.import_paths([root])
        ws.close()
    queries = corpus.queries(args.queries)
    ws = Workspace(ws_path)
    ix = ws.index

    def timed(fn, *a, **k):
        t = time.perf_counter()
        fn(*a, **k)
        return [time.perf_counter() - t]

    def run_list(searcher, q, **k):
        return list(searcher.search(q, **k))

    def highlight_all(hits, bodies):
        return [h.highlights("body", text=b, top=2) for h, b in zip(hits, bodies, strict=True)]

    def p(v):
        v = sorted(x * 1000 for x in v)
        return f"{statistics.median(v):7.1f} / {v[max(0, int(len(v) * 0.95 + 0.5) - 1)]:7.1f}"

    texts = {}

    def text_for(hit):
        r = texts.get(hit.doc_id)
        if r is None:
            r = ws.db.execute("SELECT text FROM documents WHERE id = ?", [hit.doc_id]).fetchone()
            texts[hit.doc_id] = r
        return {"body": r[0]}

    qs = [q.text for q in queries]
    for q in qs:  # warm up
        ws.search(q, limit=10, highlight="html")
    rows = {
        "parse": [],
        "whoosh search (no terms)": [],
        "whoosh search terms=True": [],
        "highlights top 10 (Whoosh)": [],
        "ws.search highlight=None": [],
        "ws.search highlight=html": [],
    }
    for q in qs:
        rows["parse"] += timed(ix.parse, q)
        parsed = ix.parse(q)
        s = ix.searcher()
        rows["whoosh search (no terms)"] += timed(run_list, s, parsed, limit=10)
        rows["whoosh search terms=True"] += timed(run_list, s, parsed, limit=10, terms=True)
        res = s.search(parsed, limit=10, terms=True)
        res.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
        res.formatter = highlight.HtmlFormatter(tagname="b", classname="hit", between=" … ")
        hits = list(res)
        bodies = [
            ws.db.execute(
                "SELECT text FROM documents WHERE id = ?", [h.fields()["doc_id"]]
            ).fetchone()[0]
            for h in hits
        ]
        rows["highlights top 10 (Whoosh)"] += timed(highlight_all, hits, bodies)
        rows["ws.search highlight=None"] += timed(ws.search, q, limit=10, highlight=None)
        rows["ws.search highlight=html"] += timed(ws.search, q, limit=10, highlight="html")
    print(f"{len(qs)} queries on {args.n} documents, median / p95 ms")
    for k, v in rows.items():
        print(f"  {k:34} {p(v)}")

    # variant: prefix and wildcard only in title and body (fewer term expansions)
    kinds = {}
    for q in queries:
        kinds.setdefault(q.kind, []).append(q.text)
    pre = kinds.get("prefix", [])
    base = []
    for q in pre:
        base += timed(ws.search, q, limit=10, highlight="html")
    print(f"  prefix queries ws.search html      {p(base)}  (n={len(pre)})")
    fast = make_fast_search(ixmod)
    with patched(ixmod.SearchIndex, "search", fast):
        for q in qs:
            ws.search(q, limit=10, highlight="html")
        v = []
        for q in qs:
            v += timed(ws.search, q, limit=10, highlight="html")
        print(f"  ws.search html, fast highlighter   {p(v)}")
        a = ws.search(qs[0], limit=3, highlight="html")
    b = ws.search(qs[0], limit=3, highlight="html")
    for x, y in zip(a, b, strict=False):
        print("   fast :", x.fragments.get("body", "")[:200])
        print("   whoosh:", y.fragments.get("body", "")[:200])
    segments = len(list((ws_path / "index").glob("*.seg")))
    ws.close()
    if not args.optimize:
        return
    # the same searches on a copy of the index merged into one segment
    opt_path = out / "ws-optimized"
    shutil.rmtree(opt_path, ignore_errors=True)
    shutil.copytree(ws_path, opt_path, ignore=shutil.ignore_patterns("blobs", "lock"))
    ws = Workspace(opt_path)
    t = time.perf_counter()
    ws.index.optimize()
    print(f"  optimize() of {segments} segments into 1: {time.perf_counter() - t:.1f} s")
    for q in qs:
        ws.search(q, limit=10, highlight="html")
    for mode in (None, "html"):
        v = []
        for q in qs:
            v += timed(ws.search, q, limit=10, highlight=mode)
        print(f"  1 segment: ws.search highlight={mode!s:5}  {p(v)}")
    v = []
    for q in pre:
        v += timed(ws.search, q, limit=10, highlight="html")
    print(f"  1 segment: prefix queries html      {p(v)}")
    with patched(ixmod.SearchIndex, "search", fast):
        v = []
        for q in qs:
            v += timed(ws.search, q, limit=10, highlight="html")
        print(f"  1 segment + fast highlighter html  {p(v)}")
    ws.close()
    shutil.rmtree(opt_path, ignore_errors=True)
    _ = ixmod


def cmd_micro(args, out: Path) -> None:
    from desktop.core import ingest

    c = Corpus(args.n)
    docs = [c.document(i) for i in range(args.n)]
    datas = [(t.encode(), info.path.name) for info, t in docs]
    texts = [ingest.normalise_text(ingest._decode_text(d, n)) for d, n in datas]
    ingest.detect_language("warm up the langdetect profiles with some english words in it")
    fast = make_fast_detect(ingest.detect_language)

    def per_doc(fn, items):
        t = time.process_time()
        for x in items:
            fn(x)
        return (time.process_time() - t) / len(items) * 1000

    import hashlib

    agree = sum(fast(t) == ingest.detect_language(t) for t in texts)
    print(f"{args.n} documents, CPU ms per document")
    print(
        f"  parse_bytes (all of it)        {per_doc(lambda d: ingest.parse_bytes(*d), datas):7.2f}"
    )
    print(f"  detect_language (as shipped)   {per_doc(ingest.detect_language, texts):7.2f}")
    print(
        f"  detect_language (stopwords)    {per_doc(fast, texts):7.2f}   agrees on {agree}/{len(texts)}"
    )
    print(f"  _looks_like_text               {per_doc(ingest._looks_like_text, texts):7.2f}")
    print(
        f"  _looks_like_text (regex)       {per_doc(fast_looks_like_text, texts):7.2f}   same: "
        f"{all(fast_looks_like_text(t) == ingest._looks_like_text(t) for t in texts)}"
    )
    print(f"  normalise_text                 {per_doc(ingest.normalise_text, texts):7.2f}")
    print(
        f"  sha256                         {per_doc(lambda d: hashlib.sha256(d[0]).hexdigest(), datas):7.2f}"
    )
    from db import index as ixmod

    ana = ixmod.text_analyzer()
    print(
        f"  index analyzer over body       {per_doc(lambda t: [x.text for x in ana(t)], texts):7.2f}"
    )
    ixmod_pieces = fast_pieces_factory(ixmod)
    with patched(ixmod.MixedTokenizer, "_pieces", ixmod_pieces):
        ana2 = ixmod.text_analyzer()
        print(
            f"    with one-scan CJK check      {per_doc(lambda t: [x.text for x in ana2(t)], texts):7.2f}"
        )
    ana3 = c_stem_analyzer_factory(ixmod)()
    print(
        f"    with C lru_cache stemmer     {per_doc(lambda t: [x.text for x in ana3(t)], texts):7.2f}"
    )
    from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer

    sa = StandardAnalyzer(expression=r"\w+(\.?\w+)*")
    print(
        f"    Whoosh StandardAnalyzer      {per_doc(lambda t: [x.text for x in sa(t)], texts):7.2f}"
    )
    sm = StemmingAnalyzer(expression=r"\w+(\.?\w+)*")
    print(
        f"    Whoosh StemmingAnalyzer      {per_doc(lambda t: [x.text for x in sm(t)], texts):7.2f}"
    )


def cmd_prefix(args, out: Path) -> None:
    """Prefix queries on an existing workspace: the expansion cap and the number of fields."""
    from db import index as ixmod
    from desktop.core.workspace import Workspace

    queries = [q.text for q in Corpus(args.n).queries(args.queries) if q.kind == "prefix"]
    ws = Workspace(args.ws)

    def run(label):
        for q in queries:
            ws.search(q, limit=10, highlight="html")
        v = []
        for q in queries:
            t = time.perf_counter()
            ws.search(q, limit=10, highlight="html")
            v.append((time.perf_counter() - t) * 1000)
        v.sort()
        print(
            f"  {label:48} median {statistics.median(v):7.1f}  p95 "
            f"{v[max(0, int(len(v) * 0.95 + 0.5) - 1)]:7.1f}  max {v[-1]:7.1f} ms",
            flush=True,
        )

    print(f"{len(queries)} prefix queries, {args.n} documents, ws.search highlight=html")
    run("as is (MAX_EXPANSION 200, 7 fields)")
    for cap in (50, 20):
        with patched(ixmod, "MAX_EXPANSION", cap):
            run(f"MAX_EXPANSION {cap}")
    real = ixmod.SEARCH_FIELDS
    try:
        ixmod.SEARCH_FIELDS = ["title", "body"]
        ws.index._parser = ws.index._make_parser()
        run("fields title + body only (cap 200)")
    finally:
        ixmod.SEARCH_FIELDS = real
        ws.index._parser = ws.index._make_parser()
    ws.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("import", "search", "micro", "prefix"))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", default="", help="comma-separated substrings of variant names")
    ap.add_argument(
        "--reps", type=int, default=1, help="repetitions per variant; the minimum is kept"
    )
    ap.add_argument("--phase", choices=("stored", "both"), default="both")
    ap.add_argument(
        "--optimize",
        action="store_true",
        help="search: also measure after merging the index into one segment",
    )
    ap.add_argument(
        "--ws",
        type=Path,
        default=None,
        help="search: an existing workspace of this corpus (e.g. the benchmark's)",
    )
    args = ap.parse_args()
    temp = args.out is None
    out = Path(tempfile.mkdtemp(prefix="assay-exp-")) if temp else args.out
    out.mkdir(parents=True, exist_ok=True)
    os.environ["ASSAY_PROFILE_DIR"] = str(out / "profile")
    print(f"code: {use_snapshot(out)}", flush=True)
    try:
        {
            "import": cmd_import,
            "search": _search_breakdown,
            "micro": cmd_micro,
            "prefix": cmd_prefix,
        }[args.what](args, out)
    finally:
        if temp:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
