"""The README starts with the two set-up commands, and CI runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_starts_with_two_commands() -> None:
    commands = _readme_commands()
    assert len(commands[0].splitlines()) == 1 and "licscan demo" in commands[0]
    assert len(commands[1].splitlines()) == 1 and "pytest" in commands[1]
    text = (REPO / "README.md").read_text()
    assert text.index(commands[0]) < text.index(commands[1]) < text.index("## Usage")


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert _readme_commands()[1] in ci_lines
