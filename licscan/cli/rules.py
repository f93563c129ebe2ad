"""`licscan rules list|show|validate|add-text`."""

from __future__ import annotations

from pathlib import Path

import click

from licscan.errors import RulePackError, UsageError


@click.group("rules")
def rules_group() -> None:
    """Inspect and validate rule packs."""


@rules_group.command("list")
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True))
def list_command(rules: tuple[str, ...]) -> int:
    """List every rule: id, expression id, flags and name."""
    from licscan.redact import printable
    from licscan.rulepack import load_rulepack

    pack = load_rulepack(rules)
    for rule in pack.rules.values():
        f = rule.flags
        click.echo(printable(f"{rule.id:34} {rule.kind:10} {f.commercial_use:11} "
                             f"{f.modification:11} {f.distribution:11} {rule.expression_id}"))
    click.echo(f"{len(pack.rules)} rules; pack {pack.version} {pack.hash}")
    return 0


@rules_group.command("show")
@click.argument("rule_id")
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True))
def show_command(rule_id: str, rules: tuple[str, ...]) -> int:
    """Explain one rule's terms in plain words, with clause references."""
    from licscan.plain_terms import explain_rule
    from licscan.rulepack import load_rulepack

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
    from licscan.rulecheck import validate_dir

    problems = validate_dir(Path(directory))
    for problem in problems:
        click.echo(problem, err=True)
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
