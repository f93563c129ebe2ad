"""`licscan scan` and `licscan demo`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from licscan.cli.common import exit_code, write_output
from licscan.errors import SourceError, UsageError
from licscan.model import ModelRef, ScanResult
from licscan.report import CDX_VERSIONS, FORMATS

if TYPE_CHECKING:
    from licscan.config import Config
    from licscan.scan import Scanner

FORMAT_CHOICES = list(FORMATS)


@dataclass(frozen=True)
class RunSettings:
    fmt: str = "text"
    output: str | None = None
    cdx_version: str | None = None
    jobs: int = 8
    timeout: float = 20.0
    rules: tuple[str, ...] = ()
    context_file: str | None = None
    offline: bool = False
    use_cache: bool = True
    cache_dir: str | None = None
    lineage: bool = True
    datasets: bool = True
    max_depth: int = 8


@dataclass(frozen=True)
class Sources:
    """Where models come from besides targets and manifests (`--ollama`, `--hf-cache`,
    `--author`, `--search`)."""

    ollama: bool = False
    ollama_dir: str | None = None
    hf_cache: str | None = None  # "" = the default cache folder
    author: str | None = None
    search: str | None = None

    @property
    def any(self) -> bool:
        return self.ollama or self.hf_cache is not None or bool(self.author or self.search)


Failed = list[tuple[ModelRef, SourceError]]


def _refs(targets: tuple[str, ...], manifests: tuple[str | tuple[str, str], ...],
          sources: Sources | None = None) -> tuple[list[ModelRef], Failed]:
    from licscan.targets import load_manifest, parse_target

    sources = sources or Sources()
    refs = [parse_target(t) for t in targets]
    for manifest in manifests:
        path, name = manifest if isinstance(manifest, tuple) else (manifest, None)
        refs.extend(load_manifest(path, name))
    failed: Failed = []
    if sources.ollama_dir:
        refs = [replace(r, path=sources.ollama_dir) if r.kind == "ollama" else r for r in refs]
    if sources.ollama:
        found, broken = _ollama_store(sources.ollama_dir)
        refs += found
        failed += broken
    if sources.hf_cache is not None:
        from licscan.weights.sources import hf_cache_refs

        try:
            refs += hf_cache_refs(Path(sources.hf_cache).expanduser() if sources.hf_cache
                                  else None)
        except SourceError as exc:
            raise UsageError(exc.message, hint=exc.hint) from exc
    if not refs and not failed and not (sources.author or sources.search):
        if manifests:
            names = ", ".join(m[1] if isinstance(m, tuple) else m for m in manifests)
            raise UsageError(f"nothing to scan: {names} lists no models",
                             hint="add entries under `models:` (id: owner/name, or path: "
                                  "folder), or give model ids, URLs or folders")
        if sources.any:
            raise UsageError("nothing to scan: the store or cache holds no models")
        raise UsageError("nothing to scan", hint="give model ids, URLs or folders, or "
                                                  "--manifest, --ollama, --hf-cache, --author")
    return refs, failed


def _ollama_store(store_dir: str | None) -> tuple[list[ModelRef], Failed]:
    """Every model of the store; a broken manifest is an error result with its reason."""
    from licscan.weights.ollama import default_store
    from licscan.weights.sources import ollama_store_refs

    store = Path(store_dir).expanduser() if store_dir else default_store()
    try:
        refs, problems = ollama_store_refs(store)
    except SourceError as exc:
        raise UsageError(exc.message, hint=exc.hint) from exc
    failed: Failed = []
    for problem in problems:
        try:
            shown = str(Path(problem.path).relative_to(store / "manifests"))
        except ValueError:
            shown = problem.path
        ref = ModelRef(kind="ollama", target=f"ollama-store:{shown}", path=str(store))
        failed.append((ref, SourceError("bad-manifest", problem.reason)))
    return refs, failed


def run_scan(refs: list[ModelRef], settings: RunSettings,
             config: Config | None = None, failed: Failed | None = None,
             sources: Sources | None = None) -> ScanResult:
    from licscan.report import render
    from licscan.rulepack import load_rulepack
    from licscan.scan import Scanner, ScanOptions
    from licscan.sources.hub import HubSettings
    from licscan.terms.context import load_context
    from licscan.terms.context_result import ContextStage

    hub = HubSettings(timeout=settings.timeout, use_cache=settings.use_cache,
                      cache_dir=settings.cache_dir, offline=settings.offline)
    options = ScanOptions(jobs=settings.jobs, hub=hub,
                          rules_dirs=settings.rules, offline=settings.offline,
                          lineage=settings.lineage, datasets=settings.datasets,
                          max_depth=settings.max_depth)
    context = load_context(settings.context_file) if settings.context_file else None
    if config is not None:
        from dataclasses import replace

        from licscan.scan import configured_scanner

        scanner, _policy = configured_scanner(config, options, context)
    else:
        pack = load_rulepack(settings.rules)
        scanner = Scanner(options, pack, finalize=ContextStage(pack, context))
        scanner.context_dict = context.to_dict() if context else None
    if sources is not None and (sources.author or sources.search):
        listed, cut = _listed(scanner, sources)
        refs = [*refs, *listed]
        failed = [*(failed or []), *cut]
    from licscan.cli.progress import progress

    failed = failed or []
    with progress(len(refs) + len(failed), "scanning") as tick:
        scanner.on_result = lambda model: tick(model.id)
        result = scanner.scan(refs, failed)
    scanner.on_result = None
    if config is not None:
        result = replace(result, config_file=config.file)
    write_output(render(result, settings.fmt, cdx_version=settings.cdx_version),
                 settings.output)
    if settings.output not in (None, "-"):
        click.echo(render(result, "text"), nl=False)
    return result


def _listed(scanner: Scanner, sources: Sources) -> tuple[list[ModelRef], Failed]:
    """The models of `--author` / `--search`, listed through the scan's Hub source, and an
    error item when the listing was cut at its limit (the gate fails closed: models it did
    not list were not scanned)."""
    from licscan.redact import printable_line

    hub = scanner.hub()
    refs = hub.list_models(author=sources.author, search=sources.search)
    what = " ".join(p for p in (f"--author {sources.author}" if sources.author else "",
                                f"--search {sources.search}" if sources.search else "") if p)
    if not refs:
        raise UsageError(f"nothing to scan: the Hub lists no models for {what}")
    click.echo(printable_line(f"{what}: {len(refs)} model(s) listed in "
                              f"{hub.listing_requests} request(s)"), err=True)
    cut: Failed = []
    if hub.listing_cut:
        cut.append((ModelRef(kind="hub", target=what),
                    SourceError("incomplete", f"the listing of {what} stopped at {len(refs)} "
                                "models; any further model was not scanned",
                                hint="narrow it with --search, or scan a manifest")))
    return refs, cut


@contextmanager
def _demo_cache(bundled: Path) -> Iterator[str]:
    """A private copy of the bundled cache of base-model cards (the demo follows lineage
    offline), with the timestamps it was built with, so the demo report is reproducible. Its
    modes are the cache's own (0o700 folders, 0o600 files), not the installation's: a checkout
    made under umask 002 has group-writable folders, which the cache rightly refuses to trust."""
    import os
    import shutil
    import tempfile

    built = int((bundled / "BUILT").read_text().strip())
    with tempfile.TemporaryDirectory(prefix="licscan-demo-cache-") as tmp:
        copy = Path(tmp) / "cache"
        shutil.copytree(bundled, copy)
        os.chmod(copy, 0o700)
        for path in copy.rglob("*"):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
            os.utime(path, (built, built))
        yield str(copy)


def _config(config_file: str | None, no_config: bool) -> Config | None:
    """--config FILE, else licscan.yaml from here up to the git root, else None."""
    from licscan.config import find_config, load_config

    if no_config:
        return None
    path = config_file or find_config()
    return load_config(path) if path else None


@click.command("scan")
@click.argument("targets", nargs=-1)
@click.option("-m", "--manifest", "manifests", multiple=True, type=click.Path(dir_okay=False),
              help="A manifest of models (YAML `models:` list, or one target per line).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text",
              show_default=True, help="Report format.")
@click.option("--cdx-version", type=click.Choice(list(CDX_VERSIONS)), default=None,
              help="CycloneDX spec version of -f cyclonedx-json (default 1.6).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report here (the terminal still gets the table).")
@click.option("--fail-on", type=click.Choice(["deny", "review"]), default=None,
              help="Exit 1 when a model's verdict is at or above this "
                   "(default: the config's fail_on, else deny).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="licscan.yaml: context, policy, waivers (default: found from here up to "
                   "the git root).")
@click.option("--no-config", is_flag=True, help="Ignore licscan.yaml; use the default policy.")
@click.option("--context", "context_file", type=click.Path(dir_okay=False, exists=True),
              help="Your situation (use, monthly_active_users, annual_revenue_usd, regions, "
                   "distribution) to evaluate conditional terms against.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Repositories fetched at once.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True,
              help="Seconds to wait for each Hub request.")
@click.option("--rules", "rules", multiple=True, type=click.Path(file_okay=False, exists=True),
              help="A rule pack folder of your own, layered over the built-in one.")
@click.option("--offline", is_flag=True,
              help="No network: Hub models come from the licscan cache (a branch resolves to "
                   "the commit last seen online); a model not in it is an error.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the licscan cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="The licscan cache (default: $LICSCAN_CACHE_DIR, else the user cache "
                   "folder).")
@click.option("--lineage/--no-lineage", default=True, show_default=True,
              help="Follow base_model to parents and apply the terms they pass down.")
@click.option("--max-depth", type=click.IntRange(1, 32), default=8, show_default=True,
              help="How many generations of base models to follow.")
@click.option("--datasets/--no-datasets", default=True, show_default=True,
              help="Read the licenses of the training datasets a card names.")
@click.option("--no-rule-overrides", is_flag=True,
              help="Refuse a rule pack of your own that redefines a built-in rule (also "
                   "LICSCAN_NO_RULE_OVERRIDES=1).")
@click.option("--ollama", "ollama", is_flag=True,
              help="Scan every model of the Ollama store (offline).")
@click.option("--ollama-dir", type=click.Path(file_okay=False),
              help="The Ollama store (default: $OLLAMA_MODELS, else ~/.ollama/models).")
@click.option("--hf-cache", "hf_cache", is_flag=False, flag_value="", default=None,
              metavar="[DIR]",
              help="Scan every model in the Hugging Face cache, offline (default folder: "
                   "$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).")
@click.option("--author", metavar="ORG",
              help="Scan every model of this Hub organisation or user (listed through the "
                   "Hub API, paged).")
@click.option("--search", metavar="TEXT",
              help="Scan every Hub model whose id contains TEXT (with --author: of that "
                   "author).")
def scan_command(targets: tuple[str, ...], manifests: tuple[str, ...], fmt: str,
                 cdx_version: str | None, output: str | None, fail_on: str | None,
                 config_file: str | None, no_config: bool, context_file: str | None, jobs: int,
                 timeout: float,
                 rules: tuple[str, ...], offline: bool, no_cache: bool, cache_dir: str | None,
                 lineage: bool, max_depth: int, datasets: bool, no_rule_overrides: bool,
                 ollama: bool, ollama_dir: str | None, hf_cache: str | None,
                 author: str | None, search: str | None) -> int:
    """Scan models: Hub ids (owner/name[@rev]), Hub URLs, local model folders, GGUF or
    safetensors files, Ollama models (ollama:NAME[:TAG]); or a whole Ollama store, the HF
    cache, a Hub organisation or search.

    Set HF_TOKEN to read gated or private repositories.
    """
    if (author or search) and offline:
        raise UsageError("--author and --search list models on the Hub; they cannot be used "
                         "with --offline")
    if (author is not None and not author.strip()) or (search is not None and not search.strip()):
        raise UsageError("--author and --search need a non-empty value")
    sources = Sources(ollama=ollama, ollama_dir=ollama_dir, hf_cache=hf_cache, author=author,
                      search=search)
    settings = RunSettings(fmt=fmt, output=output, cdx_version=cdx_version, jobs=jobs,
                           timeout=timeout, rules=rules,
                           context_file=context_file, offline=offline, use_cache=not no_cache,
                           cache_dir=cache_dir, lineage=lineage, datasets=datasets,
                           max_depth=max_depth)
    config = _config(config_file, no_config)
    if not targets and not manifests and not sources.any and config is not None \
            and config.manifest.is_file():
        manifests = (str(config.manifest),)
    refs, failed = _refs(targets, manifests, sources)
    _rule_overrides(rules, config, no_rule_overrides)
    result = run_scan(refs, settings, config, failed, sources)
    return exit_code(result, fail_on or (config.policy.fail_on if config else "deny"))


def _rule_overrides(rules: tuple[str, ...], config: Config | None, forbid: bool) -> None:
    """Name every built-in rule that --rules or the config's `rules:` redefine (stderr), or
    refuse them with --no-rule-overrides / LICSCAN_NO_RULE_OVERRIDES=1."""
    from licscan.config import check_rule_overrides, overrides_forbidden
    from licscan.redact import printable_line

    dirs = (*rules, *(config.rules if config else ()))
    where = config.where("rules") if config and config.rules else "--rules"
    for warning in check_rule_overrides(dirs, forbid=overrides_forbidden(forbid), where=where):
        click.echo(printable_line(warning), err=True)


@click.command("demo")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="licscan-demo.html",
              show_default=True, help="Where to write the demo report.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Report format (default: from the output's extension, else html).")
def demo_command(output: str, fmt: str | None) -> int:
    """Scan the bundled example models offline and write a report.

    The examples are model folders with cards and short NOTICE files; the demo evaluates them
    for a commercial, hosted product with 2 million monthly users in the US and the EU.
    """
    from licscan import _resources

    root = _resources.examples_dir()
    chosen = fmt or {".json": "json", ".md": "markdown", ".sarif": "sarif",
                     ".txt": "text"}.get(Path(output).suffix.lower(), "html")
    refs, _failed = _refs((), ((str(root / "models.yaml"), "examples/models.yaml"),))
    with _demo_cache(root / "hub-cache") as cache_dir:
        run_scan(refs, RunSettings(fmt=chosen, output=output, jobs=4, timeout=5.0,
                                   offline=True, cache_dir=cache_dir,
                                   context_file=str(root / "context.yaml")))
    click.echo(f"\nreport written to {output}")
    return 0
