"""`licscan init`: a commented licscan.yaml and a manifest of the models found here.

Models come from three places: local model folders under the working directory (a card with
a license, weight files, or a model config), the Hub ids the project's code and configs name
(licscan.discover), and the Hugging Face cache (pinned to the revision cached). Nothing is
overwritten without --force; nothing is fetched.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import click

from licscan.errors import UsageError

_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env",
                        "build", "dist"})
_WEIGHT_SUFFIXES = (".safetensors", ".gguf", ".onnx", ".bin", ".pt", ".pth", ".ckpt")
_MODEL_CONFIGS = ("adapter_config.json", "config.json", "model_index.json")
_LICENSE_LINE = re.compile(r"(?m)^license(?:_name|_link)?\s*:")
MAX_DEPTH = 6


@dataclass(frozen=True)
class Entry:
    """One manifest entry and why it is there (written as a comment)."""

    key: str  # "path" | "id"
    value: str
    why: str
    revision: str | None = None


def _is_model_folder(folder: Path, names: list[str]) -> bool:
    if any(n.lower().endswith(_WEIGHT_SUFFIXES) for n in names):
        return True
    if any(n in names for n in _MODEL_CONFIGS):
        return True
    if "README.md" in names:
        try:
            head = (folder / "README.md").read_text(encoding="utf-8", errors="replace")[:8192]
        except OSError:
            return False
        if head.startswith("---") and _LICENSE_LINE.search(head.split("\n---", 2)[0]):
            return True
    return False


def local_model_folders(root: Path) -> list[Entry]:
    """Folders under `root` that hold a model; a model folder's own subfolders are not
    searched (a checkpoint folder inside a model is part of it). Hidden folders, virtual
    environments and build output are skipped; `root` itself is a project, not a model."""
    found: list[Entry] = []
    for current, dirs, files in os.walk(root):
        here = Path(current)
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and not (here / d / "pyvenv.cfg").exists())
        if here != root and _is_model_folder(here, files):
            found.append(Entry("path", here.relative_to(root).as_posix(), "a local model folder"))
            dirs[:] = []
        elif depth >= MAX_DEPTH:
            dirs[:] = []
    return found


def code_references(root: Path, folders: list[Entry]) -> list[Entry]:
    """Hub models the project's code and configs name (not the model folders' own cards)."""
    from licscan.discover import discover
    from licscan.discover.model import HUB

    inside = tuple(f"{e.value}/" for e in folders)
    out: dict[tuple[str, str | None], Entry] = {}
    for ref in discover([root]).references:
        if ref.kind != HUB or ref.role not in ("model", "adapter"):
            continue
        origin = Path(ref.origin.file)
        shown = (origin.relative_to(root) if origin.is_absolute() and root in origin.parents
                 else origin).as_posix()
        if shown.startswith(inside) or any(p.startswith(".") for p in Path(shown).parts):
            continue
        key = (ref.value, ref.revision)
        if key not in out:
            where = f"{shown}:{ref.origin.line}" if ref.origin.line else shown
            out[key] = Entry("id", ref.value, f"named in {where}", ref.revision)
    return sorted(out.values(), key=lambda e: (e.value.lower(), e.revision or ""))


def hf_cache_models(cache_dir: Path | None) -> tuple[list[Entry], str | None]:
    """Model repositories of the Hugging Face cache, pinned to the commit its refs/main names;
    (entries, the cache folder) — no folder when there is no cache."""
    from licscan.errors import SourceError
    from licscan.weights.sources import hf_cache_refs

    try:
        refs = hf_cache_refs(cache_dir)
    except SourceError:
        return [], None
    out = []
    for ref in refs:
        folder = Path(ref.path or "")
        parts = folder.name.split("--")
        if len(parts) < 3:
            continue
        repo_id = f"{parts[1]}/{'--'.join(parts[2:])}"
        revision = None
        main = folder / "refs" / "main"
        try:
            text = main.read_text(encoding="utf-8").strip()
            revision = text if re.fullmatch(r"[0-9a-f]{40}", text) else None
        except OSError:
            pass
        out.append(Entry("id", repo_id, "in the Hugging Face cache", revision))
    return out, str(folder.parent) if refs else None


def manifest_text(entries: list[Entry], cache: str | None) -> str:
    lines = [
        "# models.yaml: the models this product uses (written by `licscan init`; edit freely).",
        "# Each entry is `path:` (a local model folder, relative to this file) or `id:` (a Hub",
        "# repository, with an optional `revision:` to pin a branch, tag or commit).",
        "# `licscan scan --manifest models.yaml` scans them; `licscan lock` pins them in",
        "# licscan.lock and `licscan check` compares, offline.",
    ]
    if cache:
        lines.append(f"# Hugging Face cache read: {cache} (entries pinned to the cached commit;"
                     " remove the ones the product does not use).")
    if not entries:
        lines += ["# No models were found: add them below, e.g.", "#   - id: owner/name",
                  "#   - path: models/my-model", "models: []"]
        return "\n".join(lines) + "\n"
    lines.append("models:")
    for entry in entries:
        lines.append(f"  # {entry.why}")
        lines.append(f"  - {entry.key}: {_scalar(entry.value)}")
        if entry.revision:
            lines.append(f"    revision: {_scalar(entry.revision)}")
    return "\n".join(lines) + "\n"


def _scalar(text: str) -> str:
    """A YAML scalar that reads back as the same string."""
    import json

    plain = re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_./@+-]*", text) and not re.fullmatch(
        r"(?i)(true|false|yes|no|on|off|null|~|[0-9._+-]+(e[0-9+-]+)?)", text)
    return text if plain else json.dumps(text, ensure_ascii=False)


CONFIG_TEMPLATE = """\
# licscan.yaml: the license policy of this product (written by `licscan init`).
# `licscan scan`, `lock`, `check`, the pre-commit hook and the GitHub Action find it by walking
# up from the working directory to the git root (or take --config FILE).
# Reference: docs/policy.md; schema: docs/schemas/config.schema.json.

manifest: {manifest}         # the models the product uses (relative to this file)
lockfile: licscan.lock       # written by `licscan lock`, read by `licscan check`

# rules: rules-local         # a rule pack folder of your own (`licscan rules add-text`)

# Your situation: conditional terms (user thresholds, revenue caps, excluded regions,
# hosted-service clauses) are answered against it. Fill in what you know and remove the `#`;
# leave a value out rather than guess (the answer then stays "conditional", a review).
# Without a context, the licenses' commercial-use flags are compared instead.
# context:
#   use: commercial            # commercial | internal | research
#   monthly_active_users: 0    # your product's, with affiliates
#   annual_revenue_usd: 0
#   regions: [US]              # where you and your developers are established (ISO codes, EU)
#   distribution: hosted       # hosted | redistributed | internal
#   multimodal: false          # the product takes or produces images, audio or video

# The policy. These are the built-in defaults: every line may be removed.
policy:
  fail_on: deny                # exit 1 at this verdict or worse: deny | review
  unknown: review              # verdict for a license licscan cannot determine: review | deny
  # Precedence: waiver > deny > review > allow > the context's answer. Within a list the
  # first matching rule decides; a rule is a category (non-commercial, research, copyleft,
  # permissive …), an SPDX or Hub id, a rule id, an exact expression, or a mapping such as
  # {{flag: commercial_use, is: prohibited}}, {{family: llama}}, {{finding: license-mismatch}}.
  deny: []
  review: []
  allow: []

# Time-bounded exemptions (`expires` required, at most 3 years ahead), e.g.
# waivers:
#   - model: acme/model-x
#     reason: "negotiated license, contract 2026-114"
#     approved_by: legal@example.com
#     expires: 2027-06-30
"""


@click.command("init")
@click.option("--config", "config_name", default="licscan.yaml", show_default=True,
              type=click.Path(dir_okay=False), help="The configuration file to write.")
@click.option("-m", "--manifest", "manifest_name", default="models.yaml", show_default=True,
              type=click.Path(dir_okay=False), help="The manifest to write (next to the config).")
@click.option("--hf-cache/--no-hf-cache", default=True, show_default=True,
              help="List the models of the Hugging Face cache (HF_HUB_CACHE / HF_HOME).")
@click.option("--hf-cache-dir", type=click.Path(file_okay=False),
              help="The Hugging Face cache folder (default: from HF_HUB_CACHE / HF_HOME).")
@click.option("--code/--no-code", default=True, show_default=True,
              help="List the Hub models the project's code and configs name.")
@click.option("--force", is_flag=True, help="Overwrite an existing config or manifest.")
def init_command(config_name: str, manifest_name: str, hf_cache: bool,
                 hf_cache_dir: str | None, code: bool, force: bool) -> int:
    """Write a commented licscan.yaml and a manifest of the models found here: local model
    folders under the working directory, Hub models named in code and configs, and the
    Hugging Face cache. Then: `licscan scan --manifest models.yaml`."""
    from licscan.cli.common import note
    from licscan.config import load_config
    from licscan.safewrite import write_text

    root = Path.cwd()
    config_path, manifest_path = root / config_name, root / manifest_name
    existing = [p for p in (config_path, manifest_path) if p.exists()]
    if existing and not force:
        raise UsageError(f"{', '.join(p.name for p in existing)} already exist"
                         + ("s" if len(existing) == 1 else ""),
                         hint="licscan init --force overwrites; nothing was written")
    folders = local_model_folders(root)
    entries = list(folders)
    if code:
        entries += code_references(root, folders)
    cache = None
    if hf_cache:
        cached, cache = hf_cache_models(Path(hf_cache_dir) if hf_cache_dir else None)
        known = {(e.value, e.revision) for e in entries}
        entries += [e for e in cached if (e.value, e.revision) not in known]
    manifest_rel = os.path.relpath(manifest_path, config_path.parent)
    write_text(manifest_path, manifest_text(entries, cache))
    write_text(config_path, CONFIG_TEMPLATE.format(manifest=_scalar(Path(manifest_rel)
                                                                    .as_posix())))
    load_config(config_path)  # what was written must load; a ConfigError here is a bug
    counts = {why: sum(1 for e in entries if e.why == why or e.why.startswith(why))
              for why in ("a local model folder", "named in", "in the Hugging Face cache")}
    click.echo(f"wrote {config_name} and {manifest_name}: {counts['a local model folder']} "
               f"local folder(s), {counts['named in']} Hub model(s) named in code, "
               f"{counts['in the Hugging Face cache']} from the Hugging Face cache")
    note(f"next: edit the context in {config_name}, then licscan scan --manifest "
         f"{manifest_name}")
    return 0
