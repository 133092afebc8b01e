"""`assay tag …`: the tag tree, and tagging notes and claims."""

from __future__ import annotations

from .common import JSON, Commands, arg, open_workspace, print_json

commands = Commands()
tag = commands.group("tag", "tags: list | add | remove | rename | merge | colour | delete")


@tag.command("list", "the tag tree with uses", JSON)
def tag_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        tags = ws.tags()
    if args.json:
        print_json(tags)
        return 0
    for t in tags:
        depth = t["name"].count("/")
        print(f"{'  ' * depth}{t['name'].rsplit('/', 1)[-1]:30} {t['colour']}  {t['uses']} use(s)")
    return 0


def _done(args, change) -> int:
    with open_workspace(args) as ws:
        change(ws)
    print(f"{args.action}: done")
    return 0


@tag.command(
    "add", "tag an annotation", arg("id", metavar="ID"), arg("tags", nargs="+", metavar="TAG")
)
def tag_add(args) -> int:
    return _done(args, lambda ws: ws.tag_annotation(ws.annotation(args.id).id, args.tags))


@tag.command(
    "remove",
    "remove tags from an annotation",
    arg("id", metavar="ID"),
    arg("tags", nargs="+", metavar="TAG"),
)
def tag_remove(args) -> int:
    return _done(args, lambda ws: ws.untag_annotation(ws.annotation(args.id).id, args.tags))


@tag.command(
    "rename", "rename a tag and its children", arg("old", metavar="OLD"), arg("new", metavar="NEW")
)
def tag_rename(args) -> int:
    return _done(args, lambda ws: ws.rename_tag(args.old, args.new))


@tag.command(
    "merge",
    "move every use of SOURCE onto INTO",
    arg("source", metavar="SOURCE"),
    arg("into", metavar="INTO"),
)
def tag_merge(args) -> int:
    return _done(args, lambda ws: ws.merge_tags(args.source, args.into))


@tag.command(
    "colour",
    "set a tag's colour (#rrggbb)",
    arg("name", metavar="NAME"),
    arg("colour", metavar="COLOUR", help="#rrggbb"),
)
def tag_colour(args) -> int:
    return _done(args, lambda ws: ws.set_tag_colour(args.name, args.colour))


@tag.command(
    "delete", "take a tag and its children off every note and claim", arg("name", metavar="NAME")
)
def tag_delete(args) -> int:
    return _done(args, lambda ws: ws.delete_tag(args.name))
