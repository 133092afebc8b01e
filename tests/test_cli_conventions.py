"""The conventions people expect of a command line: global options anywhere, --help everywhere,
usage errors exit 2, refusals exit 1 with one line on stderr, JSON on request, completion,
NO_COLOR."""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.cli import build_parser, main
from desktop.cli.common import colour_enabled
from desktop.cli.completion import bash_script, walk, zsh_script

from .conftest import cli_workspace

TEXTS = {
    "a.txt": "Export controls brief\n\nDomestic accelerators will meet demand by 2028.",
    "b.txt": "Exploit report\n\nAI agents exploit bugs faster than defenders patch.",
}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def exits(capsys, *argv) -> tuple[int, str, str]:
    """Run a command that ends in SystemExit (help, usage errors)."""
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return stop.value.code, out, err


def command_paths() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and subcommand of `assay`, with its parser."""
    found = []

    def visit(parser, path):
        found.append((path, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    visit(sub, (*path, name))

    visit(build_parser(), ())
    return found


PATHS = command_paths()


def _has_subcommands(parser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def _requires_something(parser) -> bool:
    return any(
        a.required or (not a.option_strings and a.nargs not in ("?", "*"))
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction)
    )


@pytest.fixture
def wsdir(tmp_path, capsys):
    path = cli_workspace(tmp_path, TEXTS)
    capsys.readouterr()
    return path


# -- help and usage ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [p for p, _ in PATHS], ids=lambda p: " ".join(p) or "assay")
def test_every_command_has_help(capsys, path):
    code, out, err = exits(capsys, *path, "--help")
    assert code == 0 and out.startswith(f"usage: assay {' '.join(path)}".rstrip())
    assert "Traceback" not in out + err and err == ""
    assert "--workspace" in out and "--read-only" in out  # the global options, everywhere


@pytest.mark.parametrize(
    "path",
    [p for p, parser in PATHS if _requires_something(parser)],
    ids=lambda p: " ".join(p) or "assay",
)
def test_a_command_missing_its_arguments_gets_usage_and_exit_2(capsys, path):
    code, out, err = exits(capsys, *path)
    assert code == 2 and out == ""
    assert err.startswith("usage: assay") and "error:" in err and "Traceback" not in err


def test_every_group_needs_a_subcommand():
    groups = [path for path, parser in PATHS if path and _has_subcommands(parser)]
    assert {"claim", "tag", "link", "review", "bundle", "keys", "conflicts"} <= {
        g[0] for g in groups
    }
    assert all(_requires_something(parser) for path, parser in PATHS if _has_subcommands(parser))


def test_help_documents_exit_codes_and_global_options(capsys):
    code, out, _ = exits(capsys, "--help")
    assert code == 0
    assert "Exit codes:" in out
    for line in ("0    done", "1    refused", "2    usage", "3    an unexpected error"):
        assert line in out
    assert "assay completion bash" in out and "--json" in out


def test_usage_errors_exit_2(capsys, wsdir):
    for argv in (
        ["no-such-command"],
        ["list", "--no-such-option"],
        ["link", "add", "a", "b", "-r", "likes"],
        ["claim", "list", "--json", "extra"],
        ["--workspace"],
    ):
        code, out, err = exits(capsys, *argv)
        assert code == 2 and out == "" and "usage:" in err and "Traceback" not in err, argv


def test_refused_input_exits_1_with_one_line(capsys, wsdir, tmp_path):
    empty = tmp_path / "empty"
    assert main(["init", str(empty)]) == 0  # a workspace with no step to undo
    capsys.readouterr()
    cases = [
        (["search", "-w", wsdir, 'title:"open'], "quotation mark"),  # QueryError
        (["show", "-w", wsdir, "nothing like this"], "No document matches"),  # NotFound
        (["list", "-w", tmp_path / "nowhere"], "not an Assay workspace"),  # WorkspaceError
        (["--read-only", "-w", wsdir, "edit", "Exploit report", "--url", "x"], "read-only"),
        (["claim", "add", "-w", wsdir, "Exploit report", "-q", "AI", "-c", "9"], "Credibility"),
        (["undo", "-w", empty], "Nothing to undo"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == "", argv
        assert err.startswith("assay: ") and message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err


# -- global options ---------------------------------------------------------------------------
def test_global_options_go_before_or_after_the_command(capsys, wsdir, tmp_path):
    for argv in (["--workspace", wsdir, "list"], ["-w", wsdir, "list"], ["list", "-w", wsdir]):
        code, out, err = run(capsys, *argv)
        assert code == 0 and "2 document(s)" in out, (argv, err)
    code, out, _ = run(capsys, "-w", wsdir, "search", "accelerators", "--json")
    assert [h["title"] for h in json.loads(out)] == ["Export controls brief"]
    code, out, _ = run(capsys, "-w", wsdir, "claim", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "claim", "-w", wsdir, "list")  # between group and subcommand
    assert code == 0 and "0 claim(s)" in out
    # a value given before the command is not overwritten by the subcommand's default
    code, out, err = run(capsys, "-w", tmp_path / "elsewhere", "list")
    assert code == 1 and "elsewhere" in err
    code, out, err = run(
        capsys, "--read-only", "-w", wsdir, "edit", "Exploit report", "--marking", "AMBER"
    )
    assert code == 1 and "read-only" in err
    code, out, err = run(
        capsys, "-w", wsdir, "edit", "Exploit report", "--read-only", "--marking", "AMBER"
    )
    assert code == 1 and "read-only" in err


def test_global_options_are_defined_once():
    from desktop.cli.common import global_options

    flags = {f for option in global_options() for f in option.flags}
    assert flags == {"--workspace", "-w", "--read-only"}
    for path, parser in PATHS:
        mine = {f for a in parser._actions for f in a.option_strings}
        assert flags <= mine, path


# -- JSON -------------------------------------------------------------------------------------
def _json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, (argv, err)
    return json.loads(out)  # stdout holds the JSON and nothing else


def test_every_listing_command_speaks_json(capsys, wsdir, tmp_path):
    w = ("-w", wsdir)
    code, out, _ = run(
        capsys,
        "claim",
        "add",
        *w,
        "Export controls brief",
        "-q",
        "Domestic accelerators",
        "-c",
        "2",
        "-l",
        "likely",
        "-t",
        "policy",
    )
    first = out.split()[1]
    code, out, _ = run(
        capsys, "claim", "add", *w, "Exploit report", "-q", "AI agents", "-t", "capability"
    )
    second = out.split()[1]
    run(capsys, "link", "add", *w, first, second, "-r", "contradicts")
    run(capsys, "review", "submit", *w, first, "-m", "ready")

    assert {d["title"] for d in _json(capsys, "list", *w)} == set(
        ["Export controls brief", "Exploit report"]
    )
    assert _json(capsys, "show", *w, "Exploit report")["title"] == "Exploit report"
    assert _json(capsys, "search", *w, "defenders")[0]["title"] == "Exploit report"
    assert {c["id"] for c in _json(capsys, "claim", "list", *w)} == {first, second}
    assert _json(capsys, "claim", "show", *w, first)["tags"] == ["policy"]
    assert [lk["relation"] for lk in _json(capsys, "link", "list", *w, first)] == ["contradicts"]
    assert {t["name"] for t in _json(capsys, "tag", "list", *w)} >= {"policy", "capability"}
    assert [a["id"] for a in _json(capsys, "review", "queue", *w)] == [first]
    assert _json(capsys, "review", "returned", *w) == []
    history = _json(capsys, "review", "history", *w, first)
    assert history["annotation"]["id"] == first and history["reviews"][0]["decision"] == "submit"
    assert "units" in _json(capsys, "agreement", *w)
    keys = _json(capsys, "keys", "list", *w)
    assert keys["mine"]["fingerprint"] in {k["fingerprint"] for k in keys["keys"]}
    assert _json(capsys, "conflicts", "list", *w) == []
    assert "key" in _json(capsys, "whoami")
    run(capsys, "remove", *w, "Exploit report", "--yes")
    assert [r["title"] for r in _json(capsys, "removed", *w)] == ["Exploit report"]
    run(capsys, "bundle", "export", *w, tmp_path / "out.assay")
    assert _json(capsys, "bundle", "show", *w, tmp_path / "out.assay")["manifest"]["files"]
    assert _json(capsys, "export", "csv", tmp_path / "c.csv", *w)["claims"] == 1


def test_every_listing_command_has_json():
    listing = [
        ("list",),
        ("show",),
        ("search",),
        ("removed",),
        ("claim", "list"),
        ("claim", "show"),
        ("link", "list"),
        ("tag", "list"),
        ("review", "queue"),
        ("review", "returned"),
        ("review", "history"),
        ("agreement",),
        ("keys", "list"),
        ("conflicts", "list"),
        ("bundle", "show"),
        ("whoami",),
        ("import",),
        ("export",),
        ("import-annotations",),
    ]
    parsers = dict(PATHS)
    for path in listing:
        assert "--json" in {f for a in parsers[path]._actions for f in a.option_strings}, path


# -- completion -------------------------------------------------------------------------------
def test_completion_scripts_name_every_command(capsys):
    levels = walk(build_parser())
    for shell in ("bash", "zsh"):
        code, out, err = run(capsys, "completion", shell)
        assert code == 0 and err == ""
        for path, level in levels.items():
            for name in level.subcommands:
                assert name in out, (shell, path, name)
        assert "complete -o bashdefault -o default -F _assay assay" in out
        assert "_assay_subcommands() {" in out and out.count("# Install") == 1
    assert zsh_script(build_parser()).startswith("# zsh completion")
    assert "bashcompinit" in zsh_script(build_parser())


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes(tmp_path):
    script = tmp_path / "assay.bash"
    script.write_text(bash_script(build_parser()), encoding="utf-8")

    def complete(line: str) -> set[str]:
        words = line.split(" ")
        probe = (
            f"source {script}; COMP_WORDS=({' '.join(repr(w) for w in words)}); "
            f"COMP_CWORD={len(words) - 1}; _assay; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return set(done.stdout.split())

    assert complete("assay cla") == {"claim"}
    assert complete("assay -w /tmp/x claim a") == {"add"}
    assert complete("assay claim add --occ") == {"--occurrence"}
    assert complete("assay link add A B --relation co") == {"contradicts", "corroborates"}
    assert complete("assay --workspace /some/where un") == {"undo"}
    assert complete("assay completion ") == {"bash", "zsh"}
    assert complete("assay review request-changes X --") >= {
        "--comment",
        "--opinion",
        "--workspace",
    }


# -- colour -----------------------------------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_enabled(Terminal()) and not colour_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(Terminal())
    monkeypatch.setenv("NO_COLOR", "")  # set but empty: no-color.org says colour stays
    assert colour_enabled(Terminal())


def test_search_highlights_on_a_terminal_unless_no_color(capsys, wsdir, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    code, out, _ = run(capsys, "search", "-w", wsdir, "defenders")
    assert code == 0 and "\x1b[" in out
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run(capsys, "search", "-w", wsdir, "defenders")
    assert code == 0 and "\x1b[" not in out and "defenders" in out


# -- the package ------------------------------------------------------------------------------
def _cli_imports() -> dict[str, set[str]]:
    """For each module of desktop.cli, the other desktop.cli modules it imports."""
    import desktop.cli

    folder = Path(desktop.cli.__file__).parent
    names = {p.stem for p in folder.glob("*.py")}
    graph = {}
    for name in names:
        found = set()
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level == 1:
                    found |= {module} if module else {a.name for a in node.names}
                elif module.startswith("desktop.cli"):
                    found.add(module.removeprefix("desktop.cli").lstrip(".") or "__init__")
            elif isinstance(node, ast.Import):
                found |= {
                    a.name.removeprefix("desktop.cli").lstrip(".") or "__init__"
                    for a in node.names
                    if a.name.startswith("desktop.cli")
                }
        graph[name] = found & names - {name}
    return graph


def test_cli_modules_import_no_cycle_and_never_the_package():
    graph = _cli_imports()
    assert "common" in graph and graph["common"] == set()
    for name, deps in graph.items():
        if name not in ("__init__", "__main__"):
            assert "__init__" not in deps, name  # only the package puts the commands together
    done: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, f"import cycle: {' -> '.join((*stack, name))}"
        if name not in done:
            for dep in graph[name]:
                visit(dep, (*stack, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_every_cli_module_imports_without_qt(tmp_path, private_profile):
    code = textwrap.dedent("""
        import importlib, pkgutil, sys
        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6"):
                    raise ImportError("Qt is not allowed below desktop.ui")
        sys.meta_path.insert(0, NoQt())
        import desktop.cli
        for info in pkgutil.walk_packages(desktop.cli.__path__, "desktop.cli."):
            if info.name != "desktop.cli.__main__":
                importlib.import_module(info.name)
        desktop.cli.build_parser()
        print("ok")
    """)
    env = {**os.environ, "ASSAY_PROFILE_DIR": str(private_profile)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
