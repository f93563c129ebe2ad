"""One verdict whatever the path: `--no-config`, a licscan.yaml with `policy: {}`, and the
documented default policy written out as YAML must give every model the same verdict, reason,
decided_by, answers and obligations.

The bulk runs in-process: every rule of the loaded pack, alone and in AND, OR and WITH
expressions, in several contexts, through the scanners the CLI builds for each path (no
network, no files). A representative subset runs through the real CLI on local model folders.
Regression: `apache-2.0 OR cc-by-nc-4.0` in commercial use was deny with `--no-config` and allow
with `policy: {}`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licscan.conclude import flags_for
from licscan.config import load_config
from licscan.model import (
    CardFacts,
    Finding,
    LicenseConclusion,
    ModelRef,
    ModelResult,
    freeze,
)
from licscan.report.json_report import model_dict
from licscan.rulepack import RulePack, load_rulepack
from licscan.scan import Scanner, ScanOptions, configured_scanner
from licscan.terms.context import Context, context_from_mapping
from licscan.terms.context_result import ContextStage as Assessor

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 6, 1)
NC = "CC-BY-NC-4.0"
APACHE = "Apache-2.0"
LLAMA = "LicenseRef-scancode-llama-3.1-license-2024"

CONTEXTS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "commercial": {"use": "commercial"},
    "research": {"use": "research"},
    "eu": {"use": "commercial", "regions": ["DE"], "monthly_active_users": 10,
           "multimodal": True},
    "large": {"use": "commercial", "monthly_active_users": 900_000_000,
              "annual_revenue_usd": 10_000_000_000, "regions": ["US"]},
    "hosted": {"use": "commercial", "distribution": "hosted", "monthly_active_users": 2_000_000,
               "regions": ["US"]},
    "distributed": {"use": "internal", "distribution": "redistributed", "regions": ["KR"]},
}
FIELDS = ("verdict", "verdict_reason", "decided_by", "context_answers", "obligations",
          "conditions")


def default_policy_yaml() -> str:
    """The built-in default policy as documented in docs/architecture.md."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- default-policy -->\s*```yaml\n(.*?)```", text, re.DOTALL)
    assert found, "docs/architecture.md documents the default policy as YAML"
    return found.group(1)


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


def expressions(pack: RulePack) -> list[str]:
    """Every rule of the pack alone and in one compound (in turn: chosen against a
    non-commercial license with OR in either order, combined with a permissive one with AND,
    with an exception with WITH); plus nested and unknown cases."""
    out: list[str] = []
    for index, rule in enumerate(sorted(pack.rules.values(), key=lambda r: r.id)):
        key = rule.expression_id
        out += [key, (f"{NC} OR {key}", f"{key} OR {NC}", f"{key} AND {APACHE}",
                      f"{key} WITH Classpath-exception-2.0")[index % 4]]
    out += [f"{APACHE} OR {NC}", f"({APACHE} AND {NC}) OR {LLAMA}",
            f"(MIT OR {NC}) AND ({LLAMA} OR GPL-3.0-only)",
            "GPL-2.0-only WITH Classpath-exception-2.0 OR CC-BY-NC-SA-4.0",
            "LicenseRef-acme-in-house OR MIT", f"LicenseRef-acme-in-house AND {NC}"]
    return list(dict.fromkeys(out))


def model(pack: RulePack, expression: str, index: int) -> ModelResult:
    from licscan.policy import expr as spdx

    keys = [leaf.key.lower() for leaf in spdx.leaves(spdx.parse(expression))]
    rule_ids = tuple(dict.fromkeys(r.id for k in keys if (r := pack.by_expression_id.get(k))))
    # Every third model carries a review finding, which the default lets raise the verdict.
    findings = (Finding("license-file-missing", "review", "no license file"),) \
        if index % 3 == 0 else ()
    card = {"pipeline_tag": ("image-text-to-text" if index % 2 else "text-generation")}
    ref = ModelRef(kind="hub", target=f"acme/m{index}", repo_id=f"acme/m{index}")
    return ModelResult(ref=ref, status="ok", source="hub", revision="a" * 40, verdict="review",
                       license=LicenseConclusion(expression, None, 90, "resolved", rule_ids),
                       flags=flags_for(expression, pack), findings=findings,
                       card=CardFacts(fields=freeze(card)))


Decide = Callable[[ModelResult], dict[str, Any]]


def scanners(pack: RulePack, context: Context | None, tmp: Path) -> dict[str, Decide]:
    """What `licscan scan` builds for each path (licscan/cli/scan.py: run_scan)."""
    options = ScanOptions(jobs=1, offline=True)
    no_config = Scanner(options, pack, finalize=Assessor(pack, context))
    out: dict[str, Decide] = {"--no-config": lambda m: model_dict(no_config.decide(m))}
    for name, text in (("policy: {}", "policy: {}\n"), ("default as YAML", default_policy_yaml())):
        path = tmp / f"licscan-{len(out)}.yaml"
        path.write_text(text, encoding="utf-8")
        scanner, _policy = configured_scanner(load_config(path, today=TODAY), options, context,
                                              today=TODAY)
        out[name] = (lambda s: lambda m: model_dict(s.decide(m)))(scanner)
    return out


def disagreements(pack: RulePack, context_name: str, tmp: Path) -> Iterator[str]:
    raw = CONTEXTS[context_name]
    context = None if raw is None else context_from_mapping(raw)
    paths = scanners(pack, context, tmp)
    for index, expression in enumerate(expressions(pack)):
        m = model(pack, expression, index)
        results = {name: {k: decide(m).get(k) for k in FIELDS} for name, decide in paths.items()}
        first_name, first = next(iter(results.items()))
        for name, other in results.items():
            if other != first:
                keys = [k for k in FIELDS if other[k] != first[k]]
                yield (f"[{context_name}] {expression}: {first_name} vs {name} differ in "
                       f"{keys}: {[first[k] for k in keys[:2]]} / {[other[k] for k in keys[:2]]}")


@pytest.mark.parametrize("context_name", list(CONTEXTS))
def test_every_rule_gets_one_verdict_on_every_path(pack: RulePack, tmp_path: Path,
                                                   context_name: str) -> None:
    found = list(disagreements(pack, context_name, tmp_path))
    assert not found, f"{len(found)} disagreements, e.g.:\n" + "\n".join(found[:8])


def test_the_table_is_the_whole_pack(pack: RulePack) -> None:
    listed = expressions(pack)
    assert {r.expression_id for r in pack.rules.values()} <= set(listed)
    assert any(" OR " in e for e in listed) and any(" AND " in e for e in listed) \
        and any(" WITH " in e for e in listed)
    assert len(pack.rules) > 100  # the loaded pack, not a hand list


# --- the real CLI, on local model folders -----------------------------------------------------

CARDS = {  # folder -> the card's license field
    "either": "apache-2.0 OR cc-by-nc-4.0",
    "nc-or-llama": "cc-by-nc-4.0 OR llama3.1",
    "llama": "llama3.1",
    "nc": "cc-by-nc-4.0",
    "mit-and-nc": "mit AND cc-by-nc-4.0",
    "classpath": "GPL-2.0-only WITH Classpath-exception-2.0",
    "in-house": "LicenseRef-acme-in-house",
}


@dataclass(frozen=True)
class Workspace:
    root: Path
    manifest: Path

    def context_file(self, name: str) -> Path | None:
        raw = CONTEXTS[name]
        if raw is None:
            return None
        path = self.root / f"context-{name}.yaml"
        path.write_text(json.dumps(raw), encoding="utf-8")
        return path

    def config(self, name: str, text: str) -> Path:
        path = self.root / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / ".git").mkdir()  # no licscan.yaml from above is found
    lines = ["models:"]
    for folder, license in CARDS.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "README.md").write_text(
            f"---\nlicense: {license}\n---\n# {folder}\n", encoding="utf-8")
        lines.append(f"  - ./{folder}")
    manifest = tmp_path / "models.yaml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Workspace(tmp_path, manifest)


def cli_models(workspace: Workspace, path_args: list[str], context: Path | None,
               ) -> dict[str, dict[str, Any]]:
    from licscan.cli import cli

    out = workspace.root / "report.json"
    args = ["scan", "-m", str(workspace.manifest), "--offline", "--no-lineage",
            "--no-datasets", "-f", "json", "-o", str(out), *path_args]
    if context is not None:
        args += ["--context", str(context)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    return {m["target"]: {k: m.get(k) for k in FIELDS} for m in report["models"]}


@pytest.mark.parametrize("context_name", ["none", "commercial", "research", "eu"])
def test_the_cli_paths_agree(workspace: Workspace, context_name: str) -> None:
    context = workspace.context_file(context_name)
    empty = workspace.config("empty", "policy: {}\n")
    default = workspace.config("default", default_policy_yaml())
    runs = {"--no-config": cli_models(workspace, ["--no-config"], context),
            "policy: {}": cli_models(workspace, ["--config", str(empty)], context),
            "default as YAML": cli_models(workspace, ["--config", str(default)], context)}
    assert runs["--no-config"] == runs["policy: {}"] == runs["default as YAML"]
    assert len(runs["--no-config"]) == len(CARDS)


def test_the_or_regression_through_the_installed_command(workspace: Workspace) -> None:
    """`apache-2.0 OR cc-by-nc-4.0`, commercial use: allowed through Apache-2.0 on every path,
    and the obligations are Apache-2.0's only (the branch chosen)."""
    context = workspace.context_file("commercial")
    empty = workspace.config("empty", "policy: {}\n")
    seen = []
    for extra in (["--no-config"], ["--config", str(empty)]):
        out = workspace.root / "either.json"
        done = subprocess.run(
            [sys.executable, "-m", "licscan", "scan", str(workspace.root / "either"),
             "--offline", "-f", "json", "-o", str(out), "--context", str(context), *extra],
            capture_output=True, text=True, cwd=workspace.root, check=False, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        (m,) = json.loads(out.read_text(encoding="utf-8"))["models"]
        assert m["verdict"] == "allow" and "Apache-2.0" in m["verdict_reason"]
        assert {o["rule"] for o in m["obligations"]} == {"apache-2.0"}
        seen.append({k: m.get(k) for k in FIELDS})
    assert seen[0] == seen[1]
