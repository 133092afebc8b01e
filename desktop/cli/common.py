"""What every command module shares: the command registry, the global options, opening the
workspace, JSON output, colour and progress bars."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import IO, Any

from desktop.core.kernel.profile import default_workspace_path

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Arg:
    """One `add_argument` call, written down beside the command that takes it."""

    flags: tuple[str, ...]
    options: dict[str, Any]

    def add_to(self, parser: argparse.ArgumentParser) -> argparse.Action:
        return parser.add_argument(*self.flags, **self.options)


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


JSON = arg("--json", action="store_true", help="print JSON on stdout, nothing else")


# -- global options ---------------------------------------------------------------------------
def global_options() -> tuple[Arg, ...]:
    """The options every command takes, before the command name or after it."""
    default_ws = str(default_workspace_path())
    return (
        arg(
            "--workspace",
            "-w",
            default=default_ws,
            metavar="PATH",
            help=f"workspace folder (default: $ASSAY_WORKSPACE or {default_ws})",
        ),
        arg(
            "--read-only",
            action="store_true",
            default=False,
            help="open the workspace without writing to it",
        ),
    )


def add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Add the global options to PARSER. Below the top level they carry no default, so a value
    given before the command name is not overwritten by a subcommand's default."""
    for option in global_options():
        options = dict(option.options)
        if not defaults:
            options["default"] = argparse.SUPPRESS
        parser.add_argument(*option.flags, **options)


def global_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    add_global_options(parent, defaults=False)
    return parent


# -- the command registry ---------------------------------------------------------------------
@dataclass
class Command:
    name: str
    help: str
    fn: Handler
    args: tuple[Arg, ...] = ()
    description: str | None = None

    def register(self, subparsers, parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p = subparsers.add_parser(
            self.name, parents=[parent], help=self.help, description=self.description or self.help
        )
        for a in self.args:
            a.add_to(p)
        p.set_defaults(fn=self.fn)
        return p


@dataclass
class Group:
    """A command with subcommands (`assay claim add …`); each subcommand is its own handler."""

    name: str
    help: str
    description: str | None = None
    commands: list[Command] = field(default_factory=list)

    def command(
        self, name: str, help: str, *args: Arg, description: str | None = None
    ) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.commands.append(Command(name, help, fn, args, description))
            return fn

        return decorate

    def register(self, subparsers, parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p = subparsers.add_parser(
            self.name, parents=[parent], help=self.help, description=self.description or self.help
        )
        sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
        for c in self.commands:
            c.register(sub, parent)
        return p


class Commands:
    """One module's commands, in the order `assay --help` lists them."""

    def __init__(self) -> None:
        self.entries: list[Command | Group] = []

    def command(
        self, name: str, help: str, *args: Arg, description: str | None = None
    ) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.entries.append(Command(name, help, fn, args, description))
            return fn

        return decorate

    def group(self, name: str, help: str, description: str | None = None) -> Group:
        g = Group(name, help, description)
        self.entries.append(g)
        return g

    def register(self, subparsers, parent: argparse.ArgumentParser) -> None:
        for entry in self.entries:
            entry.register(subparsers, parent)


# -- helpers for handlers ---------------------------------------------------------------------
def open_workspace(args: argparse.Namespace, *, readonly: bool | None = None):
    """The workspace named by --workspace; read-only if --read-only, or as READONLY says."""
    from desktop.core.workspace import Workspace

    ro = args.read_only if readonly is None else readonly
    return Workspace.open(Path(args.workspace), readonly=ro)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=_plain))


def colour_enabled(stream: IO | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress_bar(desc: str, enabled: bool = True) -> tuple[Callable, Callable]:
    """A tqdm bar on a terminal (silent otherwise) and a function to close it."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(done: int, total: int, message: str) -> None:
        if not enabled:
            return
        phase = "indexing" if message == "indexing" else desc
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[phase] = tqdm(
                total=total, desc=phase, unit="doc", disable=None, file=sys.stderr, leave=False
            )
        bar.total = total
        bar.n = done
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close
