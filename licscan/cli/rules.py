"""`licscan rules list|show|validate|add-text`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from licscan.cli.common import SuggestingGroup
from licscan.errors import RulePackError, UsageError

if TYPE_CHECKING:
    from licscan.rulepack import RulePack


@click.group("rules", cls=SuggestingGroup)
def rules_group() -> None:
    """Inspect and validate rule packs."""


@rules_group.command("list")
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True))
@click.option("--width", type=click.IntRange(60, 1000), default=None,
              help="Wrap names to this many columns (default: the terminal's, else 100).")
def list_command(rules: tuple[str, ...], width: int | None) -> int:
    """List every rule: id, kind, the commercial-use, modification and distribution flags,
    and the name with its expression id."""
    import textwrap

    from licscan.redact import printable_line
    from licscan.report.text import terminal_width

    pack = load_rulepack_for(rules)
    short = {"allowed": "yes", "conditional": "cond.", "prohibited": "NO"}
    rows = [(printable_line(rule.id), printable_line(rule.kind),
             *(short.get(v, v) for v in (rule.flags.commercial_use, rule.flags.modification,
                                         rule.flags.distribution)),
             printable_line(f"{rule.name or rule.id} [{rule.expression_id}]"))
            for rule in pack.rules.values()]
    header = ("ID", "KIND", "COMMERCIAL", "MODIFY", "DISTRIB", "NAME [EXPRESSION ID]")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    room = terminal_width(width)
    for row in [header, *rows]:  # the name on its own line: ids and names both stay whole
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])).rstrip())
        for line in textwrap.wrap(row[5], room, initial_indent="    ",
                                  subsequent_indent="      ", break_on_hyphens=False):
            click.echo(line)
    click.echo(f"{len(pack.rules)} rules; pack {pack.version} {pack.hash}")
    return 0


def load_rulepack_for(rules: tuple[str, ...]) -> RulePack:
    from licscan.rulepack import load_rulepack

    return load_rulepack(rules)


@rules_group.command("show")
@click.argument("rule_id")
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True))
def show_command(rule_id: str, rules: tuple[str, ...]) -> int:
    """Explain one rule's terms in plain words, with clause references."""
    from licscan.rulepack import load_rulepack
    from licscan.terms.plain import explain_rule

    pack = load_rulepack(rules)
    rule = pack.get(rule_id) or pack.by_expression_id.get(rule_id.lower()) \
        or pack.by_hub_id.get(rule_id.lower()) or pack.by_license_name.get(rule_id.lower())
    if rule is None:
        raise UsageError(f"no rule {rule_id!r}", hint="see `licscan rules list`")
    click.echo(explain_rule(rule, pack))
    return 0


@rules_group.command("validate")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def validate_command(directory: str) -> int:
    """Check every rule file of a pack against the rule-file schema."""
    from licscan.rulecheck import compiled_problems, redundant_in_dir, validate_dir

    problems = validate_dir(Path(directory)) + compiled_problems(Path(directory))
    for problem in problems:
        click.echo(problem, err=True)
    for note in redundant_in_dir(Path(directory)):
        click.echo(f"note: {note}", err=True)
    if problems:
        raise RulePackError(f"{len(problems)} problem(s) in {directory}")
    click.echo(f"{directory}: every rule file is valid")
    return 0


@rules_group.command("add-text")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--id", "rule_id", required=True, help="The rule id this text belongs to.")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), default="rules-local",
              show_default=True, help="Your rule pack folder (created if missing).")
def add_text_command(file: str, rule_id: str, rules_dir: str) -> int:
    """Fingerprint the text of your own license into your rule pack (the text is not stored)."""
    from licscan.identify.fingerprint import add_text

    add_text(Path(file), rule_id, Path(rules_dir))
    click.echo(f"fingerprinted {file} as {rule_id} into {rules_dir}")
    return 0
