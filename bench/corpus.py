"""Deterministic synthetic corpus and query set for the foundation benchmark.

Documents are built from three vocabularies:

- English (or French / German) function words, drawn often, as in real prose; most of them are
  stop words for the index, and they make langdetect see a real language;
- ~30 000 pseudo-words with a Zipf distribution (rank r drawn with weight 1/r), shorter words
  being the frequent ones, so common terms match many documents and rare ones a few;
- a few hundred domain words (export, controls, vulnerability, …) grouped in topics; each
  document picks two or three topics, so domain words co-occur as they do in real reports.

Document i depends only on (seed, i), so the first 2 000 documents of a 20 000 corpus are the
2 000-document corpus, and queries (drawn from the first documents) are the same for every size.

    from bench.corpus import Corpus
    c = Corpus(2000, seed=1)
    manifest = c.write(Path("/tmp/corpus"))      # .txt and .md files in nested folders
    queries = c.queries(200)                      # list of Query(text, kind, fts, where)
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

SEED = 20240611
VOCAB_SIZE = 30_000
FILES_PER_FOLDER = 500  # ≤ 1000 files per folder
FOLDERS_PER_GROUP = 10
MD_SHARE = 0.30  # share of documents written as .md with front matter
MD_LANG_SHARE = 0.20  # share of .md front matter that states the language
MIN_BYTES, MAX_BYTES = 1_000, 10_000  # log-uniform between these
QUERY_SOURCE_DOCS = 400  # queries are drawn from the first documents (present at every size)

# --- vocabularies -------------------------------------------------------------------------------

FUNCTION_WORDS = {
    "en": (
        "the of and to a in that is for on with as by was are it from at be this has have "
        "which its their said not or but an were also more than been after over new would "
        "will can into about other such could they there some these may while only against "
        "most between under both since where because what who those many during through"
    ).split(),
    "fr": (
        "le la les de des du et à en un une que qui pour dans sur par avec est sont au aux "
        "ce cette ces il elle ils plus pas ne se son sa leurs été mais aussi comme selon après"
    ).split(),
    "de": (
        "der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als "
        "auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie über"
    ).split(),
}
LANG_SHARES = (("en", 0.92), ("fr", 0.05), ("de", 0.03))
FUNCTION_SHARE = 0.42  # share of tokens that are function words

TOPICS: dict[str, list[str]] = {
    "cyber": (
        "vulnerability vulnerabilities exploit exploits exploited patch patches patching "
        "malware ransomware intrusion intrusions phishing botnet zero-day firmware backdoor "
        "payload attacker attackers defenders breach breaches credential credentials "
        "espionage sabotage reconnaissance fuzzing disclosure advisory advisories mitigation "
        "endpoint encryption decryption cryptographic authentication telemetry incident "
        "incidents forensic forensics"
    ).split(),
    "ai": (
        "model models training inference accelerator accelerators compute benchmark "
        "benchmarks dataset datasets parameters algorithm algorithms autonomous autonomy "
        "automation automated agents capability capabilities frontier multimodal "
        "reasoning alignment evaluation evaluations chatbot generative synthetic "
        "robotics researchers laboratory laboratories"
    ).split(),
    "trade": (
        "export exports exporter controls control sanctions sanctioned tariff tariffs "
        "licence licences licensing embargo restrictions restricted entity entities "
        "compliance customs import imports quota quotas smuggling diversion enforcement "
        "violation violations penalty penalties waiver waivers"
    ).split(),
    "chips": (
        "semiconductor semiconductors chip chips wafer wafers foundry foundries lithography "
        "fabrication fab fabs transistor transistors nanometre packaging memory logic "
        "yield yields etching deposition photoresist substrate substrates gallium "
        "germanium silicon equipment tooling"
    ).split(),
    "supply": (
        "supply chain chains supplier suppliers sourcing shortage shortages inventory "
        "logistics shipping shipment shipments procurement manufacturer manufacturers "
        "manufacturing factory factories capacity bottleneck bottlenecks stockpile "
        "stockpiles domestic alternatives substitution localisation resilience"
    ).split(),
    "policy": (
        "ministry minister ministers government governments parliament regulator "
        "regulators regulation regulations legislation directive strategy strategic "
        "subsidy subsidies funding budget programme programmes agency agencies "
        "spokesperson official officials committee commission cabinet diplomatic "
        "bilateral negotiations treaty summit"
    ).split(),
    "military": (
        "defence defense military missile missiles drone drones radar satellite satellites "
        "surveillance deterrence procurement navy naval airforce brigade deployment "
        "exercise exercises munitions hypersonic interceptor interceptors doctrine "
        "command battlefield"
    ).split(),
    "finance": (
        "investment investments investor investors revenue revenues earnings valuation "
        "shares stock market markets fund funds venture capital acquisition acquisitions "
        "merger bankruptcy subsidiary subsidiaries quarterly forecast inflation currency"
    ).split(),
    "analysis": (
        "assessment assess assessed likely unlikely probable confidence analysts analyst "
        "estimate estimates judgement judgements indicator indicators evidence source "
        "sources corroborate corroborated contradict uncertainty scenario scenarios "
        "claim claims report reports briefing briefings"
    ).split(),
}
DOMAIN_WORDS = sorted({w for words in TOPICS.values() for w in words})

FIRST_NAMES = (
    "Anna Ben Carla Dmitri Elena Farid Grace Hiro Ines Jonas Kavya Lars Maria Nadia Omar "
    "Priya Quentin Rosa Sven Tomas Uma Viktor Wen Xavier Yara Zoltan Aiko Bruno Chen Dana"
).split()
LAST_NAMES = (
    "Kovacs Lindqvist Okafor Moreau Tanaka Novak Haddad Silva Brennan Ivanova Schulz Rossi "
    "Nakamura Petrov Costa Fischer Dubois Hansen Kowalski Yilmaz Mendes Larsen Weber Varga "
    "Horvat Jensen Kim Patel Murphy Sato Ortega Berger Nilsson Romano Falk Ahmadi Grant "
    "Keller Lopes Marsh"
).split()
OUTLET_A = "Northern Harbor Capital Pacific Atlantic Meridian Coastal Central Eastern Western Global Civic".split()
OUTLET_B = "Ledger Dispatch Observer Monitor Review Tribune Herald Bulletin Gazette Journal Wire Signal".split()


def _pseudo_words(rng: random.Random, n: int, avoid: set[str]) -> list[str]:
    """n distinct pronounceable pseudo-words, shortest (most frequent) first."""
    onsets = "b c d f g h j k l m n p r s t v w z br dr gr kr pl st tr sk sl sn th sh ch".split()
    vowels = "a e i o u a e i o ai ou ea".split()
    codas = ["", "", "", "n", "r", "s", "l", "t", "m", "k", "nd", "st", "rk"]
    out: list[tuple[float, str]] = []
    seen = set(avoid)
    while len(out) < n:
        syllables = rng.choices((1, 2, 3, 4), weights=(2, 5, 4, 2))[0]
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables))
        word += rng.choice(codas)
        if word in seen or len(word) < 3:
            continue
        seen.add(word)
        out.append((len(word) + rng.random() * 6, word))
    out.sort()
    return [w for _k, w in out]


def _zipf_cum(n: int, s: float = 1.0, q: float = 0.0) -> list[float]:
    """Cumulative Zipf–Mandelbrot weights 1/(r+q)^s for ranks 1..n."""
    return list(itertools.accumulate(1.0 / ((r + q) ** s) for r in range(1, n + 1)))


@dataclass
class DocInfo:
    index: int
    path: Path
    kind: str  # txt | md
    title: str
    lang: str
    author: str | None = None
    source: str | None = None
    published: str | None = None
    paragraphs: list[list[list[str]]] = field(default_factory=list)  # kept for query sampling


@dataclass
class Query:
    text: str  # Whoosh / Assay query syntax
    kind: str  # common | rare | two | phrase | prefix | author | source | date | lang | mixed
    fts: str | None  # FTS5 MATCH expression, None when there is no text part
    where: tuple[str, str] | None = None  # (from, to) on published_at, ISO dates
    note: str = ""


class Corpus:
    def __init__(self, n: int, seed: int = SEED):
        self.n = n
        self.seed = seed
        rng = random.Random(seed)
        avoid = {w for ws in FUNCTION_WORDS.values() for w in ws} | set(DOMAIN_WORDS)
        self.vocab = _pseudo_words(rng, VOCAB_SIZE, avoid)
        self.rank = {w: i for i, w in enumerate(self.vocab)}
        # the offset leaves the top ranks to the function words, as in real prose
        self.vocab_cum = _zipf_cum(VOCAB_SIZE, 1.0, 40.0)
        self.func_cum = {lang: _zipf_cum(len(ws), 0.9) for lang, ws in FUNCTION_WORDS.items()}
        self.authors = [f"{f} {ln}" for f in FIRST_NAMES for ln in LAST_NAMES]
        rng.shuffle(self.authors)
        self.authors = self.authors[:300]
        self.author_cum = _zipf_cum(len(self.authors), 0.8)
        self.sources = [f"{a} {b}" for a in OUTLET_A for b in OUTLET_B]
        rng.shuffle(self.sources)
        self.sources = self.sources[:60]
        self.source_cum = _zipf_cum(len(self.sources), 0.8)
        self.topic_names = sorted(TOPICS)
        self._sample: list[DocInfo] = []

    # -- documents ---------------------------------------------------------------------------
    def relpath(self, i: int, kind: str) -> Path:
        group = i // (FILES_PER_FOLDER * FOLDERS_PER_GROUP)
        folder = (i // FILES_PER_FOLDER) % FOLDERS_PER_GROUP
        return Path(f"batch{group:02d}") / f"part{folder:02d}" / f"doc{i:06d}.{kind}"

    def _tokens(
        self, rng: random.Random, n: int, lang: str, topic_words: list[str], domain_share: float
    ) -> list[str]:
        fw = FUNCTION_WORDS[lang]
        cats = rng.choices(
            (0, 1, 2),
            weights=(FUNCTION_SHARE, domain_share, 1 - FUNCTION_SHARE - domain_share),
            k=n,
        )
        n_f, n_d = cats.count(0), cats.count(1)
        f_it = iter(rng.choices(fw, cum_weights=self.func_cum[lang], k=n_f))
        d_it = iter(rng.choices(topic_words, k=n_d))
        p_it = iter(rng.choices(self.vocab, cum_weights=self.vocab_cum, k=n - n_f - n_d))
        its = (f_it, d_it, p_it)
        return [next(its[c]) for c in cats]

    def document(self, i: int) -> tuple[DocInfo, str]:
        rng = random.Random(self.seed * 1_000_003 + i)
        r = rng.random()
        lang = "en"
        acc = 0.0
        for code, share in LANG_SHARES:
            acc += share
            if r < acc:
                lang = code
                break
        kind = "md" if rng.random() < MD_SHARE else "txt"
        topics = rng.sample(self.topic_names, rng.choice((2, 2, 3)))
        topic_words = [w for t in topics for w in TOPICS[t]]
        domain_share = rng.uniform(0.03, 0.12)
        target = int(MIN_BYTES * (MAX_BYTES / MIN_BYTES) ** rng.random())
        title_words = self._tokens(rng, rng.randint(4, 9), lang, topic_words, 0.35)
        title = " ".join(
            w.capitalize() if w not in FUNCTION_WORDS[lang] else w for w in title_words
        )
        title = title[0].upper() + title[1:]
        info = DocInfo(i, self.relpath(i, kind), kind, title, lang)
        size = 0
        paragraphs: list[list[list[str]]] = []
        while size < target:
            para = []
            for _ in range(rng.randint(2, 7)):
                words = self._tokens(rng, rng.randint(6, 26), lang, topic_words, domain_share)
                if rng.random() < 0.15:
                    words.insert(rng.randrange(len(words)), str(rng.randint(2, 2030)))
                para.append(words)
                size += sum(len(w) + 1 for w in words) + 1
            paragraphs.append(para)
        body = "\n\n".join(
            " ".join(" ".join(s).capitalize() + "." for s in para) for para in paragraphs
        )
        if kind == "md":
            info.author = rng.choices(self.authors, cum_weights=self.author_cum)[0]
            info.source = rng.choices(self.sources, cum_weights=self.source_cum)[0]
            info.published = (
                date(2015, 1, 1) + timedelta(days=rng.randrange(11 * 365))
            ).isoformat()
            head = [
                "---",
                f'title: "{title}"',
                f"author: {info.author}",
                f"date: {info.published}",
                f"source: {info.source}",
            ]
            if rng.random() < MD_LANG_SHARE:
                head.append(f"lang: {lang}")
            head.append("---")
            text = "\n".join(head) + f"\n\n# {title}\n\n{body}\n"
        else:
            text = f"{title}\n\n{body}\n"
        info.paragraphs = paragraphs
        return info, text

    def write(self, root: Path) -> dict:
        """Write the corpus under root; return a small manifest (counts, bytes)."""
        root = Path(root)
        n_bytes = n_md = 0
        made: set[Path] = set()
        self._sample = []
        for i in range(self.n):
            info, text = self.document(i)
            path = root / info.path
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            data = text.encode("utf-8")
            path.write_bytes(data)
            n_bytes += len(data)
            n_md += info.kind == "md"
            if i < QUERY_SOURCE_DOCS:
                self._sample.append(info)
            else:
                info.paragraphs = []
        return {"documents": self.n, "bytes": n_bytes, "md": n_md, "root": str(root)}

    # -- queries -----------------------------------------------------------------------------
    def queries(self, count: int = 200, seed: int | None = None) -> list[Query]:
        """A deterministic mix of queries drawn from the first documents, so they hit."""
        if not self._sample:
            self._sample = [self.document(i)[0] for i in range(min(self.n, QUERY_SOURCE_DOCS))]
        rng = random.Random((seed or self.seed) + 7)
        sample = self._sample
        mix = [
            ("common", 30),
            ("rare", 20),
            ("two", 40),
            ("phrase", 30),
            ("prefix", 25),
            ("author", 14),
            ("source", 10),
            ("date", 14),
            ("lang", 10),
            ("mixed", 7),
        ]
        scale = count / sum(k for _n, k in mix)
        kinds: list[str] = []
        for name, k in mix:
            kinds += [name] * max(1, round(k * scale))
        kinds = kinds[:count]
        while len(kinds) < count:
            kinds.append("two")
        stop = {w for ws in FUNCTION_WORDS.values() for w in ws}

        def words_of(doc: DocInfo) -> list[str]:
            return [w for p in doc.paragraphs for s in p for w in s]

        def common_word() -> str:
            if rng.random() < 0.5:
                return (
                    rng.choice(DOMAIN_WORDS)
                    if rng.random() < 0.3
                    else rng.choice(
                        [w for t in ("cyber", "trade", "supply", "chips") for w in TOPICS[t]]
                    )
                )
            return self.vocab[rng.randrange(10, 400)]

        def rare_word() -> str:
            while True:
                doc = rng.choice(sample)
                cands = [w for w in words_of(doc) if self.rank.get(w, -1) > 3000]
                if cands:
                    return rng.choice(cands)

        def md_doc() -> DocInfo:
            return rng.choice([d for d in sample if d.kind == "md"])

        def date_range() -> tuple[str, str, str]:
            start = date(2015, 1, 1) + timedelta(days=rng.randrange(10 * 365))
            end = start + timedelta(days=rng.choice((30, 90, 182, 365, 730)))
            # Whoosh: compact dates (the dashed form reads the range end wrongly; see RESULTS.md)
            return (
                f"date:[{start:%Y%m%d} to {end:%Y%m%d}]",
                start.isoformat(),
                end.isoformat() + "T23:59:59Z",
            )

        out: list[Query] = []
        for kind in kinds:
            if kind == "common":
                w = common_word()
                out.append(Query(w, kind, _fts_term(w)))
            elif kind == "rare":
                w = rare_word()
                out.append(Query(w, kind, _fts_term(w)))
            elif kind == "two":
                a = common_word()
                b = rare_word() if rng.random() < 0.3 else common_word()
                out.append(Query(f"{a} {b}", kind, f"{_fts_term(a)} {_fts_term(b)}"))
            elif kind == "phrase":
                while True:
                    doc = rng.choice(sample)
                    sent = rng.choice(rng.choice(doc.paragraphs))
                    n = rng.choice((2, 2, 3))
                    if len(sent) < n + 1:
                        continue
                    start = rng.randrange(len(sent) - n + 1)
                    ws = sent[start : start + n]
                    if any(w in stop or w.isdigit() for w in ws):
                        continue
                    phrase = " ".join(ws)
                    out.append(Query(f'"{phrase}"', kind, f'"{phrase}"'))
                    break
            elif kind == "prefix":
                while True:
                    w = common_word() if rng.random() < 0.6 else rare_word()
                    w = w.replace("-", "")
                    if len(w) >= 5:
                        break
                p = w[: rng.choice((3, 4, 4, 5))]
                out.append(Query(f"{p}*", kind, f"{p}*"))
            elif kind == "author":
                d = md_doc()
                last = d.author.split()[-1]
                if rng.random() < 0.5:
                    w = common_word()
                    out.append(
                        Query(
                            f"author:{last.lower()} {w}",
                            kind,
                            f"author:{last.lower()} {_fts_term(w)}",
                        )
                    )
                else:
                    out.append(Query(f"author:{last.lower()}", kind, f"author:{last.lower()}"))
            elif kind == "source":
                d = md_doc()
                src = d.source.lower()
                w = common_word()
                out.append(Query(f'source:"{src}" {w}', kind, f'source:"{src}" {_fts_term(w)}'))
            elif kind == "date":
                text, start, end = date_range()
                if rng.random() < 0.6:
                    w = common_word()
                    out.append(Query(f"{w} {text}", kind, _fts_term(w), (start, end)))
                else:
                    out.append(
                        Query(
                            text,
                            kind,
                            None,
                            (start, end),
                            note="date range only: FTS5 side is a plain SQL range",
                        )
                    )
            elif kind == "lang":
                lang = rng.choice(("fr", "de", "en"))
                if rng.random() < 0.5:
                    w = common_word()
                    out.append(Query(f"lang:{lang} {w}", kind, f"lang:{lang} {_fts_term(w)}"))
                else:
                    out.append(Query(f"lang:{lang}", kind, f"lang:{lang}"))
            elif kind == "mixed":
                d = md_doc()
                last = d.author.split()[-1].lower()
                text, start, end = date_range()
                out.append(Query(f"author:{last} {text}", kind, f"author:{last}", (start, end)))
        return out


def _fts_term(word: str) -> str:
    """A bare word for FTS5, quoted when it holds characters FTS5 treats as syntax."""
    if word.replace("_", "").isalnum() and word.upper() not in ("AND", "OR", "NOT", "NEAR"):
        return word
    return '"' + word.replace('"', '""') + '"'


if __name__ == "__main__":  # a quick look: python bench/corpus.py
    import sys

    c = Corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
    for i in range(min(c.n, 3)):
        print(c.document(i)[1][:600], "\n-----")
    for q in c.queries(200)[::10]:
        print(f"{q.kind:8} {q.text!r:50} fts={q.fts!r} where={q.where}")
