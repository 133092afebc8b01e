"""`assay search`: full-text search over documents and annotations."""

from __future__ import annotations

import re

from .common import JSON, Commands, arg, colour_enabled, open_workspace, print_json

commands = Commands()


def _strip_html(fragment: str) -> str:
    return re.sub(r"\s+", " ", fragment).strip()


@commands.command(
    "search",
    "full-text search (Whoosh query syntax, fields like title:)",
    arg("query", nargs="+", metavar="QUERY"),
    arg("--limit", "-n", type=int, default=10),
    JSON,
)
def cmd_search(args) -> int:
    colour = not args.json and colour_enabled()
    with open_workspace(args) as ws:
        hits = ws.search(
            " ".join(args.query), limit=args.limit, highlight="ansi" if colour else "plain"
        )
    if args.json:
        print_json(
            [
                {
                    "id": h.id,
                    "kind": h.kind,
                    "doc_id": h.doc_id,
                    "title": h.title,
                    "score": round(h.score, 4),
                    "fragments": h.fragments,
                }
                for h in hits
            ]
        )
        return 0
    if not hits:
        print("No matches.")
        return 0
    for n, h in enumerate(hits, 1):
        print(f"{n:>3}. {h.title}  [{h.kind} {h.doc_id[:8]}]  score {h.score:.2f}")
        for frag in h.fragments.values():
            print(f"     {_strip_html(frag)}")
    return 0
