"""`assay judgement …`: key judgements on rated claims, their review and their history."""

from __future__ import annotations

from dataclasses import asdict

from .common import JSON, Commands, arg, open_workspace, print_json

commands = Commands()
judgement = commands.group(
    "judgement",
    "key judgements: add | list | show | edit | delete | submit | approve | reject |"
    " request-changes | history",
)

RATING_ARGS = (
    arg("--likelihood", "-l", help="ICD 203 likelihood (likely, very_likely, remote, …)"),
    arg("--confidence", "-c", help="low, moderate or high"),
    arg("--marking", help="TLP marking (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)"),
    arg("--supporting", "-s", action="append", default=[], metavar="CLAIM", help="repeatable"),
    arg("--weakening", "-x", action="append", default=[], metavar="CLAIM", help="repeatable"),
)


def judgement_json(j) -> dict:
    d = asdict(j)
    d["supporting"] = [_evidence_json(a) for a in j.supporting]
    d["weakening"] = [_evidence_json(a) for a in j.weakening]
    return d


def _evidence_json(a) -> dict:
    return {
        "id": a.id,
        "statement": a.statement,
        "admiralty": a.admiralty,
        "document_id": a.document_id,
        "document_title": a.document_title,
    }


def print_judgement(j) -> None:
    from desktop.core.kernel.scales import CONFIDENCE_LABEL, likelihood_band, likelihood_label

    print(f"{j.id}  [TLP:{j.marking}]  {j.status.replace('_', ' ')}  by {j.author}")
    print(f"  {j.statement}")
    # ICD 203: the likelihood and the confidence are never given in one sentence
    print(f"  Likelihood: {likelihood_label(j.likelihood)} ({likelihood_band(j.likelihood)}).")
    print(f"  Confidence: {CONFIDENCE_LABEL[j.confidence]}.")
    print(f"  {j.summary}")
    for role, claims in (("supporting", j.supporting), ("weakening", j.weakening)):
        for a in claims:
            print(f"    {role:10} {a.id[:8]} {a.admiralty:3} {a.statement or a.quote[:60]}")
    for ann_id in j.missing:
        print(f"    missing    {ann_id[:8]} (the claim is not in this workspace)")


@judgement.command(
    "add",
    "record a key judgement resting on claims",
    arg("statement"),
    *RATING_ARGS,
    arg("--reason", "-m", default="", help="why you judge so (kept in the audit log)"),
)
def judgement_add(args) -> int:
    with open_workspace(args) as ws:
        ch = ws.add_judgement(
            args.statement,
            likelihood=args.likelihood,
            confidence=args.confidence,
            marking=args.marking or "CLEAR",
            supporting=args.supporting,
            weakening=args.weakening,
            reason=args.reason,
        )
        print_judgement(ws.judgement(ch.created))
    return 0


@judgement.command(
    "list",
    "key judgements, newest first",
    arg("--status", help="draft, submitted, approved, rejected or changes_requested"),
    JSON,
)
def judgement_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        items = ws.judgements(status=args.status)
    if args.json:
        print_json([judgement_json(j) for j in items])
        return 0
    for j in items:
        print(
            f"{j.id[:8]}  {j.status:17} {j.likelihood:16} {j.confidence:8} "
            f"TLP:{j.marking:12} {j.statement[:60]}"
        )
        print(f"          {j.summary}")
    print(f"{len(items)} judgement{'s' * (len(items) != 1)}")
    return 0


@judgement.command("show", "a judgement with the claims it rests on", arg("id"), JSON)
def judgement_show(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        j = ws.judgement(args.id)
    if args.json:
        print_json(judgement_json(j))
    else:
        print_judgement(j)
    return 0


@judgement.command(
    "edit",
    "change a judgement of mine, saying why",
    arg("id"),
    arg("--reason", "-m", required=True, help="why the judgement changes (required)"),
    arg("--statement"),
    *RATING_ARGS,
    arg("--remove", "-r", action="append", default=[], metavar="CLAIM", help="repeatable"),
)
def judgement_edit(args) -> int:
    with open_workspace(args) as ws:
        jid = ws.judgement(args.id).id
        ws.edit_judgement(
            jid,
            reason=args.reason,
            statement=args.statement,
            likelihood=args.likelihood,
            confidence=args.confidence,
            marking=args.marking,
            supporting=args.supporting,
            weakening=args.weakening,
            remove=args.remove,
        )
        print_judgement(ws.judgement(jid))
    return 0


@judgement.command("delete", "remove a judgement of mine", arg("id"))
def judgement_delete(args) -> int:
    with open_workspace(args) as ws:
        j = ws.judgement(args.id)
        ws.delete_judgement(j.id)
    print(f"Deleted judgement {j.id[:8]}: {j.statement[:60]}")
    return 0


@judgement.command(
    "submit", "send a judgement of mine for review", arg("id"), arg("--comment", "-m", default="")
)
def judgement_submit(args) -> int:
    with open_workspace(args) as ws:
        ws.submit_judgement(ws.judgement(args.id).id, args.comment)
    print("Submitted for review")
    return 0


def _decide(args) -> int:
    decision = args.action.replace("-", "_")
    with open_workspace(args) as ws:
        j = ws.judgement(args.id)
        ws.review_judgement(j.id, decision, args.comment)
    print(f"{decision.replace('_', ' ')}: {j.statement[:60]}")
    return 0


DECISION_ARGS = (arg("id"), arg("--comment", "-m", default=""))
judgement.command("approve", "approve a submitted judgement", *DECISION_ARGS)(_decide)
judgement.command("reject", "reject a judgement (comment required)", *DECISION_ARGS)(_decide)
judgement.command("request-changes", "send a judgement back (comment required)", *DECISION_ARGS)(
    _decide
)


@judgement.command(
    "history", "a judgement's review thread and its audited changes with reasons", arg("id"), JSON
)
def judgement_history(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        j = ws.judgement(args.id)
        reviews, changes = ws.judgement_reviews(j.id), ws.judgement_history(j.id)
    if args.json:
        print_json(
            {
                "judgement": judgement_json(j),
                "reviews": [asdict(r) for r in reviews],
                "changes": changes,
            }
        )
        return 0
    print_judgement(j)
    print("  review thread:")
    for r in reviews:
        print(f"    {r.created_at[:19]}  {r.reviewer}: {r.decision}  {r.comment}")
    print("  changes:")
    for h in changes:
        print(f"    {h['at'][:19]}  {h['actor']}: {h['action']}  {h['change'].get('reason', '')}")
    return 0
