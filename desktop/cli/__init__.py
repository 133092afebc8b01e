"""`assay …`: the command line over the same Workspace facade the GUI uses."""

from __future__ import annotations

import argparse
import os
import sys

from desktop import __version__
from desktop.core.kernel.errors import AssayError

from .common import add_global_options, global_parent

EPILOG = """\
Global options (--workspace/-w, --read-only) go before or after the command name.
Listing commands take --json: JSON on stdout and nothing else.

Exit codes:
  0    done
  1    refused: bad input, nothing to undo, a check that found problems, a failed
       import (a one-line reason on stderr; nothing was changed)
  2    usage: an unknown command or option, a missing argument
  3    an unexpected error (a bug): its details go to the log file named on stderr
  130  interrupted (Ctrl-C)

Shell completion: eval "$(assay completion bash)" (or zsh) in your shell's rc file.
"""


def build_parser() -> argparse.ArgumentParser:
    # imported when the parser is built, so that importing one command module (a test's
    # `from desktop.cli.claims import locate`) loads no other
    from . import (
        ach,
        bundles,
        claims,
        completion,
        documents,
        exports,
        judgements,
        keys,
        review,
        search,
        tags,
        undo,
        workspace,
    )

    parser = argparse.ArgumentParser(
        prog="assay",
        description="Assay: offline analyst review workbench (command line).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"assay {__version__}")
    add_global_options(parser, defaults=True)
    parent = global_parent()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # in the order `assay --help` lists their commands
    for module in (
        workspace,
        documents,
        search,
        claims,
        tags,
        undo,
        review,
        judgements,
        ach,
        exports,
        bundles,
        keys,
        completion,
    ):
        module.commands.register(sub, parent)
    parser.set_defaults(root_parser=parser)  # `assay completion` describes the whole parser
    return parser


def _ask_passphrases_on_terminal() -> None:
    """A protected key is unlocked once per process: asked on the terminal (getpass)."""
    if not sys.stdin.isatty():
        return
    import getpass

    from desktop.core.kernel import profile

    def ask(analyst_id: str, why: str) -> str | None:
        try:
            return getpass.getpass(f"Passphrase for the signing key of {analyst_id}: ")
        except (EOFError, KeyboardInterrupt):
            return None

    profile.passphrase_prompt = ask


def main(argv: list[str] | None = None) -> int:
    import logging

    from desktop.logs import setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    log = setup_logging()
    logging.getLogger("assay.cli").info("assay %s", " ".join(map(str, argv or sys.argv[1:])))
    _ask_passphrases_on_terminal()
    try:
        return args.fn(args)
    except AssayError as exc:
        print(f"assay: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("assay: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into `head` and closed early: not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: say where the details are, keep the traceback in the log
        logging.getLogger("assay.cli").exception("unexpected error")
        print(f"assay: unexpected error: {exc!r}. Details are in {log}", file=sys.stderr)
        return 3
