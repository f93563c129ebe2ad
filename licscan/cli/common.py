"""Helpers shared by commands: writing output, exit codes, the terminal (colour, quiet)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # `licscan check` imports this module: keep it light
    from licscan.model import ScanResult


def unknown_command(ctx: click.Context, name: str, known: list[str]) -> None:
    """Fail with `No such command 'scna'. Did you mean 'scan'?` (difflib)."""
    import difflib

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    ctx.fail(f"No such command {name!r}." + (f" Did you mean {close[0]!r}?" if close else ""))


class SuggestingGroup(click.Group):
    """A command group that suggests the closest subcommand for a misspelt one."""

    def resolve_command(self, ctx: click.Context, args: list[str],
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and not name.startswith("-") and self.get_command(ctx, name) is None:
            unknown_command(ctx, name, self.list_commands(ctx))
        return super().resolve_command(ctx, args)


def colour_wanted(choice: str = "auto", stream: Any = None) -> bool:
    """--color always/never; auto: a terminal, unless NO_COLOR is set (any value) or TERM is
    dumb. An explicit --color always wins over NO_COLOR."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream if stream is not None else sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def is_quiet() -> bool:
    """--quiet/-q given (before or after the subcommand), or LICSCAN_QUIET=1."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get("licscan.quiet"):
        return True
    return os.environ.get("LICSCAN_QUIET", "").strip().lower() in ("1", "true", "yes", "on")


def note(message: str) -> None:
    """A non-essential line on stderr (which config is used, where a report went); --quiet
    drops it."""
    if not is_quiet():
        click.echo(message, err=True)


def write_output(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from licscan.safewrite import make_folder, write_text

    # colour is for the terminal: a file never gets it (every field was escaped before it
    # was styled, so the only escape sequences left are the styles themselves)
    text = click.unstyle(text)
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
