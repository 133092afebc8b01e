"""Dev only: turn a report PDF into PNG pages with pdftoppm (Debian's poppler-utils) to look at.

    python tools/report_pages.py report.pdf outdir [--dpi 110]
    python tools/report_pages.py --demo outdir     # build a demo report first, then its pages

Writes outdir/page-1.png, page-2.png, … and prints their paths. `--demo` makes the demo
workspace in outdir/ws, adds and reviews a few claims, and writes outdir/report.pdf and
outdir/report.html (docs/screenshots/report-page.png is page 4 of it, at --dpi 120).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def pdf_to_pngs(pdf: Path, outdir: Path, dpi: int = 110) -> list[Path]:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    if not pdf.is_file():
        raise SystemExit(f"{pdf} is not a file")
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("page-*.png"):
        old.unlink()
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(outdir / "page")], check=True)
    pages = sorted(outdir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    renamed = []
    for p in pages:  # pdftoppm pads numbers by the page count (page-01); keep it simple
        target = p.with_name(f"page-{int(p.stem.rsplit('-', 1)[1])}.png")
        if target != p:
            p.rename(target)
        renamed.append(target)
    return renamed


CLAIMS = [  # (file, quote, statement, credibility, likelihood, confidence, rationale, comment, tags)
    (
        "meridian-ledger-ai-exploit-agents.txt",
        "For 11 of them the agent produced code that reliably took control of a test system",
        "An AI agent produced working exploits for 11 of 20 recent vulnerabilities, in about six "
        "hours on average.",
        2,
        "likely",
        "moderate",
        "Preprint with a described method; sample chosen by the authors; not yet reproduced.",
        "Ask ODIS whether they have seen this in the wild.",
        ["capability/exploit generation", "actor/academia"],
    ),
    (
        "meridian-ledger-ai-exploit-agents.txt",
        "every competent ransomware group will be running something like this by the end of the "
        "year",
        "Every competent ransomware group will run such a tool by the end of 2025.",
        5,
        "unlikely",
        "low",
        "Vendor CEO at a conference, no evidence offered.",
        "",
        ["actor/criminal", "capability/exploit generation"],
    ),
    (
        "meridian-ledger-ai-exploit-agents.txt",
        "the median organisation took 38 days to apply a critical patch to internet-facing systems",
        "Median time to patch critical internet-facing flaws is 38 days.",
        3,
        "very_likely",
        "moderate",
        "",
        "",
        ["policy/patching"],
    ),
    (
        "offbyone-blog-exploit-bot.md",
        "if anything it undersells what's about to happen",
        "The Tamsworth result understates near-term capability.",
        4,
        "roughly_even",
        "low",
        "",
        "",
        ["capability/exploit generation"],
    ),
    (
        "halvorsen-controls-three-years.md",
        "the most ambitious domestic training runs have been delayed by something like 12 to 24 "
        "months",
        "Controls delayed the most ambitious domestic training runs by 12–24 months.",
        3,
        "likely",
        "moderate",
        "Interviews; counterfactual unknowable, as the author says.",
        "",
        ["policy/export controls", "supply chain/accelerators"],
    ),
    (
        "northfield-workshop-readout.docx",
        "they had seen a small number of cases where AI assistance was probable but none where it "
        "was proven",
        "National CERTs have seen probable but no proven AI-assisted exploitation.",
        2,
        "very_likely",
        "high",
        "Two CERTs and a government agency, closed workshop; unattributed.",
        "",
        ["actor/government", "capability/exploit generation"],
    ),
    (
        "computing-office-domestic-accelerators.zh.txt",
        "到2028年这一比例有望提升至70%左右",
        "Domestic accelerators could meet about 70 % of inference demand by 2028.",
        4,
        "roughly_even",
        "low",
        "",
        "Official projection; no method published.",
        ["supply chain/accelerators"],
    ),
]


def build_demo_report(outdir: Path) -> Path:
    """The demo workspace with seven claims, links and reviews; returns the report PDF."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("ASSAY_PROFILE_DIR", tempfile.mkdtemp(prefix="assay-report-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.core.demo import create_demo
    from desktop.core.exports import Selection
    from desktop.core.exports.report import export_html
    from desktop.core.kernel.profile import Profile
    from desktop.ui.pdf_report import ensure_application, export_pdf

    ensure_application()
    analyst = Profile(
        id="11111111-1111-4111-8111-111111111111", name="Ada Lindgren", configured=True
    )
    supervisor = Profile(
        id="33333333-3333-4333-8333-333333333333",
        name="Sam Okafor",
        role="supervisor",
        configured=True,
    )
    shutil.rmtree(outdir / "ws", ignore_errors=True)
    outdir.mkdir(parents=True, exist_ok=True)
    ws = create_demo(outdir / "ws", profile=analyst, analysis=False)
    try:
        docs = {d["filename"]: d["id"] for d in ws.list_documents()}
        made = []
        for name, quote, statement, cred, lik, conf, why, comment, tags in CLAIMS:
            start = ws.document(docs[name]).text.index(quote)
            made.append(
                ws.add_claim(
                    docs[name],
                    start,
                    start + len(quote),
                    statement,
                    credibility=cred,
                    likelihood=lik,
                    confidence=conf,
                    rationale=why,
                    comment=comment,
                    tags=tags,
                ).created
            )
        ws.link_claims(made[5], made[1], "contradicts", "no evidence of routine criminal use")
        ws.link_claims(made[1], made[0], "refines", "extrapolates from the lab result")
        ws.link_claims(made[3], made[0], "corroborates")
        ws.link_claims(
            made[6], made[4], "contradicts", "implies faster substitution than the delay suggests"
        )
        for n in (0, 1, 2, 4, 5):
            ws.submit(made[n], comment="Ready for review.")
        ws.switch_analyst(supervisor)
        ws.review(made[0], "approve", "Sound; keep the caveat about the chosen sample.")
        ws.review(made[1], "reject", "No evidence offered; record it as a note instead.")
        ws.review(made[2], "request_changes", "Cite the Brightwater survey directly.")
        ws.review(
            made[5],
            "approve",
            "Good use of the readout; keep it unattributed.",
            opinion="strongly-agree",
        )
        ws.switch_analyst(analyst)
        title = "AI-enabled exploitation and compute controls"
        selection = Selection(ceiling="AMBER")
        export_html(ws, outdir / "report.html", selection, title=title)
        result = export_pdf(ws, outdir / "report.pdf", selection, title=title)
        print(result.summary())
    finally:
        ws.close()
    return outdir / "report.pdf"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path, nargs="?", help="the report PDF (not with --demo)")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--demo", action="store_true", help="build the demo report in OUTDIR first")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args(argv)
    if args.demo:
        pdf = build_demo_report(args.outdir)
    elif args.pdf is None:
        parser.error("give the report PDF, or --demo")
    else:
        pdf = args.pdf
    for page in pdf_to_pngs(pdf, args.outdir, args.dpi):
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
