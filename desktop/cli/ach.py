"""`assay ach …`: analysis of competing hypotheses — matrices, hypotheses, evidence, ratings."""

from __future__ import annotations

from dataclasses import asdict

from .common import JSON, Commands, arg, open_workspace, print_json

commands = Commands()
ach = commands.group(
    "ach",
    "analysis of competing hypotheses: new | list | show | hypothesis | evidence | rate | "
    "sensitivity | rename | delete",
)

MATRIX = arg("matrix", metavar="MATRIX", help="matrix id (or a prefix of at least 4 characters)")


def _score(value: float) -> str:
    return f"{value:.2f}"


def _matrix_json(m) -> dict:
    return {
        "id": m.id,
        "question": m.question,
        "marking": m.marking,
        "hypotheses": [asdict(h) for h in m.hypotheses],
        "rows": [
            {
                "claim": r.annotation_id,
                "statement": None if r.missing else r.label,
                "missing": r.missing,
                "reliability": r.claim.reliability if r.claim else None,
                "credibility": r.claim.credibility if r.claim else None,
                "weight": r.weight,
                "cells": r.cells,
                "diagnosticity": r.diagnosticity,
                "non_diagnostic": r.non_diagnostic,
            }
            for r in m.rows
        ],
        "scores": m.scores,
        "ranking": m.ranking,
        "missing": m.missing,
    }


@ach.command(
    "new",
    "start a matrix for a question",
    arg("question", metavar="QUESTION"),
    arg("--marking", default="CLEAR", help="TLP marking (default CLEAR)"),
)
def ach_new(args) -> int:
    with open_workspace(args) as ws:
        mid = ws.create_matrix(args.question, marking=args.marking).created
    print(mid)
    return 0


@ach.command("list", "the matrices, with their counts", JSON)
def ach_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        found = ws.matrices()
    if args.json:
        print_json(found)
        return 0
    for m in found:
        missing = f", {m['missing']} missing" if m["missing"] else ""
        print(
            f"{m['id'][:8]}  {m['question']}  [{m['hypotheses']} hypotheses, "
            f"{m['evidence']} claims{missing}] TLP:{m['marking']}"
        )
    if not found:
        print("no matrices (start one with `assay ach new QUESTION`)")
    return 0


@ach.command("show", "the matrix as a table, with scores and ranking", MATRIX, JSON)
def ach_show(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        m = ws.matrix(args.matrix)
    if args.json:
        print_json(_matrix_json(m))
        return 0
    print(f"{m.question}   TLP:{m.marking}   ({m.id})")
    cols = [f"H{i + 1}" for i in range(len(m.hypotheses))]
    for c, h in zip(cols, m.hypotheses, strict=True):
        print(f"  {c}: {h.text}  ({h.id[:8]})")
    print()
    width = 44
    print(f"{'claim':{width}} {'wt':>5} " + " ".join(f"{c:>4}" for c in cols))
    for r in m.rows:
        text = r.label if len(r.label) <= width - 11 else r.label[: width - 12] + "…"
        flag = " (non-diagnostic)" if r.non_diagnostic else ""
        cells = " ".join(f"{r.cells.get(h.id, '·'):>4}" for h in m.hypotheses)
        print(f"{r.annotation_id[:8]} {text:{width - 9}} {r.weight:5.2f} {cells}{flag}")
    print(
        f"{'inconsistency':{width}} {'':5} "
        + " ".join(f"{_score(m.scores[h.id]):>4}" for h in m.hypotheses)
    )
    order = ", ".join(f"{cols[[h.id for h in m.hypotheses].index(hid)]}" for hid in m.ranking)
    print(f"ranking (least inconsistent first): {order or '—'}")
    if m.missing:
        print(
            f"missing evidence: {', '.join(a[:8] for a in m.missing)} (claims removed or never received)"
        )
    return 0


@ach.command(
    "hypothesis",
    "add, edit or remove a hypothesis",
    arg("verb", choices=("add", "edit", "remove")),
    arg(
        "target", metavar="MATRIX|HYPOTHESIS", help="the matrix (add) or hypothesis (edit, remove)"
    ),
    arg("text", nargs="?", metavar="TEXT", help="the hypothesis (add, edit)"),
)
def ach_hypothesis(args) -> int:
    from desktop.core.kernel.errors import AchError

    if args.verb != "remove" and not args.text:
        raise AchError(f"`assay ach hypothesis {args.verb}` needs the hypothesis TEXT.")
    with open_workspace(args) as ws:
        if args.verb == "add":
            print(ws.add_hypothesis(args.target, args.text).created)
            return 0
        if args.verb == "edit":
            ws.edit_hypothesis(args.target, args.text)
        else:
            ws.remove_hypothesis(args.target)
    print(f"hypothesis {args.verb}: done")
    return 0


@ach.command(
    "evidence",
    "add claims to a matrix (by id, tag, document or search), or remove one",
    arg("verb", choices=("add", "remove")),
    MATRIX,
    arg("ids", nargs="*", metavar="CLAIM", help="claim ids (or prefixes)"),
    arg("--tag", help="add every claim with this tag (and its children)"),
    arg("--document", metavar="DOC", help="add every claim of this document (id or title)"),
    arg("--search", metavar="QUERY", help="add the claims a search finds"),
    arg("--limit", type=int, default=200, help="at most this many search hits (default 200)"),
)
def ach_evidence(args) -> int:
    from desktop.core.kernel.errors import AchError

    with open_workspace(args) as ws:
        if args.verb == "remove":
            if len(args.ids) != 1 or args.tag or args.document or args.search:
                raise AchError("`assay ach evidence remove MATRIX CLAIM` takes one claim id.")
            ws.remove_matrix_evidence(args.matrix, args.ids[0])
            print("evidence remove: done")
            return 0
        ids = pick_claims(
            ws, args.ids, tag=args.tag, document=args.document, search=args.search, limit=args.limit
        )
        before = ws.matrix(args.matrix)
        ws.add_matrix_evidence(args.matrix, ids)
        added = len(ws.matrix(args.matrix).rows) - len(before.rows)
    print(f"evidence add: {added} claim(s) added, {len(ids) - added} already there")
    return 0


def pick_claims(ws, ids=(), *, tag=None, document=None, search=None, limit=200) -> list[str]:
    """Claim ids named directly, by tag, by document or by a search, in that order."""
    from desktop.core.kernel.errors import AchError

    out = list(ids)
    if tag:
        out += [a.id for a in ws.claims(tag=tag)]
    if document:
        out += [a.id for a in ws.claims(document=ws.find_document(document).id)]
    if search:
        out += [h.id for h in ws.search(search, limit=limit, highlight=None, kinds=("claim",))]
    out = list(dict.fromkeys(out))
    if not out:
        raise AchError(
            "No claims found: name claim ids, or a --tag, --document or --search that finds some."
        )
    return out


@ach.command(
    "rate",
    "rate a cell: CC, C, N, I, II or NA (1–5, 0), '-' clears it",
    MATRIX,
    arg("hypothesis", metavar="HYPOTHESIS"),
    arg("claim", metavar="CLAIM"),
    arg("rating", metavar="RATING"),
)
def ach_rate(args) -> int:
    with open_workspace(args) as ws:
        ws.rate_cell(args.matrix, args.hypothesis, args.claim, args.rating)
    print("rate: done")
    return 0


@ach.command("sensitivity", "the claims that decide the ranking, if they were wrong", MATRIX, JSON)
def ach_sensitivity(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        found = ws.matrix_sensitivity(args.matrix)
    if args.json:
        print_json(found)
        return 0
    for s in found:
        print(f"{s.annotation_id[:8]}  {s.message}")
    if not found:
        print("no single claim changes the ranking")
    return 0


@ach.command("rename", "change a matrix's question", MATRIX, arg("question", metavar="QUESTION"))
def ach_rename(args) -> int:
    with open_workspace(args) as ws:
        ws.rename_matrix(args.matrix, args.question)
    print("rename: done")
    return 0


@ach.command("delete", "delete a matrix (undo brings it back)", MATRIX)
def ach_delete(args) -> int:
    with open_workspace(args) as ws:
        ws.delete_matrix(args.matrix)
    print("delete: done")
    return 0
