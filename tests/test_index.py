"""db/index.py: the analyzer's speed-ups give the same terms, the fast highlighter the same
fragments as Whoosh's own highlighting, and CJK, phrase, prefix and date searches still work."""

from __future__ import annotations

import pickle
import random
from datetime import datetime

import pytest
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter

from db import index as ixmod

ENGLISH = (
    "The exporters were exporting controlled accelerators; controls on exports tightened. "
    "Running runners ran. U.S. uses us, e.g. as i.e. foo.bar and bar.foo's O'Neil’s words. "
    "Caf\u00e9s na\u00efve r\u00e9sum\u00e9s STRASSE stra\u00dfe \u0130stanbul \u212aelvin 42 3.14 x_y "
    "vulnerabilities vulnerability VULNERABLE"
)
MIXED = (
    "人工智能芯片出口管制 AI芯片 and the 供应链 (supply chains) 中国的国产芯片产业, "
    "日本語のテキスト 한국어 텍스트 GPU算力 2026年3月"
)


def whoosh_analyzer():
    """What text_analyzer() was before its speed-ups: Whoosh's StemFilter and its LFU cache."""
    return (ixmod.MixedTokenizer() | LowercaseFilter() | StopFilter(minsize=1)
            | StemFilter(cachesize=50000))


def tokens(analyzer, text, **kw):
    return [(t.text, t.pos, t.startchar, t.endchar, t.stopped, t.boost)
            for t in analyzer(text, positions=True, chars=True, **kw)]


def random_text(rng: random.Random, n: int, vocab: list[str]) -> str:
    seps = [" ", " ", " ", ", ", ". ", "; ", " — ", "\n", " (", ") ", "'", " ... "]
    return "".join(rng.choice(vocab) + rng.choice(seps) for _ in range(n))


VOCAB = (
    "the of and to in a is us uses used using user export exports exporting exported control "
    "controls controlled accelerator accelerators chip chips domestic supply chain chains "
    "vulnerability vulnerabilities agent agents foo.bar bar e.g it's can't O'Neil U.S. "
    "running runner run ran be been being was were as at by for not no this that"
).split() + ["x" * 45, "y" * 170, "Ünïcödé", "STRASSE", "naïve"]


@pytest.mark.parametrize("text", [ENGLISH, MIXED, ENGLISH + " " + MIXED, "", "   ", "the a an"],
                         ids=["english", "cjk", "both", "empty", "blank", "stop-words"])
@pytest.mark.parametrize("removestops", [True, False])
def test_analyzer_gives_the_same_tokens_as_whoosh_stem_filter(text, removestops):
    for mode in ("index", "query"):
        assert tokens(ixmod.text_analyzer(), text, removestops=removestops, mode=mode) == \
            tokens(whoosh_analyzer(), text, removestops=removestops, mode=mode)


def test_analyzer_same_tokens_on_random_text_and_offsets():
    rng = random.Random(7)
    new, old = ixmod.text_analyzer(), whoosh_analyzer()
    for _ in range(30):
        text = random_text(rng, 300, VOCAB + ["芯片", "人工智能", "AI芯片"])
        assert tokens(new, text, removestops=False) == tokens(old, text, removestops=False)
        assert tokens(new, text, start_pos=5, start_char=100) == \
            tokens(old, text, start_pos=5, start_char=100)
    assert [t.text for t in new("Exporting controls", no_morph=True)] == ["exporting", "controls"]


@pytest.mark.parametrize("text", [
    random_text(random.Random(3), 500, VOCAB), ENGLISH, MIXED, ENGLISH + " " + MIXED,
    "export of AI芯片 and GPU算力", "x" * 50 + "芯片"],
    ids=["random", "english", "cjk", "both", "cjk-in-word", "cjk-late"])
def test_tokenizer_fast_path_is_the_per_word_path(text):
    tok = ixmod.MixedTokenizer()
    fast = [(t.startchar, t.endchar, t.text) for t in tok(text, chars=True)]
    assert fast == list(ixmod.MixedTokenizer._pieces(text))
    assert [t.text for t in tok("a b", tokenize=False)] == ["a b"]


def test_cjk_inside_a_latin_word_is_split():
    words = [t.text for t in ixmod.text_analyzer()("export of AI芯片 and GPU算力")]
    assert words == ["export", "ai", "芯片", "gpu", "算力"]


def test_cached_stem_filter_caches_and_pickles_as_whoosh_stem_filter():
    ana = ixmod.text_analyzer()
    stem = ana[-1]
    assert [t.text for t in ana("Exporters exporting controls")] == ["export", "export", "control"]
    assert [t.text for t in ana("controls")] == ["control"]
    assert stem.cache_info().hits >= 1
    copy = pickle.loads(pickle.dumps(ana))
    assert type(copy[-1]) is StemFilter
    assert (copy[-1].stemfn, copy[-1].cachesize) == (stem.stemfn, stem.cachesize)
    assert tokens(copy, ENGLISH) == tokens(ixmod.text_analyzer(), ENGLISH)
    uncached = ixmod.CachedStemFilter(cachesize=None)
    assert uncached.cache_info() is None
    assert [t.text for t in (ixmod.MixedTokenizer() | uncached)("controls")] == ["control"]


@pytest.fixture
def index(tmp_path):
    ix = ixmod.SearchIndex(tmp_path / "index")
    yield ix
    ix.close()


def _docs(rng: random.Random) -> dict[str, str]:
    docs = {
        "en": ENGLISH * 3,
        "zh": MIXED + " exports " + MIXED,
        "us": "The US uses us. Uses of us: US-uses, foo.bar and bar.foo; e.g. i.e. " * 40,
        "long": ("x" * 60 + " needle ") * 30 + "needle",
        "far": "needle " + "hay " * 9000 + "needle hay needle",
        "limit": "hay " * 8190 + "needlessly needles needle",
        "edge": "needle",
        # a match just before Whoosh's 32 768-character limit: the fragment ends at the end
        # of the first token past the limit
        "limit2": "hay " * 8188 + "needle haystack more words",
        # stop words are not stemmed when highlighting: "this" is not the term "thi"
        "stops": "This thi may mai are ar. " * 5,
        "tokens": " ".join(rng.choice(["needle", "a", "hay", "stack", "z" * 48, "...", "—"])
                           for _ in range(3000)),
    }
    for i in range(40):
        docs[f"r{i}"] = random_text(rng, rng.randint(5, 1500), VOCAB)
    return docs


def _fill(index, docs):
    index.write(({"id": k, "kind": "document", "doc_id": k, "body": v, "title": v[:80]}
                 for k, v in docs.items()), fresh=True)


def test_fast_highlights_are_whoosh_highlights(index):
    rng = random.Random(11)
    docs = _docs(rng)
    _fill(index, docs)
    queries = ["needle", "hay needle", '"hay needle"', "us", "uses", "foo.bar", "bar", "agent*",
               "export control", "vulnerability OR chips", '"supply chain"', "芯片", "exports",
               "naïve", "strasse", "accelerators -domestic", "title:export", "thi", "mai",
               "ar", "haystack"]
    words = [w for w in VOCAB if w.isalpha()]
    queries += [rng.choice(words) for _ in range(12)]
    queries += [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(8)]
    compared = 0
    compared_queries = []
    for q in queries:
        try:
            parsed = index.parse(q)
        except Exception:
            continue
        s = index.searcher()
        for kind in ("html", "plain") if len(compared_queries) % 4 else ("html", "plain", "ansi"):
            ours = s.search(parsed, limit=20, terms=True)
            hl = ixmod._Highlights(ours, ixmod._formatter(kind))
            got = [(h["id"], f, hl.fragments(h, f, docs[h["id"]] if f == "body"
                                             else docs[h["id"]][:80]))
                   for h in ours for f in ("body", "title")]
            theirs = s.search(parsed, limit=20, terms=True)
            theirs.fragmenter = ixmod._fragmenter()
            theirs.formatter = ixmod._formatter(kind)
            want = [(h["id"], f, h.highlights(f, text=docs[h["id"]] if f == "body"
                                              else docs[h["id"]][:80], top=ixmod.HIGHLIGHT_TOP))
                    for h in theirs for f in ("body", "title")]
            assert got == want, q
            compared += sum(1 for *_k, frag in got if frag)
        compared_queries.append(q)
    assert len(compared_queries) > 40
    assert compared > 300


def test_highlights_mark_the_matched_words(index):
    _fill(index, {
        "a": "Officials said the exporters were exporting controlled accelerators to us.",
        "b": "中国的国产芯片产业 and its supply chain",
        "c": "nothing to see here",
    })
    body = {"a": "Officials said the exporters were exporting controlled accelerators to us.",
            "b": "中国的国产芯片产业 and its supply chain", "c": "nothing to see here"}

    def text_for(hit):
        return {"body": body[hit.id]}

    [hit] = index.search("export", text_for=text_for).hits
    frag = hit.fragments["body"]
    assert '<b class="hit term0">exporters</b>' in frag
    assert '<b class="hit term1">exporting</b>' in frag  # a class per surface form
    assert frag.count("<b ") == 2
    [hit] = index.search("control export", text_for=text_for, highlight_format="plain").hits
    assert hit.fragments["body"] == (
        "Officials said the [exporters] were [exporting] [controlled] accelerators to us")
    [hit] = index.search("芯片", text_for=text_for, highlight_format="plain").hits
    assert "[芯片]" in hit.fragments["body"]
    [hit] = index.search("chains", text_for=text_for, highlight_format="plain").hits
    assert hit.fragments["body"].endswith("supply [chain]")
    assert index.search("see", text_for=text_for).hits[0].fragments == {
        "body": 'nothing to <b class="hit term0">see</b> here'}
    assert index.search("see", text_for=text_for, highlight_format=None).hits[0].fragments == {}


def test_cjk_phrase_prefix_and_date_searches(index):
    index.write([
        {"id": "1", "kind": "document", "doc_id": "1", "body": "人工智能芯片出口管制",
         "published": datetime(2026, 3, 5)},
        {"id": "2", "kind": "document", "doc_id": "2", "body": "domestic chips for export",
         "published": datetime(2025, 1, 2)},
        {"id": "3", "kind": "document", "doc_id": "3", "body": "chips, domestic and foreign"},
        {"id": "4", "kind": "document", "doc_id": "4",
         "body": " ".join(f"accelerat{i:03}" for i in range(300))},
    ], fresh=True)

    def ids(q):
        return sorted(h.id for h in index.search(q, limit=50).hits)

    assert ids("芯片") == ["1"]
    assert ids("人工智能") == ["1"]
    assert ids("出口") == ["1"]
    assert ids('"domestic chips"') == ["2"]
    assert ids("domestic chips") == ["2", "3"]
    assert ids("chip") == ["2", "3"]  # stemming
    assert ids("date:[2026-03-01 to 2026-03-31]") == ["1"]
    assert ids("date:[2025-01-01 to 2025-12-31] chips") == ["2"]
    assert ids("accelerat*") == ["4"]
    q = index.parse("accelerat*")
    assert len(list(q.expanded_terms(index.searcher().reader()))) <= ixmod.MAX_EXPANSION


@pytest.mark.parametrize("bulk, procs", [(False, 1), (True, 1), (True, 2)])
def test_bulk_and_small_writes_index_everything(index, bulk, procs, monkeypatch):
    monkeypatch.setattr(ixmod, "BULK_PROCS", procs)
    docs = {f"d{i}": f"report {i} about export controls and chips" for i in range(60)}
    index.write(({"id": k, "kind": "document", "doc_id": k, "body": v} for k, v in docs.items()),
                bulk=bulk, fresh=True)
    assert index.doc_count() == 60
    assert len(index.search("export chips", limit=100).hits) == 60
    index.write([{"id": "d1", "kind": "document", "doc_id": "d1", "body": "replaced"}],
                bulk=bulk)
    assert index.doc_count() == 60
    assert [h.id for h in index.search("replaced").hits] == ["d1"]


def test_index_of_an_older_schema_version_is_rebuilt(tmp_path):
    path = tmp_path / "index"
    ixmod.SearchIndex(path).close()
    (path / "VERSION").write_text("3")
    ix = ixmod.SearchIndex(path)
    try:
        assert ix.rebuilt
        assert (path / "VERSION").read_text() == ixmod.SCHEMA_VERSION
    finally:
        ix.close()


def test_an_index_pickled_with_whoosh_stem_filter_is_kept_and_gets_the_cached_one(tmp_path):
    from whoosh import fields, index

    path = tmp_path / "index"
    path.mkdir()
    schema = ixmod.make_schema()
    for name in ("title", "body", "source", "author", "quote", "statement", "comment"):
        schema[name].analyzer = whoosh_analyzer()  # as indexes were written before
    index.create_in(str(path), schema)
    (path / "VERSION").write_text(ixmod.SCHEMA_VERSION)
    w = index.open_dir(str(path)).writer()
    w.add_document(id="old", kind="document", doc_id="old", body="exporting controls")
    w.commit()

    ix = ixmod.SearchIndex(path)
    try:
        assert not ix.rebuilt
        assert isinstance(ix.ix.schema["body"].analyzer[-1], ixmod.CachedStemFilter)
        ix.write([{"id": "new", "kind": "document", "doc_id": "new", "body": "exported control"}],
                 fresh=True)
        assert sorted(h.id for h in ix.search("export control").hits) == ["new", "old"]
    finally:
        ix.close()
    # what the index keeps is Whoosh's own StemFilter: code without CachedStemFilter reads it
    pickled = index.open_dir(str(path)).schema["body"]
    assert isinstance(pickled, fields.TEXT)
    assert type(pickled.analyzer[-1]) is StemFilter
    assert [t.text for t in pickled.analyzer("Exporting")] == ["export"]
