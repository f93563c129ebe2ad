"""The terminal, through the real CLI: the text report fits 100 columns and loses nothing,
progress shows on a terminal and never in a pipe, colours follow --color and NO_COLOR, the
common options work after the subcommand, and the smaller messages of issue 14."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from licscan.cli.identify import _text as identify_text
from licscan.report.text import flatten_parentheses
from tests.test_lockfile import REPO, licscan, local_project

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def demo_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    done = licscan(folder, "demo", "-o", "demo.json")
    assert done.returncode == 0, done.stderr
    return folder / "demo.json"


def _words(text: str) -> str:
    """The prose of a text report: bullets and indentation gone, lines joined."""
    lines = [re.sub(r"^\s*(- )?", "", line) for line in text.splitlines()]
    return " ".join(" ".join(lines).split())


def _norm(text: str) -> str:
    return " ".join(flatten_parentheses(text).split())


def _nesting(text: str) -> int:
    """Deepest nesting of parentheses opened after a space (`§1(i)` is a reference, not
    nesting)."""
    depth = deepest = 0
    stack: list[bool] = []
    for index, char in enumerate(text):
        if char == "(":
            counted = index > 0 and text[index - 1] == " "
            stack.append(counted)
            depth += counted
            deepest = max(deepest, depth)
        elif char == ")" and stack:
            depth -= stack.pop()
    return deepest


def _blocks(text: str) -> dict[str, list[str]]:
    """The per-model explanations: `id: VERDICT` then indented lines, up to a blank line."""
    blocks: dict[str, list[str]] = {}
    for chunk in text.split("\n\n")[1:]:
        lines = chunk.splitlines()
        head = re.match(r"^(\S+): (ALLOW|REVIEW|DENY)$", lines[0]) if lines else None
        if head:
            blocks[head.group(1)] = lines[1:]
    return blocks


def test_text_report_fits_100_columns_and_loses_nothing(demo_json: Path) -> None:
    report = json.loads(demo_json.read_text())
    for args, env in ((("--width", "100"), None), ((), {"COLUMNS": "100"})):
        done = licscan(demo_json.parent, "report", str(demo_json), *args,
                       env={"HF_HUB_OFFLINE": "1", **(env or {})})
        assert done.returncode == 0, done.stderr
        text = done.stdout
        assert text.startswith("MODEL ")  # text is the default on standard output
        assert max(len(line) for line in text.splitlines()) <= 100, text
        words = _words(text)
        for model in report["models"]:
            assert _norm(model["verdict_reason"]) in words, model["id"]
            for finding in model["findings"]:
                if finding["severity"] != "info":
                    assert _norm(finding["message"]) in words, (model["id"], finding["code"])
            for obligation in model.get("obligations") or ():
                assert _norm(obligation["text"]) in words
            for condition in model.get("conditions") or ():
                assert _norm(condition) in words
            assert model["license"] is None or model["license"]["expression"] is None or \
                model["license"]["expression"] in words or \
                model["license"]["expression"].split(" ")[0] in words
        assert max(_nesting(line) for line in text.splitlines()) <= 1, text


def test_each_thing_is_said_once_and_cells_are_whole(demo_json: Path) -> None:
    text = licscan(demo_json.parent, "report", str(demo_json), "--width", "100").stdout
    rows = text.split("\n\n")[0].splitlines()
    header = rows[0]
    rev = header.index("REV")
    lic, lic_end = header.index("LICENSE"), header.index("COMMERCIAL")
    blocks = _blocks(text)
    assert "models/acme-llama-support" in blocks and "models/broken-card" in blocks
    for model_id, lines in blocks.items():
        headline = _norm(" ".join(line.strip() for line in lines if not line.startswith("  -")
                                  and not line.startswith("    ")))
        bullets = [line for line in lines if line.startswith("  - ")]
        if bullets:  # the reason is the headline; the first bullet says something else
            first = _norm(bullets[0][4:].split(": ", 2)[-1])
            assert first not in headline, (model_id, first)
    for row in rows[1:]:
        if row.startswith("models/"):  # a model's first line: local models say so
            assert row[rev:rev + 5] == "local", row
        cell = row[lic:lic_end].strip()
        assert cell == "" or re.fullmatch(r"((AND|OR|WITH) )?[A-Za-z0-9.+-]+( (AND|OR|WITH))?|"
                                          r"unresolved|ERROR \(\S+\)", cell), row
    # the expression that was shortened in the table is given whole below it
    assert "license: Apache-2.0 AND LicenseRef-scancode-llama-3.1-license-2024" in _words(text)
    broken = next(r for r in rows if r.startswith("models/broken-card"))
    assert broken.split()[3:6] == ["unknown", "unknown", "unknown"]  # never "no" or "?"


def test_saved_report_keeps_the_explanation_and_picks_the_format(demo_json: Path) -> None:
    folder = demo_json.parent
    text = licscan(folder, "report", str(demo_json), "-f", "text").stdout
    assert "owe: Display \"Built with Llama\"" in _words(text)
    assert "lineage: models/acme-llama-support <-finetune-" in _words(text)
    assert "condition: fewer than 700,000,000 monthly active users" in _words(text)
    for name, start in (("r.html", "<!DOCTYPE html>"), ("r.md", "#"), ("r.sarif", "{"),
                        ("r.txt", "MODEL")):
        done = licscan(folder, "report", str(demo_json), "-o", name)
        assert done.returncode == 0 and done.stdout == "", done.stderr
        assert (folder / name).read_text().lstrip().startswith(start), name
    assert json.loads((folder / "r.sarif").read_text())["version"] == "2.1.0"
    quiet = licscan(folder, "report", str(demo_json), "-o", "q.html", "-q")
    assert quiet.stderr == "" and (folder / "q.html").is_file()


def _pty_run(args: list[str], *, env: dict[str, str], cwd: Path, tty: str = "stderr",
             ) -> tuple[str, str]:
    """Run with one stream on a pseudo-terminal and the other on a pipe: (tty text, pipe)."""
    master, slave = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, tty: slave}
    full = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "COLUMNS")}
    full.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TERM="xterm", **env)
    proc = subprocess.Popen(args, cwd=cwd, env=full, stdin=subprocess.DEVNULL,
                            stdout=streams["stdout"], stderr=streams["stderr"])
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    pipe = (proc.stdout if tty == "stderr" else proc.stderr)
    other = pipe.read().decode() if pipe else ""
    proc.wait(timeout=60)
    return b"".join(chunks).decode(errors="replace"), other


DRIVE = ("from licscan.cli.progress import progress\n"
         "with progress(3, 'testing') as tick:\n"
         "    for name in ('a/one', 'b/two', 'c/three'):\n"
         "        tick(name)\n"
         "print('done')\n")


def test_progress_on_a_terminal_and_never_in_a_pipe(tmp_path: Path) -> None:
    shown, out = _pty_run([sys.executable, "-c", DRIVE], env={}, cwd=tmp_path)
    assert "[3/3] testing  c/three" in shown and out == "done\n"
    assert shown.endswith("\r\x1b[K")  # the line is cleared for what follows
    piped = subprocess.run([sys.executable, "-c", DRIVE], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)), check=True)
    assert piped.stderr == "" and piped.stdout == "done\n"
    in_ci, _ = _pty_run([sys.executable, "-c", DRIVE], env={"CI": "true"}, cwd=tmp_path)
    assert in_ci == ""

    files = []
    for index in range(3):
        path = tmp_path / f"LICENSE-{index}"
        path.write_text("Permission is hereby granted, free of charge, to any person.\n")
        files.append(str(path))
    command = [sys.executable, "-m", "licscan", "identify", *files]
    shown, out = _pty_run(command, env={}, cwd=tmp_path)
    assert "[3/3] identifying" in shown and "LICENSE-2" in out
    for extra in (["-q"], ["--quiet"]):
        quiet, _ = _pty_run([*command[:4], *extra, *files], env={}, cwd=tmp_path)
        assert "identifying" not in quiet
    piped = licscan(tmp_path, "identify", *files)
    assert "identifying" not in piped.stderr and "\x1b" not in piped.stderr


def test_colours_follow_the_terminal_color_and_no_color(demo_json: Path) -> None:
    folder = demo_json.parent
    command = [sys.executable, "-m", "licscan", "report", str(demo_json)]
    on_tty, _ = _pty_run(command, env={}, cwd=folder, tty="stdout")
    assert "\x1b[31m" in on_tty and "\x1b[32m" in on_tty  # deny red, allow green
    assert ANSI.sub("", on_tty).replace("\r\n", "\n").startswith("MODEL")
    no_color, _ = _pty_run(command, env={"NO_COLOR": "1"}, cwd=folder, tty="stdout")
    assert "\x1b[" not in no_color
    never, _ = _pty_run([*command, "--color", "never"], env={}, cwd=folder, tty="stdout")
    assert "\x1b[" not in never
    piped = licscan(folder, "report", str(demo_json))
    assert "\x1b" not in piped.stdout
    forced = licscan(folder, "--color", "always", "report", str(demo_json))
    assert "\x1b[1m" in forced.stdout
    forced_after = licscan(folder, "report", str(demo_json), "--color", "always")
    assert ANSI.sub("", forced_after.stdout) == piped.stdout
    to_file = licscan(folder, "report", str(demo_json), "--color", "always", "-o", "c.txt")
    assert to_file.returncode == 0 and "\x1b" not in (folder / "c.txt").read_text()
    assert (folder / "c.txt").read_text() == piped.stdout


def test_common_options_after_the_subcommand_and_did_you_mean(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    for args in (("scan", "-v", "models/mit-model"), ("scan", "models/mit-model", "-q"),
                 ("-v", "scan", "models/mit-model"), ("check", "--verbose"), ("lock", "-q")):
        done = licscan(root, *args)
        assert "No such option" not in done.stderr and done.returncode in (0, 1), \
            (args, done.stderr)
    done = licscan(root, "scna", "models/mit-model")
    assert done.returncode == 2 and "No such command 'scna'. Did you mean 'scan'?" in done.stderr
    assert "Did you mean" not in licscan(root, "frobnicate").stderr
    done = licscan(root, "rules", "lst")
    assert done.returncode == 2 and "No such command 'lst'. Did you mean 'list'?" in done.stderr
    assert "-q, --quiet" in licscan(root, "rules", "list", "--help").stdout


def test_rules_list_has_a_header_and_the_name(tmp_path: Path) -> None:
    done = licscan(tmp_path, "rules", "list", "--width", "100")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["ID", "KIND", "COMMERCIAL", "MODIFY", "DISTRIB"]
    assert lines[1].strip() == "NAME [EXPRESSION ID]"
    mit = lines.index(next(line for line in lines if line.startswith("mit ")))
    assert lines[mit].split()[1:] == ["license", "yes", "yes", "yes"]
    assert lines[mit + 1].strip() == "MIT License [MIT]"
    assert max(len(line) for line in lines[:-1]) <= 100


@pytest.mark.parametrize(("text", "where"), [
    ("manifest: models.yaml\nbogus:\n  nested: 1\n", "licscan.yaml:2: bogus: unknown key"),
    ("manifest:\n  a: 1\n", "licscan.yaml:1: manifest: must be a file path"),
    ("context:\n  use:\n    - commercial\n", "licscan.yaml:2: context.use:"),
    ("policy:\n  fail_on:\n    - deny\n", "licscan.yaml:2: policy.fail_on:"),
    ("policy:\n  deny:\n    foo: 1\n", "licscan.yaml:2: policy.deny: must be a list"),
    ("policy:\n  deny:\n    - {flag: nope, is: x}\n", "licscan.yaml:3: policy.deny[0]:"),
    ("waivers:\n  a: 1\n", "licscan.yaml:1: waivers: must be a list"),
])
def test_config_errors_point_at_the_key_of_a_nested_value(tmp_path: Path, text: str,
                                                          where: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "licscan.yaml").write_text(text)
    done = licscan(tmp_path, "check")
    assert done.returncode == 2 and where in done.stderr, done.stderr


def test_a_parent_config_outside_git_is_named(tmp_path: Path) -> None:
    assert not any((p / ".git").exists() for p in (tmp_path, *tmp_path.parents))
    (tmp_path / "licscan.yaml").write_text("policy:\n  fail_on: review\n")
    (tmp_path / "models.yaml").write_text("models: []\n")
    (tmp_path / "licscan.lock").write_text("")
    below = tmp_path / "work" / "here"
    below.mkdir(parents=True)
    done = licscan(below, "check")
    assert f"licscan: using {tmp_path / 'licscan.yaml'} (found in a parent folder, outside a " \
           "git repository" in done.stderr
    assert "using" not in licscan(below, "check", "-q").stderr
    assert "using" not in licscan(tmp_path, "check").stderr  # in the working directory
    (tmp_path / "work" / ".git").mkdir()  # a repository stops the walk: nothing found, no note
    assert "using" not in licscan(below, "check").stderr


def test_identify_prints_qualifiers_and_explains_candidates(tmp_path: Path) -> None:
    path = tmp_path / "LICENSE"
    path.write_text("This model is released under the Apache License 2.0 with the following "
                    "additional restrictions: you may not use it for military applications.\n")
    done = licscan(tmp_path, "identify", str(path))
    assert done.returncode == 1
    assert "qualifier line 1 (on apache-2.0): adds terms" in done.stdout
    assert "with the following additional restrictions" in done.stdout

    match = {"rule_id": "x-1", "name": "X", "version": "1", "expression": "X-1",
             "matcher": "title", "confidence": 80, "status": "identified", "lines": [1, 1],
             "differences": []}
    result = {"status": "identified", "reason": None, "matches": [match], "qualifiers": [],
              "alternatives": [{"rule_id": "y", "score": 70.0}, {"rule_id": "z", "score": 91.5}]}
    lines = identify_text("f", result).splitlines()
    assert lines[0].startswith("f: identified x-1")  # the chosen match first
    assert lines[1].startswith("  also similar (word overlap, not chosen): z 91.5%, y 70%")
    assert "a higher overlap is not a better match" in lines[1]
    result["matches"] = []
    assert identify_text("f", result).splitlines()[-1] == \
        "  closest (similar wording, not a match): z 91.5%, y 70%"


def test_unknown_reads_unknown_and_hosted_duties_say_when_they_apply(demo_json: Path) -> None:
    folder = demo_json.parent
    saved = licscan(folder, "report", str(demo_json), "--width", "100").stdout
    fresh = licscan(folder, "demo", "-o", "again.json", env={"COLUMNS": "100"}).stdout
    assert fresh.startswith(saved)  # a fresh scan and its saved report read the same
    words = _words(saved)
    assert ("Attribution owed: unknown; Derivatives keep the license: unknown; Acceptable use "
            "policy binds: unknown") in words  # broken-card, whose license is undetermined
    assert ": no;" not in _words("\n".join(_blocks(saved)["models/broken-card"]))
    # the demo's context is hosted: MIT's notice duties wait for a distribution
    mit = _words("\n".join(_blocks(saved)["models/internal-classifier"]))
    assert "Attribution owed: yes, applies only if you distribute the model" in mit
    assert "owe (applies only if you distribute the model): Keep the copyright and license " \
           "notices" in mit


SCAN_DRIVE = ("import sys\n"
              "from licscan.cli.progress import progress\n"
              "from licscan.scan import Scanner, ScanOptions\n"
              "from licscan.targets import parse_target\n"
              "refs = [parse_target(t) for t in sys.argv[1:]]\n"
              "scanner = Scanner(ScanOptions(offline=True))\n"
              "with progress(len(refs), 'scanning') as tick:\n"
              "    scanner.on_result = lambda model: tick(model.id)\n"
              "    result = scanner.scan(refs)\n"
              "print(len(result.models))\n")


def test_scan_progress_through_the_scanner_hook(tmp_path: Path) -> None:
    """The wiring the lead puts into cli/scan.py, run from a script until then."""
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0"})
    args = [sys.executable, "-c", SCAN_DRIVE, "models/mit-model", "models/nc-model"]
    shown, out = _pty_run(args, env={}, cwd=root)
    assert "[2/2] scanning  models/" in shown and out == "2\n"
    piped = subprocess.run(args, cwd=root, capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert piped.stderr == "" and piped.stdout == "2\n"


def test_scan_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0"})
    command = [sys.executable, "-m", "licscan", "scan", "models/mit-model", "models/nc-model"]
    shown, out = _pty_run(command, env={}, cwd=root)
    assert "[2/2] scanning" in shown and "models/nc-model" in out
    assert "scanning" not in licscan(root, "scan", "models/mit-model").stderr


@pytest.mark.parametrize("width", [60, 80, 140])
def test_other_widths_fit_too(demo_json: Path, width: int) -> None:
    text = licscan(demo_json.parent, "report", str(demo_json), "--width", str(width)).stdout
    assert max(len(line) for line in text.splitlines()) <= width
    report = json.loads(demo_json.read_text())
    words = _words(text)
    for model in report["models"]:
        assert _norm(model["verdict_reason"]) in words
    if width == 60:  # a narrow terminal lists the models: ids stay whole on their line
        for model in report["models"]:
            assert re.search(rf"^(ALLOW|REVIEW|DENY) +{re.escape(model['id'])}$", text, re.M)
