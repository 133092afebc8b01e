"""Whoosh full-text index: mixed English/CJK analysis, the schema, one writer, reused searchers."""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import logging
import re
import shutil
import sys
import threading
import types
import weakref
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


def _cached_property_without_asyncio() -> None:
    """whoosh.reading takes one decorator from the `cached_property` package, which imports
    asyncio (~12 % of a new `assay search` process's imports, bench/bench_coldstart.py);
    functools' cached_property does the same for it. Any other name of that package still
    comes from the package itself."""
    if "cached_property" in sys.modules:
        return
    shim = types.ModuleType("cached_property")
    shim.cached_property = functools.cached_property

    def real_name(name: str):
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        import importlib.machinery
        import importlib.util

        spec = importlib.machinery.PathFinder.find_spec("cached_property")
        real = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(real)
        sys.modules["cached_property"] = real
        return getattr(real, name)

    shim.__getattr__ = real_name
    sys.modules["cached_property"] = shim


@contextlib.contextmanager
def _deferred(module: str, *names: str) -> Iterator[None]:
    """While whoosh is imported, MODULE is a stand-in whose functions NAMES import the real
    module when first called; afterwards `import MODULE` gets the real one as usual.

    Whoosh imports two modules at start-up for functions a search never calls:
    `urllib.request` (for `urlretrieve`; it brings http, email, ssl and sockets, ~25 % of
    importing Whoosh) and `whoosh.lang.morph_en` (English variations, ~7 %)."""
    if module in sys.modules:
        yield
        return
    stub = types.ModuleType(module)
    for name in names:

        def call_real(*args, _name=name, **kwargs):
            import importlib

            return getattr(importlib.import_module(module), _name)(*args, **kwargs)

        call_real.__name__ = name
        setattr(stub, name, call_real)
    sys.modules[module] = stub
    try:
        yield
    finally:
        if sys.modules.get(module) is stub:
            del sys.modules[module]
        parent, _, child = module.rpartition(".")
        if getattr(sys.modules.get(parent), child, None) is stub:
            delattr(sys.modules[parent], child)


_cached_property_without_asyncio()
with _deferred("urllib.request", "urlretrieve"), _deferred("whoosh.lang.morph_en", "variations"):
    from whoosh import fields, highlight, index, matching, qparser, query
    from whoosh.analysis import (
        STOP_WORDS,
        LowercaseFilter,
        StemFilter,
        StopFilter,
        Token,
        Tokenizer,
    )
    from whoosh.filedb import compound, structfile
    from whoosh.lang.porter import stem as porter_stem
    from whoosh.matching import binary, mcore
    from whoosh.qparser.dateparse import DateParserPlugin


class _ViewFile:
    """A read-only file over a memoryview: read, seek and tell, copying only what is read."""

    __slots__ = ("_view", "_pos")

    def __init__(self, view) -> None:
        self._view = memoryview(view)
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        start, size = self._pos, len(self._view)
        end = size if n is None or n < 0 else min(start + n, size)
        self._pos = max(start, end)
        return self._view[start:end].tobytes()

    def readline(self, limit: int = -1) -> bytes:
        start, size = self._pos, len(self._view)
        end = size if limit is None or limit < 0 else min(start + limit, size)
        chunk = self._view[start:end].tobytes()
        cut = chunk.find(b"\n")
        if cut >= 0:
            chunk = chunk[: cut + 1]
        self._pos = start + len(chunk)
        return chunk

    def __iter__(self):
        while line := self.readline():
            yield line

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass


class _MappedBufferFile(structfile.BufferFile):
    """Whoosh's BufferFile over a part of a memory-mapped segment, without its copy.

    Whoosh opens each part of a segment (terms, postings, stored fields, lengths) as a
    BufferFile over the mapped file, and BufferFile wraps it in `BytesIO(buf)`, which copies
    the whole part into memory: a searching process held its whole index twice, once copied
    and once mapped (bench/bench_coldstart.py). This one reads from the mapping itself."""

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _ViewFile(buf)


compound.BufferFile = _MappedBufferFile  # the name CompoundStorage.open_file calls

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = "4"

_WORD = re.compile(r"\w+(?:[.'’]\w+)*")
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
MIN_PREFIX = 3
# Writer processes for bulk writes (multisegment: one segment per process and batch). 1 was
# measured (bench/bench_index_ab.py, 2 000 documents) at 19-27 % less CPU, half the segments
# and searches without highlights ~25 % faster, but the index phase took 1.4-1.6x the wall
# time whenever a core was idle (at load 2+ the same); so 2.
BULK_PROCS = 2
MAX_EXPANSION = 32  # measured: 200 terms put prefix p95 at 5 s on 20 000 documents

_jieba = None
_jieba_lock = threading.Lock()


class BadQuery(ValueError):
    """A query the index cannot read; the message says why (the search service shows it)."""


class IndexUnavailable(RuntimeError):
    """A read-only session found no usable index."""


def load_jieba():
    """jieba takes about a second to load its dictionary: do it only when CJK text appears."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


class MixedTokenizer(Tokenizer):
    """Words by regex, CJK runs by jieba's search mode; positions numbered one after another.

    jieba reports character offsets and overlapping words ("人工智能" also yields "人工" and
    "智能"); numbering positions sequentially keeps phrase queries working.
    """

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        if not _CJK.search(value):
            # the common case: plain regex words, one scan for CJK over the whole value
            for m in _WORD.finditer(value):
                t.text = text = m.group()
                t.boost = 1.0
                if keeporiginal:
                    t.original = text
                t.stopped = False
                if positions:
                    t.pos = pos
                    pos += 1
                if chars:
                    t.startchar, t.endchar = start_char + m.start(), start_char + m.end()
                yield t
            return
        for start, end, text in self._pieces(value):
            t.text = text
            t.boost = 1.0
            if keeporiginal:
                t.original = text
            t.stopped = False
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t

    @staticmethod
    def _pieces(value: str) -> Iterator[tuple[int, int, str]]:
        for m in _WORD.finditer(value):
            word = m.group()
            if not _CJK.search(word):
                yield m.start(), m.end(), word
                continue
            last = 0
            for c in _CJK.finditer(word):
                if c.start() > last:
                    yield m.start() + last, m.start() + c.start(), word[last : c.start()]
                run = c.group()
                base = m.start() + c.start()
                for piece, s, e in load_jieba().tokenize(run, mode="search"):
                    if piece.strip():
                        yield base + s, base + e, piece
                last = c.end()
            if last < len(word):
                yield m.start() + last, m.end(), word[last:]


class CachedStemFilter(StemFilter):
    """Whoosh's StemFilter (same Porter stemmer, same terms) with functools.lru_cache around it.

    Whoosh's own cache is a pure-Python LFU dictionary; with the C lru_cache the analyzer
    measured 16 % cheaper. `clear()` is what StemFilter calls from __init__ and after unpickling
    (the schema, analyzers included, is pickled into the index).
    """

    def __init__(self, stemfn=porter_stem, lang=None, ignore=None, cachesize=50_000):
        super().__init__(stemfn=stemfn, lang=lang, ignore=ignore, cachesize=cachesize)

    def clear(self):
        stemfn = self.stemfn
        if self.lang:
            from whoosh.lang import stemmer_for_language

            stemfn = stemmer_for_language(self.lang)
        size = self.cachesize
        if isinstance(size, int) and size != 0:
            self._stem = functools.lru_cache(maxsize=None if size < 0 else size)(stemfn)
        else:
            self._stem = stemfn

    def cache_info(self):
        return self._stem.cache_info() if hasattr(self._stem, "cache_info") else None

    def __reduce__(self):
        # The index keeps its schema pickled: store a plain StemFilter (the same terms), so
        # indexes written before this class existed and after stay readable both ways. This
        # code opens an index with make_schema() (see SearchIndex), never the pickled copy.
        return StemFilter, (), self.__getstate__()


STOP_MINSIZE = 1


def text_analyzer():
    return (
        MixedTokenizer() | LowercaseFilter() | StopFilter(minsize=STOP_MINSIZE) | CachedStemFilter()
    )


def make_schema() -> fields.Schema:
    ana = text_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),  # document | note | claim
        doc_id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=ana, field_boost=2.0),
        body=fields.TEXT(analyzer=ana),
        source=fields.TEXT(analyzer=ana),
        author=fields.TEXT(analyzer=ana),
        lang=fields.KEYWORD(lowercase=True, commas=True),
        marking=fields.KEYWORD(lowercase=True, commas=True),
        published=fields.DATETIME(),
        imported=fields.DATETIME(),
        quote=fields.TEXT(analyzer=ana),
        statement=fields.TEXT(analyzer=ana, field_boost=1.5),
        comment=fields.TEXT(analyzer=ana),
        tag=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        by=fields.KEYWORD(lowercase=True, commas=True),
        status=fields.KEYWORD(lowercase=True, commas=True),
        credibility=fields.KEYWORD(lowercase=True, commas=True),
        reliability=fields.KEYWORD(lowercase=True, commas=True),
        likelihood=fields.KEYWORD(lowercase=True, commas=True),
        confidence=fields.KEYWORD(lowercase=True, commas=True),
        admiralty=fields.KEYWORD(lowercase=True, commas=True),
    )


SEARCH_FIELDS = ["title", "body", "quote", "statement", "comment", "source", "author"]
ALIASES = {
    "published": ["date"],
    "lang": ["language"],
    "by": ["analyst"],
    "kind": ["type"],
    "admiralty": ["rating"],
}
QUERY_FIELDS = set(make_schema().names()) | {a for v in ALIASES.values() for a in v}


class _Expanding:
    """Prefix and wildcard queries expand once against the whole index (`expand`).

    Searching runs a query segment by segment, and a segment's reader only knows its own
    terms: Whoosh's expansion of a prefix there (the first MAX_EXPANSION terms of that
    segment, alphabetically) gave other terms in each segment, and other hits for another
    segmentation of the same documents. `SearchIndex.search` replaces these queries by
    `expand(reader)` on the top-level reader first: an Or of the MAX_EXPANSION terms found
    in most documents of the whole index (ties alphabetically), each scored as a term.
    `_btexts` keeps the per-segment cap for a query run without that step.
    """

    def _all_btexts(self, reader) -> Iterator[bytes]:
        raise NotImplementedError

    def expand(self, reader) -> query.Query:
        fname = self.fieldname
        if fname not in reader.schema:
            return query.NullQuery
        df: dict[bytes, int] = {}
        for leaf, _offset in reader.leaf_readers():
            for btext, n in self._leaf_frequencies(leaf):
                df[btext] = df.get(btext, 0) + n
        if not df:
            return query.NullQuery
        chosen = sorted(df, key=lambda b: (-df[b], b))[:MAX_EXPANSION]
        from_bytes = reader.schema[fname].from_bytes
        terms = [query.Term(fname, from_bytes(b)) for b in sorted(chosen)]
        if len(terms) == 1:
            terms[0].boost = self.boost
            return terms[0]
        return _ExpansionOr(terms, boost=self.boost)

    def _leaf_frequencies(self, leaf) -> Iterator[tuple[bytes, int]]:
        fname = self.fieldname
        for btext in self._all_btexts(leaf):
            yield btext, leaf.doc_frequency(fname, btext)

    def _btexts(self, ixreader):
        return itertools.islice(self._all_btexts(ixreader), MAX_EXPANSION)


class CappedPrefix(_Expanding, query.Prefix):
    """A prefix query that expands to at most MAX_EXPANSION terms (short prefixes explode)."""

    def _all_btexts(self, reader):
        return reader.expand_prefix(self.fieldname, self.text)

    def _leaf_frequencies(self, leaf):
        # one walk of the segment's term table, with each term's statistics
        for btext, info in leaf.iter_prefix(self.fieldname, self.text):
            yield btext, info.doc_frequency()


class CappedWildcard(_Expanding, query.Wildcard):
    def _all_btexts(self, reader):
        return query.Wildcard._btexts(self, reader)


class _AndMaybeMatcher(binary.AndMaybeMatcher):
    """Whoosh's "and maybe" matcher, with its optional side moved to the document the main
    side reached in `skip_to` (Whoosh's moves it to the document asked for, which may lie
    before: the optional side's score is then lost for the document the main side is on)."""

    def skip_to(self, id):
        if not self.a.is_active():
            raise mcore.ReadTooFar
        ra = self.a.skip_to(id)
        rb = False
        if self.a.is_active() and self.b.is_active():
            rb = self.b.skip_to(self.a.id())
        return ra or rb


class _UnionMatcher(binary.UnionMatcher):
    """Whoosh's union matcher, whose `replace` makes _AndMaybeMatcher.

    Every 10 matches Whoosh's top-N collector asks the matcher tree for a cheaper one given
    the lowest score still needed (`Matcher.replace`); a union of which one side cannot reach
    that score becomes "the other side, and maybe this one". With Whoosh's own and-maybe
    matcher, 11 of the 200 benchmark queries (two words; `lang:` and a word) missed some of
    their true top 10.
    """

    def replace(self, minquality=0):
        r = super().replace(minquality)
        if type(r) is binary.AndMaybeMatcher:
            r = _AndMaybeMatcher(r.a, r.b)
        return r


class _UnionOr(query.Or):
    """An Or that always runs as a tree of union matchers (`_UnionMatcher`).

    For a segment of up to 5000 documents, when nothing asks for the current match, Whoosh
    picks its "array" matcher: it reads and scores every posting of every clause in blocks of
    2048 documents, clearing the block one slot at a time, and cannot skip ahead inside an
    And or by block quality. Our queries put every word in an Or over 7 fields, so that
    choice made rare and two-word queries 1.5-2x slower (bench/RESULTS.md).
    """

    matcher_type = query.Or.DEFAULT_MATCHER

    def _matcher(self, subs, searcher, context):
        if self.scale:  # Whoosh's coordination bonus: its own way
            return super()._matcher(subs, searcher, context)
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _UnionMatcher, searcher, context, lambda q: q.estimate_size(reader)
        )


class _ExpansionOr(query.Or):
    """The terms a prefix or wildcard expands to, scored in bulk (`_scored_union`).

    The most frequent terms of a prefix have long posting lists: Whoosh scores each posting
    through half a dozen method calls (matcher, scorer, field length column), in a tree of
    union matchers or its "array" matcher. Here each segment's postings are read block by
    block and scored with the same BM25F formula and statistics, and the sums per document
    are handed on as a list matcher: the same matches and scores (to rounding: sums may be
    added in another order). Anything unexpected (another weighting model, a boosted term)
    goes Whoosh's way.
    """

    matcher_type = query.Or.DEFAULT_MATCHER

    def _matcher(self, subs, searcher, context):
        if searcher.is_atomic() and all(type(q) is query.Term for q in subs):
            weighting = (context.weighting if context else None) or searcher.weighting
            m = _scored_union(subs, searcher, weighting, self.boost)
            if m is not None:
                return m
        return super()._matcher(subs, searcher, context)


# leaf reader -> {field: {docnum: field length}}, filled as postings are scored; segments
# never change, and a reader (with its deletions) lives as long as a searcher uses it
_LENGTHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _posting_blocks(m) -> Iterator[tuple]:
    """(ids, weights) of a term's postings in a segment, a block at a time."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if type(m) is W3LeafMatcher:
        # Whoosh decodes a block's ids and weights as arrays; its matcher API hands them out
        # one posting at a time
        while m.is_active():
            m._read_ids()
            m._read_weights()
            yield m._ids, m._weights
            m._next_block()
        return
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    yield ids, weights


def _scored_union(subs, searcher, weighting, boost: float):
    """A list matcher of the documents of a segment with any of the terms `subs`, each
    scored as Whoosh's tree of unions would score it: the sum of its terms' BM25F scores,
    times `boost`. None when the weighting is not Whoosh's BM25F."""
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.scoring import BM25FScorer

    reader = searcher.reader()
    deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
    with _cache_lock:
        lengths_by_field = _LENGTHS.setdefault(reader, {})
    acc: dict[int, float] = {}
    get = acc.get
    for sub in subs:
        fname = sub.fieldname
        if fname not in searcher.schema:
            continue
        field_ = searcher.schema[fname]
        try:
            btext = field_.to_bytes(sub.text)
        except ValueError:
            continue
        if (fname, btext) not in reader:
            continue
        if not field_.scorable:
            return None
        scorer = weighting.scorer(searcher, fname, btext)
        if type(scorer) is not BM25FScorer or sub.boost != 1.0:
            return None
        idf, avgfl, b_, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        k1p1, one_minus_b = k1 + 1, 1 - b_
        lengths = lengths_by_field.setdefault(fname, {})
        m = reader.postings(fname, btext)
        if isinstance(m, FilterMatcher):
            m = m.child  # the deleted documents are skipped below
        for ids, weights in _posting_blocks(m):
            for d, tf in zip(ids, weights, strict=True):
                fl = lengths.get(d)
                if fl is None:
                    fl = lengths[d] = reader.doc_field_length(d, fname, 1)
                # scoring.bm25(), term for term, so the scores are Whoosh's to the bit
                s = idf * ((tf * k1p1) / (tf + k1 * (one_minus_b + b_ * fl / avgfl)))
                acc[d] = get(d, 0.0) + s
    for d in deleted.intersection(acc):
        del acc[d]
    if not acc:
        return matching.NullMatcher()
    ids = sorted(acc)
    if boost != 1.0:
        scores = array("d", (acc[d] * boost for d in ids))
    else:
        scores = array("d", (acc[d] for d in ids))
    return _ScoredList(array("I", ids), weights=scores)


class _ScoredList(matching.ListMatcher):
    """A list matcher of scored documents, its best score computed once (Whoosh's takes the
    maximum of the whole list each time the collector asks for it)."""

    def __init__(self, ids, weights, *args, **kw):  # ListMatcher.copy() passes all positionally
        super().__init__(ids, weights, *args, **kw)
        self._max = max(weights)

    def block_max_weight(self):
        return self._max


# leaf reader -> {field: (sorted values, their documents)}; a reader's deletions never change
# (SearchIndex opens a new searcher after deletes), and readers of unchanged segments are
# reused by refresh(), so a table is built once per segment and field
_RANGE_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _value_table(leaf, fname: str) -> tuple[list[int], list[int]]:
    """The field's values (as sortable integers, ascending) and the document of each, in a
    segment, from its full-precision terms (a numeric field also indexes coarser "tiers")."""
    with _cache_lock:
        tables = _RANGE_TABLES.setdefault(leaf, {})
        table = tables.get(fname)
        if table is None:
            pairs = []
            for btext, _info in leaf.iter_prefix(fname, b"\x00"):  # tier 0: shift 0
                value = int.from_bytes(btext[1:], "big")
                pairs.extend((value, doc) for doc in leaf.postings(fname, btext).all_ids())
            pairs.sort()
            table = tables[fname] = ([v for v, _d in pairs], [d for _v, d in pairs])
        return table


class _RangeFilter(query.NumericRange):
    """A date or number range, matched with a constant score from a sorted table of the
    field's values per segment (`_value_table`).

    Whoosh compiles a range, in every segment and for every search, into an Or of dozens of
    terms at several precisions, makes a matcher for each, and reads all their documents:
    most of the time of a date query (bench/RESULTS.md). The matches and the score (the
    query's boost, as Whoosh's constant-score range gives) are the same.
    """

    def __init__(self, q: query.NumericRange):
        super().__init__(
            q.fieldname,
            q.start,
            q.end,
            startexcl=q.startexcl,
            endexcl=q.endexcl,
            boost=q.boost,
            constantscore=True,
        )

    def _bounds(self, field) -> tuple[int, int]:
        from whoosh.util.numeric import to_sortable

        bits = field.bits
        lo, hi = 0, 2**bits - 1
        if self.start is not None:
            lo = to_sortable(field.numtype, bits, field.signed, field.prepare_number(self.start))
            lo += bool(self.startexcl)
        if self.end is not None:
            hi = to_sortable(field.numtype, bits, field.signed, field.prepare_number(self.end))
            hi -= bool(self.endexcl)
        return lo, hi

    def _docs(self, leaf) -> list[int]:
        values, docs = _value_table(leaf, self.fieldname)
        lo, hi = self._bounds(leaf.schema[self.fieldname])
        found = docs[bisect.bisect_left(values, lo) : bisect.bisect_right(values, hi)]
        return sorted(set(found))

    def estimate_size(self, ixreader):
        return sum(len(self._docs(leaf)) for leaf, _offset in ixreader.leaf_readers())

    def estimate_min_size(self, ixreader):
        return self.estimate_size(ixreader)

    def matcher(self, searcher, context=None):
        if not searcher.is_atomic():
            return super().matcher(searcher, context)
        ids = self._docs(searcher.reader())
        if not ids:
            return matching.NullMatcher()
        return matching.ListMatcher(array("I", ids), all_weights=self.boost)


def _is_tiered_numeric(field) -> bool:
    return (
        isinstance(field, fields.NUMERIC)
        and field.numtype is int
        and not field.decimal_places
        and field.sortable_to_bytes(1) == b"\x00" + (1).to_bytes(field.bits // 8, "big")
    )


def _prepare(q: query.Query, reader) -> query.Query:
    """`q` ready to search: prefixes and wildcards expanded against the whole index (see
    _Expanding), each Or a _UnionOr, numeric ranges _RangeFilter."""
    if isinstance(q, _Expanding):
        q = q.expand(reader)
    if (
        type(q) in (query.NumericRange, query.DateRange)
        and q.constantscore
        and q.fieldname in reader.schema
        and _is_tiered_numeric(reader.schema[q.fieldname])
    ):
        return _RangeFilter(q)
    if q.is_leaf():
        return q
    q = q.apply(lambda sub: _prepare(sub, reader))
    if type(q) is query.Or:
        q = _UnionOr(q.subqueries, boost=q.boost, minmatch=q.minmatch, scale=q.scale)
    return q


def _highlight_terms(q: query.Query, reader) -> set[tuple[str, bytes]]:
    """The (field, term) pairs of `q` that exist in the index and are not negated.

    What highlighting marks. Whoosh's `terms=True` search recorded instead the terms that
    matched in any matched document, at the cost of a check of every term of the query at
    every matching document (and it made Whoosh score a date range term by term and skip
    its faster matchers). For a word found in a hit's text the two agree, except in a query
    like `a OR (b AND c)`: there a `b` in a hit found by `a` alone was marked only if some
    other document held both `b` and `c`; now it is marked.
    """
    out: set[tuple[str, bytes]] = set()
    schema = reader.schema

    def walk(sub: query.Query) -> None:
        if isinstance(sub, query.Not):
            return
        if isinstance(sub, query.AndNot):
            walk(sub.a)
            return
        if not sub.is_leaf():
            for child in sub.children():
                walk(child)
            return
        for fname, text in sub.expanded_terms(reader, phrases=True):
            if fname not in schema:
                continue
            if isinstance(text, str):
                try:
                    text = schema[fname].to_bytes(text)
                except ValueError:
                    continue
            if (fname, text) in reader:
                out.add((fname, text))

    walk(q)
    return out


@dataclass
class Hit:
    id: str
    kind: str
    doc_id: str
    score: float
    fragments: dict[str, str] = field(default_factory=dict)


@dataclass
class Results:
    hits: list[Hit]
    total: int | None  # estimated count of matches; None when not asked for
    query: str


def _quote_problems(text: str) -> str | None:
    if text.count('"') % 2:
        return "a quotation mark is not closed"
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", text):
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return "a closing parenthesis has no opening one"
    if depth:
        return "a parenthesis is not closed"
    return None


_DATE_TERM = re.compile(
    r"\b(date|published|imported):(\[[^\]]*\]|\{[^}]*\}|[<>]=?\S+|\S+)", re.IGNORECASE
)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _compact_dates(text: str) -> str:
    """Whoosh's date parser reads 2019-03-01 as the year 2019: write dates in fields compactly."""

    def compact(m: re.Match) -> str:
        return m.group(1) + ":" + _ISO_DAY.sub(r"\1\2\3", m.group(2))

    return _DATE_TERM.sub(compact, text)


def _open(path: Path, *, readonly: bool = False) -> index.FileIndex:
    # this version's schema, not the one pickled in the index: the same fields and terms (or
    # SCHEMA_VERSION would differ), with this code's analyzer classes (CachedStemFilter)
    return index.open_dir(str(path), readonly=readonly, schema=make_schema())


class SearchIndex:
    """One process-wide handle on the index folder: a single writer and a reused searcher."""

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        self._searcher = None
        self.rebuilt = False
        version_file = path / "VERSION"
        fresh = not (path.exists() and index.exists_in(str(path)))
        stale = not fresh and (
            not version_file.exists() or version_file.read_text().strip() != SCHEMA_VERSION
        )
        if readonly and (fresh or stale):
            raise IndexUnavailable(f"The search index in {path} is missing or out of date.")
        if fresh or stale:
            if path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True)
            index.create_in(str(path), make_schema())
            version_file.write_text(SCHEMA_VERSION)
            self.rebuilt = True
        self.ix = _open(path, readonly=readonly)
        self._parser = self._make_parser()

    # -- writing -----------------------------------------------------------------------------
    def write(
        self,
        upserts: Iterable[dict],
        deletes: Iterable[str] = (),
        *,
        bulk: bool = False,
        fresh: bool = False,
    ) -> int:
        """Apply a batch; `fresh` means the ids are known to be absent (add, don't update)."""
        deletes = list(deletes)
        with self._lock:
            if bulk and BULK_PROCS > 1:
                w = self.ix.writer(procs=BULK_PROCS, limitmb=256, multisegment=True)
            elif bulk:
                w = self.ix.writer(limitmb=256)
            else:
                w = self.ix.writer(limitmb=128)
            n = 0
            try:
                for doc_id in deletes:
                    w.delete_by_term("id", doc_id)
                    w.delete_by_term("doc_id", doc_id)
                for doc in upserts:
                    if fresh:
                        w.add_document(**doc)
                    else:
                        w.update_document(**doc)
                    n += 1
            except BaseException:
                w.cancel()
                raise
            w.commit()
            # Whoosh's reader reuse keeps a segment's old deletion set: after deletes or
            # updates, open a new searcher instead of refreshing the old one.
            self._refresh(reopen=bool(deletes) or not fresh)
            return n

    def clear(self) -> None:
        with self._lock:
            self.close()
            shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
            index.create_in(str(self.path), make_schema())
            (self.path / "VERSION").write_text(SCHEMA_VERSION)
            self.ix = _open(self.path)

    def optimize(self) -> None:
        with self._lock:
            self.ix.optimize()
            self._refresh()

    # -- reading -----------------------------------------------------------------------------
    def _refresh(self, reopen: bool = False) -> None:
        if self._searcher is None:
            return
        from whoosh.reading import EmptyReader

        # Whoosh's reader reuse also fails on a searcher opened over an empty index (its
        # EmptyReader has no segments): open a new searcher then too.
        if reopen or isinstance(self._searcher.reader(), EmptyReader):
            self._searcher.close()
            self._searcher = None
        else:
            self._searcher = self._searcher.refresh()

    def searcher(self):
        if self._searcher is None:
            self._searcher = self.ix.searcher()
        return self._searcher

    def indexed_entries(self) -> list[tuple[str, str]]:
        """Every indexed (id, kind), with repeats so duplicates show; used by `assay check`."""
        with self._lock:
            reader = self.searcher().reader()
            return [(stored["id"], stored.get("kind", "")) for _n, stored in reader.iter_docs()]

    def doc_count(self) -> int:
        with self._lock:
            return self.searcher().doc_count()

    def _make_parser(self) -> qparser.QueryParser:
        schema = self.ix.schema
        p = qparser.MultifieldParser(
            SEARCH_FIELDS,
            schema,
            fieldboosts={"title": 2.0, "statement": 1.5, "quote": 1.2},
            group=qparser.AndGroup,
        )
        p.add_plugin(qparser.FieldAliasPlugin(ALIASES))
        p.add_plugin(DateParserPlugin(callback=self._date_error))
        p.add_plugin(qparser.GtLtPlugin())
        return p

    def _date_error(self, message) -> None:
        self._date_errors.append(str(message))

    def parse(self, text: str) -> query.Query:
        text = text.strip()
        if not text:
            raise BadQuery("The query is empty.")
        problem = _quote_problems(text)
        if problem:
            raise BadQuery(f"Cannot read the query: {problem}.")
        unquoted = re.sub(r'"[^"]*"', " ", text)
        for name in re.findall(r"(?:^|[\s(])([A-Za-z_]+):", unquoted):
            if name.lower() not in QUERY_FIELDS:
                known = ", ".join(sorted(n for n in QUERY_FIELDS if n not in ("id", "doc_id")))
                raise BadQuery(f"Unknown field '{name}:'. Fields you can search: {known}.")
        text = _compact_dates(text)
        self._date_errors: list[str] = []
        if has_cjk(text):
            load_jieba()
        try:
            q = self._parser.parse(text)
        except Exception as exc:  # Whoosh's plugins raise assorted errors on odd input
            raise BadQuery(f"Cannot read the query {text!r}: {exc}.") from exc
        if self._date_errors:
            raise BadQuery(f"Cannot read the date in the query: {self._date_errors[0]}.")
        return q.accept(self._cap)

    @staticmethod
    def _cap(q: query.Query) -> query.Query:
        if isinstance(q, query.Prefix) and not isinstance(q, CappedPrefix):
            if len(q.text) < MIN_PREFIX:
                raise BadQuery(
                    f"The prefix '{q.text}*' is too short: give at least {MIN_PREFIX} letters."
                )
            return CappedPrefix(q.fieldname, q.text, boost=q.boost)
        if isinstance(q, query.Wildcard) and not isinstance(q, CappedWildcard):
            fixed = re.split(r"[*?]", q.text)[0]
            if len(fixed) < MIN_PREFIX and q.text.strip("*?"):
                # "*node*": allowed but capped; a bare "*" is refused
                pass
            if not q.text.strip("*?"):
                raise BadQuery("A wildcard needs some letters.")
            return CappedWildcard(q.fieldname, q.text, boost=q.boost)
        return q

    def search(
        self,
        text: str,
        *,
        limit: int = 20,
        kinds: tuple[str, ...] | None = None,
        text_for: dict | None = None,
        highlight_format: str | None = "html",
        count: bool = False,
        filter_ids: set[str] | None = None,
    ) -> Results:
        """Ranked hits (BM25F); fragments only when `text_for(hit) -> {field: text}` is given."""
        q = self.parse(text)
        with self._lock:
            s = self.searcher()
            flt = None
            if kinds:
                flt = query.Or([query.Term("kind", k) for k in kinds])
            reader = s.reader()
            q = _prepare(q, reader)
            results = s.search(q, limit=limit, filter=flt)
            hl = None
            if highlight_format and text_for:
                hl = _Highlights(results, _formatter(highlight_format), _highlight_terms(q, reader))
            hits = []
            for r in results:
                stored = r.fields()
                hit = Hit(stored["id"], stored.get("kind", ""), stored.get("doc_id", ""), r.score)
                if hl is not None:
                    for fname, ftext in text_for(hit).items():
                        if ftext:
                            frag = hl.fragments(r, fname, ftext)
                            if frag:
                                hit.fragments[fname] = frag
                hits.append(hit)
            total = results.estimated_length() if count else None
        return Results(hits, total, text)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


# -- highlights ----------------------------------------------------------------------------------
HIGHLIGHT_TOP = 2  # fragments per field


def _fragmenter() -> highlight.ContextFragmenter:
    return highlight.ContextFragmenter(maxchars=160, surround=40)


_STOPS = frozenset(STOP_WORDS)


@functools.lru_cache(maxsize=100_000)
def _word_term(word: str) -> str:
    """The term text_analyzer() makes of one regex word of text without CJK, stop words kept.

    Highlighting analyses with removestops=False: a stop word stays, lowercased and unstemmed
    (StemFilter skips stopped tokens); any other word is lowercased and Porter-stemmed.
    """
    low = word.lower()
    if len(low) < STOP_MINSIZE or low in _STOPS:
        return low
    return porter_stem(low)


class _Tok:
    """The attributes of a Whoosh Token that the fragmenter, scorer and formatter read."""

    __slots__ = ("startchar", "endchar", "text", "matched", "boost")

    def __init__(self, startchar: int, endchar: int, text: str, matched: bool):
        self.startchar = startchar
        self.endchar = endchar
        self.text = text
        self.matched = matched
        self.boost = 1.0

    def copy(self) -> _Tok:
        return _Tok(self.startchar, self.endchar, self.text, self.matched)


class _Highlights:
    """Whoosh's highlighting (ContextFragmenter, BasicFragmentScorer, top 2, FIRST), faster.

    `Hit.highlights` re-analyses the whole text of each hit through the analyzer chain and feeds
    every token to the fragmenter. For text without CJK this splits the text by the tokenizer's
    regex (in C), turns each distinct word into its term once (cached), and gives Whoosh's
    ContextFragmenter only the tokens near a match (see `_tokens`), so the fragments are the
    same. Text with CJK (jieba, overlapping tokens) goes through Whoosh's own path.
    tests/test_index.py compares both paths on texts made to reach the edge cases.
    """

    def __init__(
        self, results, formatter: highlight.Formatter, terms: set[tuple[str, bytes]] | None = None
    ):
        self.results = results
        self.fragmenter = _fragmenter()
        self.formatter = formatter
        self.scorer = highlight.BasicFragmentScorer()
        results.fragmenter = self.fragmenter
        results.formatter = formatter
        if terms is not None:
            # the terms to mark (`_highlight_terms`), given to Whoosh's own path (text with CJK)
            # as the matched terms that a terms=True search would have recorded
            results.termdocs = dict.fromkeys(terms, ())
            results.docterms = {}
        self._words: dict[str, frozenset] = {}
        self._fast: dict[str, bool] = {}

    def words(self, fname: str) -> frozenset:
        # the terms to mark in this field, as Highlighter.highlight_hit takes them
        words = self._words.get(fname)
        if words is None:
            field_ = self.results.searcher.schema[fname]
            words = frozenset(
                field_.from_bytes(t) for f, t in self.results.matched_terms() if f == fname
            )
            self._words[fname] = words
        return words

    def fragments(self, hit, fname: str, text: str) -> str:
        fast = self._fast.get(fname)
        if fast is None:
            field_ = self.results.searcher.schema[fname]
            fast = self._fast[fname] = isinstance(field_, fields.TEXT) and _is_text_analyzer(
                field_.analyzer
            )
        if not fast or has_cjk(text):
            return hit.highlights(fname, text=text, top=HIGHLIGHT_TOP)
        words = self.words(fname)
        if not words:
            return ""
        frags = self.fragmenter.fragment_tokens(text, self._tokens(text, words))
        best = highlight.top_fragments(
            frags, HIGHLIGHT_TOP, self.scorer, highlight.FIRST, minscore=1
        )
        return self.formatter.format(best)

    def _tokens(self, text: str, words: frozenset) -> list[_Tok]:
        """The tokens near matches, in order, as the analyzer would give them (no CJK here)."""
        # One C-level split gives the words and, by running sums of the piece lengths, their
        # offsets: parts = [gap, word, gap, word, ..., gap]
        parts = _WORD_SPLIT.split(text)
        bounds = list(itertools.accumulate(map(len, parts)))
        tokens = parts[1::2]
        starts = bounds[0::2]
        ends = bounds[1::2]
        charlimit = self.fragmenter.charlimit
        if charlimit and ends and ends[-1] > charlimit:
            # the fragmenter stops at the first token ending past the limit (and ends an open
            # fragment there): keep that token, drop the rest
            del tokens[bisect.bisect_right(ends, charlimit) + 1 :]
        n = len(tokens)
        found = {w for w in set(tokens) if _word_term(w) in words}
        if not found:
            return []
        matched = list(itertools.compress(range(n), map(found.__contains__, tokens)))
        # ContextFragmenter reads tokens one by one. Outside a fragment it keeps only the starts
        # of unmatched tokens that begin within `surround` characters of the last one's end; a
        # match opens a fragment whose countdown (at most 2 * `surround`) falls by each token's
        # length, and the fragment is emitted when it reaches 0 (which may take one more token).
        # So a match needs the tokens from the newest one that buffer has already dropped (any
        # older leftover is dropped with it) to the one where token lengths since the match add
        # up to 2 * `surround`, plus two; the tokens between such ranges change nothing.
        lengths = list(itertools.accumulate(map(len, tokens), initial=0))
        surround = self.fragmenter.surround
        reach = 2 * surround
        ranges: list[list[int]] = []
        for i in matched:
            if i == 0:
                lo = 0
            else:
                lo = max(0, bisect.bisect_left(starts, ends[i - 1] - surround, 0, i) - 1)
            hi = min(n - 1, bisect.bisect_left(lengths, lengths[i] + reach) + 1)
            if ranges and lo <= ranges[-1][1] + 1:
                ranges[-1][1] = max(ranges[-1][1], hi)
            else:
                ranges.append([lo, hi])
        toks = []
        term = _word_term
        for lo, hi in ranges:
            for k in range(lo, hi + 1):
                word = tokens[k]
                toks.append(_Tok(starts[k], ends[k], term(word), word in found))
        return toks


def _is_text_analyzer(ana) -> bool:
    items = getattr(ana, "items", ())
    return (
        len(items) == 4
        and isinstance(items[0], MixedTokenizer)
        and isinstance(items[1], LowercaseFilter)
        and isinstance(items[2], StopFilter)
        and isinstance(items[3], StemFilter)
        and items[2].stops == _STOPS
        and items[2].min == STOP_MINSIZE
        and items[2].max is None
        and items[3].stemfn is porter_stem
        and not items[3].lang
        and not items[3].ignore
    )


class _AnsiFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return f"\x1b[1;33m{highlight.get_text(text, token, replace)}\x1b[0m"


class _PlainFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return f"[{highlight.get_text(text, token, replace)}]"


def _formatter(kind: str) -> highlight.Formatter:
    if kind == "html":
        return highlight.HtmlFormatter(tagname="b", classname="hit", between=" … ")
    if kind == "ansi":
        return _AnsiFormatter()
    return _PlainFormatter()


def to_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None
