"""The command line: a thin click layer with one error boundary.

Exit codes: 0 every model passes; 1 a model at or above --fail-on, or a model that could not
be scanned; 2 usage, config or input error; 3 internal error.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import ClassVar

import click

from licscan import __version__
from licscan.errors import LicscanError

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _LazyGroup(click.Group):
    """Commands are imported on use, so `licscan --help` and `licscan check` stay fast."""

    _commands: ClassVar[dict[str, tuple[str, str, str]]] = {
        "scan": ("licscan.cli.scan", "scan_command", "Scan models and report their licenses."),
        "demo": ("licscan.cli.scan", "demo_command", "Scan the bundled examples offline."),
        "discover": ("licscan.cli.discover", "discover_command",
                     "Find the models a source tree uses (code, configs, weight files)."),
        "identify": ("licscan.cli.identify", "identify_command",
                     "Identify license texts in files."),
        "rules": ("licscan.cli.rules", "rules_group", "Inspect and validate rule packs."),
        "report": ("licscan.cli.report_cmd", "report_command",
                   "Render a saved JSON report in another format."),
        "check": ("licscan.cli.check", "check_command",
                  "Check the manifest against the lockfile and the policy, offline."),
        "lock": ("licscan.cli.lock", "lock_command",
                 "Resolve the manifest and write licscan.lock (or --check for drift)."),
        "init": ("licscan.cli.init", "init_command",
                 "Write a commented licscan.yaml and a manifest of the models found here."),
    }

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self._commands[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self._commands.get(cmd_name)
        if target is None:
            return None
        from importlib import import_module

        command: click.Command = getattr(import_module(target[0]), target[1])
        return with_common_options(command)

    def resolve_command(self, ctx: click.Context, args: list[str],
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and name not in self._commands and not name.startswith("-"):
            from licscan.cli.common import unknown_command

            unknown_command(ctx, name, list(self._commands))
        return super().resolve_command(ctx, args)


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        os.environ["LICSCAN_VERBOSE"] = "1"


def _set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["licscan.quiet"] = True


def _set_color(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """--color auto|always|never (NO_COLOR set: never, unless --color always). Stored on the
    root context, where click.echo and the text report read it."""
    from licscan.cli.common import colour_wanted

    if value is None and ctx.meta.get("licscan.color") is not None:
        return  # given before the subcommand; the subcommand did not repeat it
    ctx.meta["licscan.color"] = value or "auto"
    wanted = colour_wanted(value or "auto")
    here: click.Context | None = ctx
    while here is not None:
        here.color = wanted
        here = here.parent


COMMON_OPTIONS = (
    click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, is_eager=True,
                 callback=_set_verbose, help="Show tracebacks of internal errors."),
    click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, is_eager=True,
                 callback=_set_quiet,
                 help="No progress and no notes on stderr (errors are still shown)."),
    click.Option(["--color"], type=click.Choice(["auto", "always", "never"]), default=None,
                 expose_value=False, is_eager=True, callback=_set_color,
                 help="Colour the terminal output (default auto: on a terminal, unless "
                      "NO_COLOR is set)."),
)


def with_common_options(command: click.Command) -> click.Command:
    """-v, -q and --color on every command and subcommand, so `licscan scan -v` works as
    well as `licscan -v scan`. Idempotent."""
    names = {name for p in command.params for name in p.opts}
    for option in COMMON_OPTIONS:
        if not names & set(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_common_options(sub)
    return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="licscan")
def cli() -> None:
    """License compliance for machine-learning models: what you may do with each model,
    and what you owe, before you ship."""


with_common_options(cli)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="licscan",
                        standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE if exc.exit_code != 0 else 0
    except LicscanError as exc:
        from licscan.redact import printable, redact

        click.echo(f"licscan: error: {printable(redact(exc.diagnostics()))}", err=True)
        code = EXIT_USAGE
    except Exception as exc:  # the one boundary for bugs
        from licscan.redact import printable_line, redact

        message = printable_line(redact(f"{type(exc).__name__}: {exc}"))
        click.echo(f"licscan: internal error: {message}", err=True)
        if os.environ.get("LICSCAN_VERBOSE"):
            click.echo(redact(traceback.format_exc()), err=True)
        else:
            click.echo("hint: run again with -v to see the traceback", err=True)
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else 0)
