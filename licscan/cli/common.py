"""Helpers shared by commands: writing output, exit codes."""

from __future__ import annotations

from pathlib import Path

import click

from licscan.errors import UsageError
from licscan.model import ScanResult
from licscan.verdict import RANK


def write_output(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    path = Path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


def exit_code(result: ScanResult, fail_on: str) -> int:
    threshold = RANK[fail_on]
    failed = any(m.status == "error" or RANK[m.verdict] >= threshold for m in result.models)
    return 1 if failed else 0
