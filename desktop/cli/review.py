"""`assay review … | agreement`: the review queue, decisions, and agreement between analysts."""

from __future__ import annotations

from dataclasses import asdict

from .claims import annotation_json, likelihood_label, print_annotation
from .common import JSON, Commands, arg, open_workspace, print_json

commands = Commands()
review = commands.group(
    "review", "review: queue | submit | approve | reject | request-changes | returned | history"
)


@review.command(
    "queue",
    "submitted claims, oldest first",
    arg("--analyst"),
    arg("--tag"),
    arg("--older-than", type=int, metavar="DAYS"),
    JSON,
)
def review_queue(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        items = ws.review_queue(analyst=args.analyst, tag=args.tag, older_than_days=args.older_than)
    if args.json:
        print_json([annotation_json(a) for a in items])
        return 0
    for a in items:
        print(
            f"{a.id[:8]}  {a.analyst[:18]:18} {a.admiralty:3} "
            f"{likelihood_label(a.likelihood):20} {a.statement or a.quote[:60]}"
        )
    print(f"{len(items)} waiting for review")
    return 0


@review.command("returned", "my claims sent back to me", JSON)
def review_returned(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        items = [(a, ws.last_review(a.id)) for a in ws.returned_to_me()]
    if args.json:
        print_json(
            [
                {**annotation_json(a), "last_review": asdict(last) if last else None}
                for a, last in items
            ]
        )
        return 0
    for a, last in items:
        print(f"{a.id[:8]}  {a.status:17} {a.statement or a.quote[:60]}")
        if last:
            print(f"          {last.reviewer}: {last.comment}")
    return 0


@review.command(
    "submit",
    "submit a claim (or --doc: all my drafts on a document)",
    arg("id", metavar="ID_OR_DOC"),
    arg("--comment", "-m", default=""),
    arg("--doc", action="store_true", help="ID_OR_DOC names a document"),
)
def review_submit(args) -> int:
    with open_workspace(args) as ws:
        if args.doc:
            ws.submit_document(ws.find_document(args.id).id, args.comment)
        else:
            ws.submit(ws.annotation(args.id).id, args.comment)
    print("Submitted for review")
    return 0


def _decide(args) -> int:
    decision = args.action.replace("-", "_")
    with open_workspace(args) as ws:
        a = ws.annotation(args.id)
        ws.review(a.id, decision, args.comment, opinion=args.opinion)
    print(f"{decision.replace('_', ' ')}: {a.statement or a.quote[:60]}")
    return 0


DECISION_ARGS = (
    arg("id", metavar="ID"),
    arg("--comment", "-m", default=""),
    arg("--opinion", help="STIX opinion (default from the decision)"),
)
review.command("approve", "approve a submitted claim", *DECISION_ARGS)(_decide)
review.command("reject", "reject a submitted claim (comment required)", *DECISION_ARGS)(_decide)
review.command("request-changes", "send a claim back (comment required)", *DECISION_ARGS)(_decide)


@review.command(
    "history", "a claim's review thread and audited changes", arg("id", metavar="ID"), JSON
)
def review_history(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        a = ws.annotation(args.id)
        reviews, changes = ws.reviews(a.id), ws.history(a.id)
    if args.json:
        print_json(
            {
                "annotation": annotation_json(a),
                "reviews": [asdict(r) for r in reviews],
                "changes": changes,
            }
        )
        return 0
    print_annotation(a)
    print("  review thread:")
    for r in reviews:
        print(
            f"    {r.created_at[:19]}  {r.reviewer}: {r.decision}"
            f"{' (' + r.opinion + ')' if r.opinion else ''}  {r.comment}"
            f"{'  [imported from ' + r.imported_from + ']' if r.imported_from else ''}"
        )
    print("  changes:")
    for h in changes:
        print(f"    {h['at'][:19]}  {h['actor']}: {h['action']}")
    return 0


# -- agreement --------------------------------------------------------------------------------
def _alpha(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@commands.command(
    "agreement",
    "agreement between analysts (Krippendorff's alpha)",
    arg("--doc", help="one document (default: the whole workspace)"),
    JSON,
)
def cmd_agreement(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        doc = ws.find_document(args.doc) if args.doc else None
        report = ws.agreement(doc.id if doc else None)
    if args.json:
        print_json(
            {
                "analysts": [report.names.get(a, a) for a in report.analysts],
                "units": report.units,
                "shared_units": report.shared_units,
                "single_share": report.single_share,
                "alpha_tags": report.alpha_tags,
                "alpha_credibility": report.alpha_credibility,
                "alpha_likelihood": report.alpha_likelihood,
                "pairs": [
                    {
                        "a": report.names.get(a, a),
                        "b": report.names.get(b, b),
                        "alpha_tags": p.alpha_tags,
                        "alpha_credibility": p.alpha_credibility,
                        "alpha_likelihood": p.alpha_likelihood,
                        "single_share": p.single_share,
                    }
                    for (a, b), p in report.pairs.items()
                ],
            }
        )
        return 0
    where = f"on {doc.title!r}" if doc else "across the workspace"
    names = ", ".join(report.names.get(a, a) for a in report.analysts) or "nobody"
    print(f"Agreement {where}: {names}")
    if len(report.analysts) < 2:
        print("Agreement needs at least two analysts who annotated the same documents.")
        return 0
    share = "n/a" if report.single_share is None else f"{report.single_share:.0%}"
    print(
        f"  spans: {report.units} ({report.shared_units} marked by 2+ analysts; "
        f"{share} by one analyst only)"
    )
    print(
        f"  Krippendorff's alpha — tags (nominal) {_alpha(report.alpha_tags)}, "
        f"credibility (ordinal) {_alpha(report.alpha_credibility)}, "
        f"likelihood (ordinal) {_alpha(report.alpha_likelihood)}"
    )
    for (a, b), p in report.pairs.items():
        print(
            f"  {report.names.get(a, a)} × {report.names.get(b, b)}: tags "
            f"{_alpha(p.alpha_tags)}, credibility {_alpha(p.alpha_credibility)}, "
            f"likelihood {_alpha(p.alpha_likelihood)}"
        )
    return 0
