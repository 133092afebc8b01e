"""`assay annotate | claim … | link …`: notes, claims with their ratings, and links."""

from __future__ import annotations

from dataclasses import asdict

from desktop.core.kernel import tradecraft
from desktop.core.kernel.errors import AnnotationError

from .common import JSON, Commands, arg, open_workspace, print_json

commands = Commands()

SPAN_ARGS = (
    arg("doc", metavar="DOC", help="document id prefix or title"),
    arg("--quote", "-q", help="the exact text to mark"),
    arg("--occurrence", type=int, default=1, help="which occurrence of --quote"),
    arg("--start", type=int, help="start offset (code points)"),
    arg("--end", type=int, help="end offset, exclusive"),
    arg("--comment", default=""),
    arg("--tag", "-t", action="append", default=[], help="tag (repeatable)"),
)
RATING_ARGS = (
    arg("--statement", "-s"),
    arg("--credibility", "-c", help="Admiralty credibility 1–6"),
    arg("--likelihood", "-l", help="ICD 203 term, e.g. likely, very_unlikely"),
    arg("--confidence", help="low, moderate or high"),
    arg("--rationale"),
)


def locate(doc, args) -> tuple[int, int]:
    """The span named by --quote (nth occurrence) or by --start/--end."""
    if args.quote:
        start, n = -1, 0
        while n < args.occurrence:
            start = doc.text.find(args.quote, start + 1)
            if start < 0:
                raise AnnotationError(
                    f"{args.quote!r} does not occur {args.occurrence} time(s) in {doc.title!r}."
                )
            n += 1
        return start, start + len(args.quote)
    if args.start is None or args.end is None:
        raise AnnotationError("Give the span with --quote TEXT or with --start N --end N.")
    return args.start, args.end


def print_annotation(a, links=()) -> None:
    print(f"{a.kind.upper()} {a.id}  [{a.status}]  by {a.analyst}")
    print(f"  document: {a.document_title}  ({a.start}–{a.end})")
    print(f"  quote:    \u201c{a.quote}\u201d")
    if a.kind == "claim":
        print(f"  claim:    {a.statement}")
        print(f"  rating:   {a.rating}")
        if a.rationale:
            print(f"  rationale: {a.rationale}")
    if a.comment:
        print(f"  comment:  {a.comment}")
    if a.tags:
        print(f"  tags:     {', '.join(a.tags)}")
    for link in links:
        arrow = "->" if link.from_id == a.id else "<-"
        print(
            f"  {arrow} {link.relation}: {link.other_statement} ({link.other_document})"
            f"  [link {link.id[:8]}]"
        )


def annotation_json(a) -> dict:
    d = asdict(a)
    d["admiralty"] = a.admiralty
    d["rating"] = a.rating
    return d


def likelihood_label(likelihood: str | None) -> str:
    from desktop.core.kernel.scales import likelihood_label as label

    return label(likelihood) or "-"


@commands.command("annotate", "mark a span of a document with a note", *SPAN_ARGS)
def cmd_annotate(args) -> int:
    with open_workspace(args) as ws:
        doc = ws.find_document(args.doc)
        start, end = locate(doc, args)
        ch = ws.add_note(doc.id, start, end, comment=args.comment, tags=args.tag)
        print_annotation(ws.annotation(ch.created))
    return 0


# -- claim ------------------------------------------------------------------------------------
claim = commands.group("claim", "claims: add | list | show | rate | check")


@claim.command("add", "mark a span as a claim with ratings", *SPAN_ARGS, *RATING_ARGS)
def claim_add(args) -> int:
    with open_workspace(args) as ws:
        doc = ws.find_document(args.doc)
        start, end = locate(doc, args)
        ch = ws.add_claim(
            doc.id,
            start,
            end,
            args.statement or "",
            credibility=args.credibility,
            likelihood=args.likelihood,
            confidence=args.confidence,
            rationale=args.rationale or "",
            comment=args.comment,
            tags=args.tag,
        )
        print_annotation(ws.annotation(ch.created))
    return 0


@claim.command(
    "list",
    "list claims",
    arg("--status"),
    arg("--tag"),
    arg("--analyst"),
    arg("--doc"),
    arg("--likelihood"),
    arg("--all", action="store_true", help="notes too"),
    JSON,
)
def claim_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        doc = ws.find_document(args.doc).id if args.doc else None
        claims = ws.claims(
            status=args.status,
            tag=args.tag,
            analyst=args.analyst,
            document=doc,
            likelihood=args.likelihood,
            kind=None if args.all else "claim",
        )
    if args.json:
        print_json([annotation_json(a) for a in claims])
        return 0
    for a in claims:
        print(
            f"{a.id[:8]}  {a.status:17} {a.admiralty:3} "
            f"{likelihood_label(a.likelihood):20} {a.statement or a.quote[:60]}"
        )
    print(f"{len(claims)} claim(s)")
    return 0


@claim.command("show", "show a claim, its tags and links", arg("id", metavar="ID"), JSON)
def claim_show(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        a = ws.annotation(args.id)
        if args.json:
            print_json(annotation_json(a))
        else:
            print_annotation(a, ws.links(a.id))
    return 0


@claim.command(
    "rate",
    "change a claim's statement or ratings",
    arg("id", metavar="ID"),
    *RATING_ARGS,
    arg("--comment"),
)
def claim_rate(args) -> int:
    values = {
        k: getattr(args, k)
        for k in ("statement", "credibility", "likelihood", "confidence", "rationale", "comment")
        if getattr(args, k) is not None
    }
    with open_workspace(args) as ws:
        a = ws.annotation(args.id)
        ws.edit_claim(a.id, **values)
        print_annotation(ws.annotation(a.id))
    return 0


@claim.command(
    "check",
    "tradecraft checks of one claim, or of every claim: likelihood words that disagree with the"
    " rating, likelihood and confidence in one sentence (advice: the exit status is 0)",
    arg("id", metavar="ID", nargs="?", help="claim id or prefix (default: every claim)"),
    JSON,
)
def claim_check(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        if args.id:
            claims = [ws.annotation(args.id)]
            found = [(claims[0], ws.tradecraft(claims[0].id))]
        else:  # the same checks over the claims already read, not one query per claim
            claims = ws.claims()
            found = [(a, tradecraft.check_statement(a.statement, a.likelihood)) for a in claims]
    found = [(a, findings) for a, findings in found if findings]
    if args.json:
        print_json(
            [
                {
                    "id": a.id,
                    "statement": a.statement,
                    "likelihood": a.likelihood,
                    "analyst": a.analyst,
                    "findings": [f.as_dict() for f in findings],
                }
                for a, findings in found
            ]
        )
        return 0
    for a, findings in found:
        print(f"{a.id[:8]}  {a.analyst}: {a.statement or a.quote[:60]}")
        for f in findings:
            print(f"  {f.code}: {f.message}")
    checked = f"{len(claims)} claim(s) checked"
    print(
        f"{checked}, {sum(len(f) for _, f in found)} finding(s)"
        if found
        else f"{checked}, no findings"
    )
    return 0


# -- link -------------------------------------------------------------------------------------
link = commands.group("link", "links between claims: add A B --relation R | list A | remove LINK")


@link.command(
    "add",
    "link claim A to claim B",
    arg("first", metavar="A"),
    arg("second", metavar="B"),
    arg(
        "--relation",
        "-r",
        default="corroborates",
        choices=["corroborates", "contradicts", "duplicates", "refines"],
    ),
    arg("--comment", default=""),
)
def link_add(args) -> int:
    with open_workspace(args) as ws:
        a, b = ws.annotation(args.first).id, ws.annotation(args.second).id
        ch = ws.link_claims(a, b, args.relation, args.comment)
    print(f"Linked: {a[:8]} {args.relation} {b[:8]} (link {ch.created[:8]})")
    return 0


@link.command("list", "links of claim A", arg("first", metavar="A"), JSON)
def link_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        a = ws.annotation(args.first)
        links = ws.links(a.id)
    if args.json:
        print_json([asdict(link) for link in links])
        return 0
    for link in links:
        arrow = "->" if link.from_id == a.id else "<-"
        print(
            f"{link.id[:8]} {arrow} {link.relation:13} {link.other_statement}"
            f" ({link.other_document})"
        )
    return 0


@link.command("remove", "remove a link by its id", arg("first", metavar="LINK"))
def link_remove(args) -> int:
    with open_workspace(args) as ws:
        ws.unlink(args.first)
    print("Link removed")
    return 0
