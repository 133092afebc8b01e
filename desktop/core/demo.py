"""The demo workspace: the sample corpus written for Assay, with its sources and markings, and a
worked analysis on it (two analysts' rated, tagged and linked claims and a supervisor's reviews)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .kernel.errors import Cancelled
from .kernel.profile import Profile
from .resources import resource_path
from .workspace import Progress, Workspace

# The people of the worked analysis: fixed ids, so the demo is the same on every workstation.
ADA = Profile("0ada0000-0000-4000-8000-00000000a0a1", "Ada Okafor-Lind", "analyst", True)
BEN = Profile("0be00000-0000-4000-8000-00000000be01", "Ben Achterberg", "analyst", True)
SAM = Profile("05a00000-0000-4000-8000-000000005a01", "Sam Ferreira", "supervisor", True)
PEOPLE = {"ada": ADA, "ben": BEN, "sam": SAM}


def sample_dir() -> Path:
    return resource_path("sample")


def catalog() -> list[dict]:
    return json.loads((sample_dir() / "catalog.json").read_text(encoding="utf-8"))


# -- the worked analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoClaim:
    """One claim of the worked analysis: KEY names it for links and reviews below."""

    key: str
    who: str  # ada | ben
    file: str  # the sample file it marks
    quote: str  # the marked words, as in the document (whitespace may differ)
    statement: str
    credibility: int
    likelihood: str
    confidence: str
    rationale: str
    tags: tuple[str, ...]
    submit: bool = True


ODIS_ADV = "odis-advisory-exploitation-windows.txt"
ODIS_FLASH = "odis-flash-varden-gateway.eml"
SENTINEL = "sentinel-lattice-autonomous-defence.html"
BLOG = "offbyone-blog-exploit-bot.md"
NORTHFIELD = "northfield-workshop-readout.docx"
CALDER = "calder-offence-at-machine-speed.pdf"
MERIDIAN = "meridian-ledger-ai-exploit-agents.txt"
WAFER = "wafer-brief-112.eml"
HARBOURLINE = "harbourline-accelerator-transshipment.html"
DSTC = "dstc-advanced-computing-interim-assessment.pdf"
KESTREL = "kestrel-k7-partner-briefing.docx"
SUPPLY = "compute-supply-weekly-split-orders.html"
HALVORSEN = "halvorsen-controls-three-years.md"
SUANXIN = "suanxin-weekly-domestic-accelerators.zh.md"

WINDOW = "measurement/exploitation-window"
VENDOR = "measurement/vendor-claims"
AGENTS = "capability/exploit-automation"
FORECAST = "timeline/forecast"
CRIMINAL = "actor/criminal"
CONTROLS = "policy/export-controls"
DIVERSION = "supply-chain/diversion"
ORDERS = "supply-chain/orders"
HBM = "supply-chain/hbm"
DOMESTIC = "supply-chain/domestic-substitution"

_SHARED_WINDOW = "the median time from public disclosure to first observed exploitation was 5 days"
_SHARED_SIXTY = (
    "AI-generated attacks now account for more than 60% of the intrusion attempts we see"
)
_SHARED_DEFINITELY = "A comparable tool will definitely emerge within 18 months"
_SHARED_TWO_YEARS = (
    "an openly available tool matching the Tamsworth agent on web and appliance-interface "
    "vulnerabilities is more likely than not within two years"
)
_SHARED_FLASH = (
    "we assess with moderate confidence that the actor used AI-assisted tooling to analyse the "
    "patch and write the exploit"
)

# fmt: off
CLAIMS: tuple[DemoClaim, ...] = (
    # -- Ada: AI and the exploitation window ----------------------------------------------------
    DemoClaim(
        "ada-window", "ada", ODIS_ADV, _SHARED_WINDOW,
        "Median time from disclosure to first exploitation fell to 5 days in H1 2025 (17 in 2023).",
        2, "almost_certain", "high",
        "Government catalogue data over 212 entries; Calder's own dataset shows the same fall.",
        (WINDOW,),
    ),
    DemoClaim(
        "ada-sixty", "ada", SENTINEL, _SHARED_SIXTY,
        "A vendor says AI-generated attacks are over 60% of the intrusion attempts it sees.",
        5, "very_unlikely", "moderate",
        "Undisclosed method, marketing context; ODIS and the Northfield workshop know of no "
        "reliable way to tell a model-written exploit from a human one.",
        (VENDOR, "actor/vendor"),
    ),
    DemoClaim(
        "ada-definitely", "ada", BLOG, _SHARED_DEFINITELY,
        "A comparable exploit-writing tool will emerge within 18 months of June 2025.",
        4, "unlikely", "moderate",
        "One former exploit developer's forecast, stated as a certainty; no public tool matched "
        "the Tamsworth results by April 2026.",
        (AGENTS, FORECAST),
    ),
    DemoClaim(
        "ada-two-years", "ada", NORTHFIELD, _SHARED_TWO_YEARS,
        "An openly available agent matching the Tamsworth results on web and appliance bugs is "
        "likely within two years of October 2025.",
        2, "likely", "moderate",
        "Majority view of a 31-person closed workshop; consistent with Calder KJ3.",
        (AGENTS, FORECAST),
    ),
    DemoClaim(
        "ada-flash", "ada", ODIS_FLASH, _SHARED_FLASH,
        "The Varden gateway exploit was probably written with AI-assisted tooling.",
        3, "likely", "moderate",
        "Circumstantial: code style and a 31-hour turnaround. ODIS itself calls it an "
        "assessment, not a finding.",
        (AGENTS, CRIMINAL),
    ),
    DemoClaim(
        "ada-bench", "ada", MERIDIAN,
        "AI-assisted tools now find and exploit vulnerabilities faster than defenders can patch them",
        "AI-assisted tools now exploit vulnerabilities faster than defenders patch them.",
        3, "roughly_even", "low",
        "The lead researcher's own words about her bench study of 20 bugs.",
        (AGENTS, WINDOW),
    ),
    DemoClaim(
        "ada-dunmore", "ada", MERIDIAN,
        "every competent ransomware group will be running something like this by the end of the year",
        "Every competent ransomware group will run an exploit agent by the end of 2025.",
        5, "very_unlikely", "moderate",
        "A start-up chief executive at a conference, no evidence offered.",
        (AGENTS, CRIMINAL, FORECAST),
        submit=False,
    ),
    DemoClaim(
        "ada-no-share", "ada", ODIS_ADV,
        "ODIS has not observed evidence that AI-generated malware or AI-generated exploits account "
        "for a significant share of intrusions reported to us",
        "AI-generated exploits are not a significant share of the intrusions reported to ODIS.",
        2, "likely", "moderate",
        "ODIS incident data for H1 2025; most intrusions began with stolen credentials, phishing "
        "or old unpatched flaws.",
        (VENDOR, WINDOW),
    ),
    DemoClaim(
        "ada-calder-kj1", "ada", CALDER,
        "It is very likely that AI-assisted tooling has contributed to the shortening of the "
        "interval between disclosure and exploitation",
        "AI-assisted tooling has very likely contributed to the shorter exploitation window for "
        "edge devices since 2024.",
        2, "very_likely", "moderate",
        "Calder KJ1, from a 340-vulnerability dataset and 23 interviews; contribution, not cause.",
        (AGENTS, WINDOW),
    ),
    DemoClaim(
        "ada-unverifiable", "ada", CALDER,
        "Published vendor figures on the share of attacks that are \"AI-generated\" cannot be "
        "verified and rest on undisclosed methods",
        "Vendor figures on the share of 'AI-generated' attacks cannot be verified.",
        2, "almost_certain", "high",
        "Calder KJ4; ODIS says the same and the vendors do not publish their methods.",
        (VENDOR,),
    ),
    DemoClaim(
        "ada-no-agent", "ada", ODIS_FLASH,
        "we have not seen anything that\nlooks like an autonomous agent operating on victim networks",
        "Post-exploitation in the Varden campaign was human-operated, not an autonomous agent.",
        2, "likely", "moderate",
        "Pauses and typing errors in the interactive sessions ODIS observed.",
        (AGENTS, CRIMINAL),
        submit=False,
    ),
    DemoClaim(
        "ada-hardened", "ada", NORTHFIELD,
        "They perform poorly on memory-corruption bugs in hardened software",
        # trips the ICD 203 2b check: likelihood and confidence in one sentence
        "We assess with high confidence that agents will likely keep failing on hardened "
        "memory-corruption targets through 2027.",
        2, "likely", "high",
        "Participants who replicated the experiments agreed on this pattern.",
        (AGENTS,),
    ),
    # -- Ben: chips, controls and supply ---------------------------------------------------------
    DemoClaim(
        "ben-window", "ben", ODIS_ADV, _SHARED_WINDOW,
        "Exploitation now follows disclosure by a median of 5 days (ODIS, H1 2025).",
        1, "almost_certain", "high",
        "Confirmed by Calder's independent dataset (21 days in 2022 to 4 in 2025).",
        (WINDOW,),
    ),
    DemoClaim(
        "ben-sixty", "ben", SENTINEL, _SHARED_SIXTY,
        "Sentinel Lattice claims AI-generated attacks are most of the intrusions it sees.",
        4, "unlikely", "moderate",
        "Vendor marketing with a proprietary method shown only under NDA.",
        (VENDOR,),
    ),
    DemoClaim(
        "ben-definitely", "ben", BLOG, _SHARED_DEFINITELY,
        "A tool matching the Tamsworth agent appears publicly by December 2026.",
        3, "roughly_even", "low",
        "Plausible mechanism, but a blog post; the certainty is the author's, not the evidence's.",
        (AGENTS, FORECAST),
        submit=False,
    ),
    DemoClaim(
        "ben-two-years", "ben", NORTHFIELD, _SHARED_TWO_YEARS,
        "A public Tamsworth-class agent is likely by late 2027.",
        2, "likely", "moderate",
        "Workshop majority; weak on hardened targets.",
        (AGENTS, FORECAST),
    ),
    DemoClaim(
        "ben-flash", "ben", ODIS_FLASH, _SHARED_FLASH,
        "The Varden exploit was AI-assisted.",
        2, "very_likely", "moderate",
        "ODIS reads the recovered script as generated code.",
        (AGENTS,),
        submit=False,
    ),
    DemoClaim(
        "ben-9000", "ben", HARBOURLINE,
        "At least 9,000 controlled accelerators appear to have moved through these routes",
        "At least 9,000 controlled accelerators reached restricted buyers via third-country "
        "shells, early 2024 to mid-2025.",
        2, "likely", "moderate",
        "Serial ranges and server configurations in leaked shipping documents.",
        (DIVERSION, CONTROLS),
    ),
    DemoClaim(
        "ben-diverted", "ben", DSTC,
        "We estimate that between 5,000 and 15,000 controlled accelerators were\ndiverted",
        "5,000 to 15,000 controlled accelerators were diverted to prohibited end users in "
        "2024–25.",
        2, "likely", "moderate",
        "The controlling agency's own estimate; overlaps the Harbourline count.",
        (DIVERSION, CONTROLS),
    ),
    DemoClaim(
        "ben-impractical", "ben", KESTREL,
        "This makes diversion of K7 hardware commercially impractical",
        "Kestrel says K7 location verification makes diversion commercially impractical.",
        5, "very_unlikely", "moderate",
        "A vendor's partner talking point; the feature is optional and unproven at scale.",
        (DIVERSION, "actor/vendor"),
    ),
    DemoClaim(
        "ben-verification", "ben", DSTC,
        "We assess it is unlikely that such features, as currently\nimplemented, would materially "
        "reduce diversion",
        "Chip location verification, as implemented, is unlikely to reduce diversion materially.",
        2, "unlikely", "moderate",
        "DSTC KJ5; Halvorsen makes the same point independently.",
        (DIVERSION, CONTROLS),
    ),
    DemoClaim(
        "ben-increased", "ben", SUPPLY,
        "has increased its 2026 order for Kestrel Silicon's K7 inference accelerator",
        "Norrland Cloud increased its 2026 K7 order while adding a second supplier.",
        2, "likely", "moderate",
        "Two people with knowledge of the contracts; Norrland did not deny it.",
        (ORDERS,),
    ),
    DemoClaim(
        "ben-cancelled", "ben", WAFER,
        "Norrland has cancelled its entire 2026 order for Kestrel Silicon's\nK7 inference "
        "accelerator",
        # trips the likelihood check: the rumour's wording, with the analyst's doubtful rating
        "Norrland has likely cancelled its whole 2026 K7 order and moved the volume elsewhere.",
        4, "unlikely", "low",
        "One unconfirmed tip in a newsletter; contradicts Compute Supply Weekly two months before.",
        (ORDERS,),
    ),
    DemoClaim(
        "ben-training", "ben", DSTC,
        "It is unlikely that domestic accelerators will meet the majority of China's demand for\n"
        "training compute before 2028",
        "Domestic accelerators are unlikely to meet most of China's training-compute demand "
        "before 2028.",
        2, "unlikely", "moderate",
        "DSTC KJ4: HBM, packaging and lithography limits.",
        (DOMESTIC, HBM),
    ),
    DemoClaim(
        "ben-forty", "ben", HALVORSEN,
        "domestic accelerators are unlikely to meet more than 40% of China's demand for training "
        "compute before 2028",
        "Domestic accelerators will meet at most 40% of China's training demand before 2028.",
        3, "likely", "moderate",
        "Think-tank estimate from interviews; sharper than DSTC's 'not a majority'.",
        (DOMESTIC,),
        submit=False,
    ),
    DemoClaim(
        "ben-share", "ben", SUANXIN,
        "在国内新增人工智能算力中的占比已升至35%左右",
        "Domestic accelerators were about 35% of China's new AI compute in 2025.",
        3, "likely", "low",
        "Trade-press survey of a dozen firms; mostly inference deployments.",
        (DOMESTIC,),
        submit=False,
    ),
    DemoClaim(
        "ben-twelve", "ben", KESTREL,
        "we can guarantee lead times of 12 weeks for K7 orders",
        "Kestrel guarantees 12-week K7 lead times through mid-2026.",
        4, "unlikely", "moderate",
        "Partner briefing; industry lead times are 30–40 weeks on HBM shortages.",
        (ORDERS, HBM),
        submit=False,
    ),
    DemoClaim(
        "ben-nobody", "ben", SUPPLY,
        "Nobody is delivering in twelve weeks, whatever the brochure says",
        "No supplier is delivering flagship accelerators in twelve weeks.",
        3, "likely", "moderate",
        "Procurement managers at four operators and two integrators.",
        (ORDERS, HBM),
        submit=False,
    ),
)
# fmt: on

# (from, to, relation, comment): who links is the author of the first claim
LINKS: tuple[tuple[str, str, str, str], ...] = (
    ("ada-sixty", "ada-no-share", "contradicts", "ODIS sees no significant share"),
    ("ada-unverifiable", "ada-sixty", "contradicts", "the 60% figure is one of these"),
    ("ada-no-share", "ada-unverifiable", "corroborates", ""),
    ("ada-two-years", "ada-definitely", "contradicts", "rejects the certainty, not the idea"),
    ("ada-calder-kj1", "ada-window", "refines", "AI's part in the shorter window"),
    ("ada-flash", "ada-calder-kj1", "corroborates", "a third edge-device case within two days"),
    ("ada-no-share", "ada-dunmore", "contradicts", ""),
    ("ben-diverted", "ben-9000", "corroborates", "the count sits inside DSTC's range"),
    ("ben-verification", "ben-impractical", "contradicts", ""),
    ("ben-cancelled", "ben-increased", "contradicts", "single source against two"),
    ("ben-forty", "ben-training", "refines", "a number for 'not a majority'"),
    ("ben-nobody", "ben-twelve", "contradicts", ""),
    ("ben-window", "ada-window", "duplicates", "same ODIS figure"),
)

# Sam's decisions, in order: (claim, decision, comment)
REVIEWS: tuple[tuple[str, str, str], ...] = (
    ("ada-window", "approve", ""),
    ("ada-no-share", "approve", "Good: the ODIS wording is kept precise."),
    ("ada-calder-kj1", "approve", ""),
    ("ada-unverifiable", "approve", ""),
    ("ben-window", "approve", ""),
    ("ben-diverted", "approve", ""),
    ("ben-verification", "approve", ""),
    ("ben-training", "approve", ""),
    (
        "ada-bench",
        "reject",
        "This is the researcher describing her own bench of 20 hand-picked bugs; the statement "
        "makes it a fact about all AI-assisted tools. Claim what the study measured instead.",
    ),
    (
        "ada-definitely",
        "request_changes",
        "Say whose forecast this is, and keep the 18-month window apart from 'eventually'.",
    ),
    (
        "ben-cancelled",
        "request_changes",
        "The statement says 'likely' but you rated it unlikely; write it as the single-source "
        "rumour it is, then rate that.",
    ),
)

# Ada answers the changes asked of her and submits again: (claim, new statement)
RESUBMITTED: tuple[tuple[str, str], ...] = (
    (
        "ada-definitely",
        "A former exploit developer forecasts a comparable public tool within 18 months of June "
        "2025; that window is unlikely to hold.",
    ),
)


def locate(text: str, quote: str) -> tuple[int, int]:
    """The span of QUOTE's first occurrence in TEXT, whitespace matching any whitespace (PDF
    and e-mail text breaks lines mid-sentence)."""
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    m = re.search(pattern, text)
    if m is None:
        raise RuntimeError(f"The sample text lacks the demo's quote {quote[:60]!r}.")
    return m.span()


def add_analysis(ws: Workspace) -> dict[str, str]:
    """The worked analysis on the imported sample documents, made through the Workspace as its
    people: Ada's and Ben's claims (some on the same spans), their links, submissions, Sam's
    reviews and a resubmission. Returns the claim ids by key. The person at the keyboard is
    the same afterwards."""
    me = ws.profile
    docs = {d["filename"]: d["id"] for d in ws.list_documents()}
    texts = {name: ws.document(doc_id).text for name, doc_id in docs.items()}
    ids: dict[str, str] = {}
    try:
        for who in ("ada", "ben"):
            ws.switch_analyst(PEOPLE[who])
            with ws.batch(f"Demo: {PEOPLE[who].name}'s claims"):
                for c in (c for c in CLAIMS if c.who == who):
                    start, end = locate(texts[c.file], c.quote)
                    ids[c.key] = ws.add_claim(
                        docs[c.file],
                        start,
                        end,
                        c.statement,
                        credibility=c.credibility,
                        likelihood=c.likelihood,
                        confidence=c.confidence,
                        rationale=c.rationale,
                        tags=c.tags,
                    ).created
                for a, b, relation, comment in LINKS:
                    if a.startswith(who):
                        ws.link_claims(ids[a], ids[b], relation, comment)
                for c in CLAIMS:
                    if c.who == who and c.submit:
                        ws.submit(ids[c.key])
        ws.switch_analyst(SAM)
        with ws.batch("Demo: Sam's reviews"):
            for key, decision, comment in REVIEWS:
                ws.review(ids[key], decision, comment)
        ws.switch_analyst(ADA)
        with ws.batch("Demo: Ada's revisions"):
            for key, statement in RESUBMITTED:
                ws.edit_claim(ids[key], statement=statement)
                ws.submit(ids[key], "Reworded as the blogger's forecast.")
        add_judgements_and_matrix(ws, ids)
    finally:
        ws.switch_analyst(me)
    return ids


def add_judgements_and_matrix(ws: Workspace, ids: dict[str, str]) -> None:
    """The demo's two key judgements, made as Ada on her claims in IDS (the one on the
    exploitation window submitted, and approved by Sam); the ACH matrix follows in
    `add_matrix`."""
    window = ws.add_judgement(
        "AI-assisted tooling has very likely shortened the exploitation window for edge devices.",
        likelihood="very_likely",
        confidence="moderate",
        marking="GREEN",
        supporting=[ids["ada-window"], ids["ada-calder-kj1"], ids["ada-flash"]],
        weakening=[ids["ada-no-share"]],
        reason="Three sources agree on the shorter window; ODIS sees no AI share yet.",
    ).created
    ws.add_judgement(
        "A public Tamsworth-class exploit agent is likely before the end of 2027.",
        likelihood="likely",
        confidence="low",
        supporting=[ids["ada-two-years"]],
        weakening=[ids["ada-definitely"]],
        reason="One workshop readout; the blogger's certainty does not carry it.",
    )
    ws.submit_judgement(window, "Ready for the morning brief.")
    ws.switch_analyst(SAM)
    ws.review_judgement(window, "approve", "Sources and their weights are stated; agreed.")
    ws.switch_analyst(ADA)
    add_matrix(ws, ids)


# The demo's ACH matrix: each claim rated against the three hypotheses (CC C N I II NA).
MATRIX_QUESTION = "What drives the shorter exploitation window?"
HYPOTHESES = (
    "AI-assisted exploit development",
    "Conventional automation and the access-broker market",
    "Better detection and reporting, not faster attackers",
)
MATRIX_ROWS = (
    ("ada-window", ("C", "C", "C")),  # every hypothesis expects it: not diagnostic
    ("ada-no-share", ("I", "C", "N")),
    ("ada-calder-kj1", ("CC", "I", "I")),
    ("ada-flash", ("C", "I", "I")),  # a 31-hour turnaround: faster attackers, not reporting
    ("ada-sixty", ("C", "I", "N")),
    ("ada-unverifiable", ("N", "N", "C")),
)


def add_matrix(ws: Workspace, ids: dict[str, str]) -> None:
    """The ACH matrix on Ada's claims: three hypotheses, six rows, every cell rated."""
    matrix = ws.create_matrix(MATRIX_QUESTION, marking="GREEN").created
    columns = [ws.add_hypothesis(matrix, text).created for text in HYPOTHESES]
    ws.add_matrix_evidence(matrix, [ids[key] for key, _ratings in MATRIX_ROWS])
    for key, ratings in MATRIX_ROWS:
        for hypothesis, rating in zip(columns, ratings, strict=True):
            ws.rate_cell(matrix, hypothesis, ids[key], rating)


def create_demo(
    path: Path,
    *,
    progress: Progress | None = None,
    cancel=None,
    profile: Profile | None = None,
    analysis: bool = True,
) -> Workspace:
    """Create a workspace at PATH holding the sample documents, sources and markings, and (unless
    ANALYSIS is False: the documents alone, for tests and tools that bring their own work) the
    worked analysis on them, see `add_analysis`. None of it is an undo step for the user."""
    path = Path(path)
    existed = path.exists()
    ws = Workspace.create(path, name="Assay demo", profile=profile)
    try:
        entries = catalog()
        files = [sample_dir() / e["file"] for e in entries]
        with ws.deferred_indexing():
            report = ws.import_paths(files, progress=progress, cancel=cancel, index=False)
            if report.cancelled:
                raise Cancelled("Creating the demo workspace was cancelled.")
            if report.failed:
                problems = "; ".join(f"{p.path}: {p.reason}" for p in report.failed)
                raise RuntimeError(f"The sample corpus did not import cleanly: {problems}")
            by_file = {d["filename"]: d["id"] for d in ws.list_documents()}
            for e in entries:
                ws.set_source(
                    e["source"], kind=e.get("source_kind"), reliability=e.get("reliability")
                )
                ws.update_document(
                    by_file[Path(e["file"]).name],
                    title=e["title"],
                    author=e.get("author"),
                    published_at=e.get("published_at"),
                    marking=e.get("marking", "CLEAR"),
                    language=e.get("language"),
                    source=e["source"],
                )
            if analysis:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Creating the demo workspace was cancelled.")
                if progress is not None:
                    progress(len(files), len(files), "The worked analysis")
                add_analysis(ws)
        ws.session.undo_stack.clear()  # setting up the demo is not the user's work to undo
    except BaseException:
        ws.close()
        if not existed:  # leave no half-made workspace behind
            shutil.rmtree(path, ignore_errors=True)
        raise
    return ws
