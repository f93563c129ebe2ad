"""End to end through the real huggingface_hub client and the Hub test double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from licscan.scan import Scanner, ScanOptions
from licscan.sources.hub import HubSettings
from licscan.targets import parse_target
from tests.hubdouble import Fault, HubDouble, RepoSpec

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "docs" / "schemas" / "report.schema.json"
CANARY = "hf_CANARYcanaryCANARYcanary0123456789"


def _card(license_id: str, extra: str = "") -> str:
    return f"---\nlicense: {license_id}\n{extra}---\n# model\n"


def populate(hub: HubDouble, corpus: Path) -> None:
    hub.add_model(RepoSpec(repo_id="acme/apache-model", files={
        "README.md": _card("apache-2.0"), "LICENSE": (corpus / "apache-2.0.txt").read_bytes(),
        "model.safetensors": b"\0" * 4096}))
    hub.add_model(RepoSpec(repo_id="acme/relabelled-llama", files={
        "README.md": _card("apache-2.0", "base_model: meta-llama/Llama-3.1-8B\n"),
        "LICENSE": (corpus / "llama3.1-license.txt").read_bytes()}))
    # the base model it names (an unresolved base would add unknown terms: issue 12, #6)
    hub.add_model(RepoSpec(repo_id="meta-llama/Llama-3.1-8B", files={
        "README.md": _card("llama3.1"),
        "LICENSE": (corpus / "llama3.1-license.txt").read_bytes()}))
    hub.add_model(RepoSpec(repo_id="meta/gated-llama", gated="manual", files={
        "README.md": _card("llama3.2"),
        "LICENSE.txt": (corpus / "llama3.2-license.txt").read_bytes(),
        "USE_POLICY.md": (corpus / "llama3.2-aup.txt").read_bytes()}))
    hub.add_model(RepoSpec(repo_id="acme/nc-model", files={"README.md": _card("cc-by-nc-4.0")}))
    hub.add_model(RepoSpec(repo_id="acme/broken", files={"README.md": _card("mit")}))
    hub.add_fault(Fault(repo_id="acme/broken", status=500, times=None))


def _scanner(hub: HubDouble, **hub_options: object) -> Scanner:
    settings = HubSettings(endpoint=hub.url, timeout=5, retries=1, backoff=0.01, **hub_options)
    return Scanner(ScanOptions(jobs=4, hub=settings))


def test_mixed_scan(hub: HubDouble, corpus: Path, tmp_path: Path) -> None:
    populate(hub, corpus)
    local = tmp_path / "local-model"
    local.mkdir()
    (local / "README.md").write_text(_card("mit"))
    targets = ["acme/apache-model", "acme/relabelled-llama", "meta/gated-llama",
               "nobody/missing", "acme/broken", "acme/nc-model", str(local)]
    result = _scanner(hub).scan([parse_target(t) for t in targets])
    by_id = {m.id: m for m in result.models}
    assert [m.id for m in result.models] == [*targets[:6], str(local)]

    apache = by_id["acme/apache-model"]
    assert apache.status == "ok" and apache.verdict == "allow"
    assert apache.license is not None and apache.license.expression == "Apache-2.0"
    assert apache.revision and len(apache.revision) == 40

    relabelled = by_id["acme/relabelled-llama"]
    assert "license-mismatch" in [f.code for f in relabelled.findings]
    assert relabelled.flags.commercial_use == "conditional"
    assert relabelled.license is not None
    assert "LicenseRef-scancode-llama-3.1-license-2024" in (relabelled.license.expression or "")

    gated = by_id["meta/gated-llama"]
    assert gated.status == "ok" and gated.gated == "manual"
    assert gated.license is not None
    assert gated.license.expression == "LicenseRef-scancode-llama-3.2-license-2024"
    assert "gated-repo" in [f.code for f in gated.findings]

    missing, broken = by_id["nobody/missing"], by_id["acme/broken"]
    assert (missing.status, missing.error and missing.error.kind) == ("error", "not-found")
    assert (broken.status, broken.error and broken.error.kind) == ("error", "hub-error")
    assert by_id["acme/nc-model"].verdict == "deny"
    assert by_id[str(local)].source == "local" and by_id[str(local)].verdict == "allow"

    # one model-info request per model (+1 retry for the broken one), no weights downloaded
    assert not [r for r in hub.requests if r.path.endswith(".safetensors")]
    assert hub.count(repo_id="acme/broken", kind="info") == 2
    assert hub.count(repo_id="acme/apache-model", kind="info") == 1


def test_approved_token_reads_gated_files(hub: HubDouble, corpus: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add_model(RepoSpec(repo_id="meta/gated-llama", gated="manual",
                           approved_tokens=(CANARY,), files={
                               "README.md": _card("llama3.2"),
                               "LICENSE.txt": (corpus / "llama3.2-license.txt").read_bytes()}))
    monkeypatch.setenv("HF_TOKEN", CANARY)
    result = _scanner(hub).scan([parse_target("meta/gated-llama")])
    (model,) = result.models
    assert CANARY in hub.tokens_seen
    assert "gated-repo" not in [f.code for f in model.findings]
    assert model.license is not None and model.license.confidence >= 90


def test_cli_json_contract_and_exit_code(hub: HubDouble, corpus: Path, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    populate(hub, corpus)
    out = tmp_path / "report.json"
    env = dict(os.environ, HF_ENDPOINT=hub.url, HF_TOKEN=CANARY)
    env.pop("HF_HUB_DISABLE_IMPLICIT_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-m", "licscan", "scan", "acme/apache-model", "nobody/missing",
         "acme/broken", "meta/gated-llama", "--format", "json", "-o", str(out),
         "--timeout", "5"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    assert report["summary"]["error"] == 2
    assert [m["status"] for m in report["models"]] == ["ok", "error", "error", "ok"]
    for text in (proc.stdout, proc.stderr, out.read_text()):
        assert CANARY not in text
    assert "acme/apache-model" in proc.stdout  # the table still goes to the terminal
    assert CANARY in hub.tokens_seen  # the token did reach the Hub


def test_exit_zero_when_all_allowed(hub: HubDouble, corpus: Path) -> None:
    populate(hub, corpus)
    env = dict(os.environ, HF_ENDPOINT=hub.url)
    proc = subprocess.run([sys.executable, "-m", "licscan", "scan", "acme/apache-model"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "licscan", "scan", "acme/nc-model",
                           "--fail-on", "review"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 1
