"""Helpers shared by commands: writing output, exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # `licscan check` imports this module: keep it light
    from licscan.model import ScanResult


def write_output(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from licscan.safewrite import make_folder, write_text

    path = Path(output)
    make_folder(path.parent)
    write_text(path, text)


def exit_code(result: ScanResult, fail_on: str) -> int:
    from licscan.policy.model import RANK

    threshold = RANK[fail_on]
    failed = any(m.status == "error" or RANK[m.verdict] >= threshold for m in result.models)
    return 1 if failed else 0


F = TypeVar("F", bound=Callable[..., Any])


def gate_options(command: F) -> F:
    """--config, --manifest and --lockfile, shared by `check` and `lock`."""
    for option in reversed((
            click.option("--config", "config_path", type=click.Path(dir_okay=False),
                         help="licscan.yaml (default: found from here up to the git root)."),
            click.option("-m", "--manifest", type=click.Path(dir_okay=False),
                         help="The manifest (default: the config's `manifest`, "
                              "else models.yaml)."),
            click.option("--lockfile", type=click.Path(dir_okay=False),
                         help="The lockfile (default: licscan.lock next to the config)."))):
        command = option(command)
    return command
