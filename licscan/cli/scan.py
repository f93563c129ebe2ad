"""`licscan scan` and `licscan demo`."""

from __future__ import annotations

import click

from licscan.cli.common import exit_code, write_output
from licscan.errors import UsageError
from licscan.model import ModelRef

FORMAT_CHOICES = ["text", "json"]


def _refs(targets: tuple[str, ...], manifests: tuple[str, ...]) -> list[ModelRef]:
    from licscan.targets import load_manifest, parse_target

    refs = [parse_target(t) for t in targets]
    for manifest in manifests:
        refs.extend(load_manifest(manifest))
    if not refs:
        raise UsageError("nothing to scan", hint="give model ids, URLs or folders, or --manifest")
    return refs


def _run(refs: list[ModelRef], fmt: str, output: str | None, jobs: int, timeout: float,
         rules: tuple[str, ...]) -> tuple[int, object]:
    from licscan.report import render
    from licscan.scan import ScanOptions, Scanner
    from licscan.sources.hub import HubSettings

    options = ScanOptions(jobs=jobs, hub=HubSettings(timeout=timeout), rules_dirs=rules)
    result = Scanner(options).scan(refs)
    write_output(render(result, fmt), output)
    if output not in (None, "-") and fmt != "text":
        click.echo(render(result, "text"), nl=False)
    return 0, result


@click.command("scan")
@click.argument("targets", nargs=-1)
@click.option("-m", "--manifest", "manifests", multiple=True, type=click.Path(dir_okay=False),
              help="A manifest of models (YAML `models:` list, or one target per line).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text",
              show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report here (the terminal still gets the table).")
@click.option("--fail-on", type=click.Choice(["deny", "review"]), default="deny",
              show_default=True, help="Exit 1 when a model's verdict is at or above this.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Models fetched at once.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True,
              help="Seconds to wait for each Hub request.")
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="A rule pack folder of your own, layered over the built-in one.")
def scan_command(targets: tuple[str, ...], manifests: tuple[str, ...], fmt: str,
                 output: str | None, fail_on: str, jobs: int, timeout: float,
                 rules: tuple[str, ...]) -> int:
    """Scan models: Hub ids (owner/name[@rev]), Hub URLs or local model folders.

    Set HF_TOKEN to read gated or private repositories.
    """
    refs = _refs(targets, manifests)
    _, result = _run(refs, fmt, output, jobs, timeout, rules)
    return exit_code(result, fail_on)  # type: ignore[arg-type]


@click.command("demo")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="licscan-demo.json",
              show_default=True, help="Where to write the demo report.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="json",
              show_default=True)
def demo_command(output: str, fmt: str) -> int:
    """Scan the bundled example models offline and write a report."""
    from licscan import _resources

    root = _resources.examples_dir()
    refs = _refs((), (str(root / "models.yaml"),))
    _run(refs, fmt, output, 4, 5.0, ())
    click.echo(f"\nreport written to {output}")
    return 0
