"""The SARIF and Markdown renderers: violations only, manifest locations, valid when clean,
escaped when hostile, identical from a ScanResult and from a saved JSON report."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from licscan.model import (
    Finding,
    Flags,
    LicenseConclusion,
    ModelError,
    ModelRef,
    ModelResult,
    Origin,
    ScanResult,
)
from licscan.policy.findings import CATALOGUE
from licscan.report import markdown, sarif
from licscan.report.json_report import report_dict

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "reports"
LEVELS = {"none", "note", "warning", "error"}


# --- a minimal structural check of SARIF 2.1.0 (the parts GitHub code scanning reads) ----------


def _text(obj: Any, where: str) -> None:
    assert isinstance(obj, dict) and isinstance(obj.get("text"), str) and obj["text"], where


def validate_sarif(log: Mapping[str, Any]) -> None:
    assert log.get("version") == "2.1.0"
    assert isinstance(log.get("$schema"), str) and "sarif-2.1.0" in log["$schema"]
    assert isinstance(log.get("runs"), list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert isinstance(driver.get("name"), str) and isinstance(driver.get("version"), str)
    rules = driver.get("rules")
    assert isinstance(rules, list)
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for rule in rules:
        assert isinstance(rule["id"], str) and rule["id"]
        _text(rule.get("shortDescription"), rule["id"])
        _text(rule.get("fullDescription"), rule["id"])
        _text(rule.get("help"), rule["id"])
        assert re.match(r"^https://", rule.get("helpUri", "")), rule["id"]
        assert rule["defaultConfiguration"]["level"] in LEVELS
    assert isinstance(run.get("results"), list)
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert isinstance(result.get("ruleIndex"), int) and ids[result["ruleIndex"]] == \
            result["ruleId"]
        assert result.get("level") in LEVELS
        _text(result.get("message"), result["ruleId"])
        assert all(isinstance(k, str) and isinstance(v, str)
                   for k, v in result.get("partialFingerprints", {}).items())
        assert isinstance(result.get("locations"), list) and result["locations"]
        for location in result["locations"]:
            physical = location.get("physicalLocation")
            if physical is None:
                assert location["logicalLocations"][0]["name"]
                continue
            uri = physical["artifactLocation"]["uri"]
            assert isinstance(uri, str) and "\\" not in uri and not uri.startswith("/")
            if "region" in physical:
                assert isinstance(physical["region"]["startLine"], int)
                assert physical["region"]["startLine"] >= 1


def test_the_validator_rejects_broken_logs() -> None:
    good = json.loads(sarif.render_dict(_report(_result())))
    validate_sarif(good)
    for breaks in (lambda log: log.update(version="2.0.0"),
                   lambda log: log["runs"][0]["results"][0].update(ruleId="nope"),
                   lambda log: log["runs"][0]["results"][0].update(level="fatal"),
                   lambda log: log["runs"][0]["tool"]["driver"]["rules"].append(
                       log["runs"][0]["tool"]["driver"]["rules"][0])):
        broken = json.loads(json.dumps(good))
        breaks(broken)
        with pytest.raises((AssertionError, KeyError)):
            validate_sarif(broken)


# --- scans to render ---------------------------------------------------------------------------


def _model(model_id: str, verdict: str, *, expression: str | None = "MIT", line: int | None = 3,
           findings: tuple[Finding, ...] = (), error: ModelError | None = None) -> ModelResult:
    ref = ModelRef(kind="hub", target=model_id, repo_id=model_id, revision="main",
                   origin=Origin("models.yaml", line) if line else Origin())
    return ModelResult(
        ref=ref, status="error" if error else "ok", source="hub",
        revision=None if error else "c" * 40, verdict=verdict,
        license=None if error else LicenseConclusion(
            expression, None, 90, "resolved", (expression.lower(),) if expression else ()),
        flags=Flags(commercial_use="allowed"), findings=findings, error=error,
        verdict_reason=f"reason for {model_id}",
        decided_by="policy:deny[0]" if verdict == "deny" else "default-policy")


def _result(*models: ModelResult) -> ScanResult:
    models = models or (
        _model("acme/ok", "allow", line=2),
        _model("acme/nc", "deny", expression="CC-BY-NC-4.0", line=4, findings=(
            Finding("license-mismatch", "review", "the card and the files disagree"),
            Finding("license-file-missing", "info", "no LICENSE"))),
        _model("acme/llama", "review", line=6),
        _model("acme/gone", "review", line=8, error=ModelError("not-found", "no such model")),
        _model("cli/target", "review", line=None))
    return ScanResult(models=models, tool_version="9.9.9",
                      rulepack={"name": "p", "version": "1", "hash": "sha256:" + "0" * 64},
                      generated_at="2026-01-01T00:00:00Z")


def _report(result: ScanResult) -> dict[str, Any]:
    return report_dict(result)


def test_sarif_has_results_for_deny_and_review_only_at_the_manifest_lines() -> None:
    log = json.loads(sarif.render(_result()))
    validate_sarif(log)
    results = log["runs"][0]["results"]
    summary = [(r["ruleId"], r["level"], r["properties"]["model"],
                r["locations"][0].get("physicalLocation", {}).get("region", {}).get("startLine"))
               for r in results]
    assert summary == [
        ("licscan/deny", "error", "acme/nc", 4),
        ("license-mismatch", "warning", "acme/nc", 4),
        ("licscan/review", "warning", "acme/llama", 6),
        ("licscan/scan-error", "error", "acme/gone", 8),
        ("licscan/review", "warning", "cli/target", None)]
    first = results[0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "models.yaml", "uriBaseId": "%SRCROOT%"}
    assert first["message"]["text"] == ("acme/nc (CC-BY-NC-4.0): deny: reason for acme/nc; "
                                        "The card contradicts the files "
                                        "[decided by policy:deny[0]]")
    assert first["properties"]["duties"] == {"attribution": "no", "share_alike": "no",
                                             "acceptable_use_policy": "no"}
    assert results[-1]["locations"] == [{"logicalLocations": [{"name": "cli/target",
                                                               "kind": "module"}]}]
    fingerprints = [r["partialFingerprints"]["licscanModel/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_rules_cover_every_finding_code_and_the_verdicts() -> None:
    log = json.loads(sarif.render(_result()))
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"licscan/deny", "licscan/review", "licscan/scan-error"} <= set(rules)
    assert set(CATALOGUE) <= set(rules)
    assert rules["license-mismatch"]["helpUri"].endswith("docs/findings.md#license-mismatch")
    assert rules["license-mismatch"]["help"]["text"].startswith(CATALOGUE["license-mismatch"])
    assert rules["licscan/deny"]["defaultConfiguration"]["level"] == "error"
    policy_doc = (REPO / "docs" / "policy.md").read_text()
    for rule_id in ("licscan/deny", "licscan/review", "licscan/scan-error"):
        anchor = rules[rule_id]["helpUri"].split("#")[1]
        headings = [re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.+)$", policy_doc, re.MULTILINE)]
        assert anchor in headings, anchor


def test_a_clean_scan_is_a_valid_log_without_results() -> None:
    log = json.loads(sarif.render(_result(_model("acme/ok", "allow"))))
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"]


def test_saved_reports_render_to_valid_sarif() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        report = json.loads(path.read_text())
        log = json.loads(sarif.render_dict(report))
        validate_sarif(log)
        flagged = {m["id"] for m in report["models"]
                   if m["verdict"] != "allow" or m["status"] == "error"}
        assert {r["properties"]["model"] for r in log["runs"][0]["results"]} == flagged


def test_sarif_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    manifest = tmp_path / "deploy" / "models.yaml"
    result = _result(_model("acme/nc", "deny"))
    moved = ScanResult(models=tuple(
        ModelResult(**{**m.__dict__, "ref": ModelRef(**{**m.ref.__dict__,
                                                        "origin": Origin(str(manifest), 7)})})
        for m in result.models), tool_version="1", rulepack=result.rulepack)
    log = json.loads(sarif.render(moved, root=str(tmp_path)))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "deploy/models.yaml"
    assert location["region"] == {"startLine": 7}


# --- Markdown ----------------------------------------------------------------------------------


def test_markdown_summary() -> None:
    text = markdown.render(_result())
    assert text.startswith("## ❌ licscan: 1 deny, 3 review, 1 allow\n")
    attention = text.split("### Needs attention\n", 1)[1].split("### Models", 1)[0]
    assert ("**acme/nc** (models.yaml:4) — **deny** (decided by policy:deny\\[0\\]), because:\n"
            "  - **reason for acme/nc**\n"
            "  - **The card contradicts the files**: the card and the files disagree "
            "\\(license-mismatch\\)\n") in attention
    assert "no LICENSE" not in attention  # info findings stay out
    assert "**acme/gone** (models.yaml:8) — not scanned (not-found): no such model" in attention
    # worst first: deny, then review (the model that could not be scanned first), then allow
    order = re.findall(r"^- \S+ \*\*(\S+)\*\*", attention, re.MULTILINE)
    assert order == ["acme/nc", "acme/gone", "acme/llama", "cli/target"]
    assert "acme/ok" not in attention
    rows = [line for line in text.splitlines() if line.startswith("| ") and "acme/" in line]
    assert len(rows) == 4 and rows[0].startswith("| ❌ | acme/nc | cccccccccccc | CC-BY-NC-4.0 |")
    assert rows[-1].startswith("| ✅ | acme/ok | cccccccccccc | MIT | allowed | "
                               "attribution: no, share-alike: no, use policy: no | **allow** |")
    assert markdown.render(_result()) == text == markdown.render_dict(_report(_result()))


def test_markdown_escapes_what_model_cards_control() -> None:
    report = json.loads((FIXTURES / "hostile.json").read_text())
    text = markdown.render_dict(report)
    assert "<" not in text.replace("&lt;", "") and ">" not in text.replace("&gt;", "")
    assert "](" not in text
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| |"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 10, line  # 9 cells, none injected
    evil = {"verdict_reason": "line one\n## injected heading\n[x](javascript:alert(1))"}
    report["models"][0].update(evil)
    text = markdown.render_dict(report)
    assert "\n## injected" not in text and "](javascript" not in text


def test_a_clean_markdown_summary() -> None:
    text = markdown.render(_result(_model("acme/ok", "allow")))
    assert text.startswith("## ✅ licscan: 0 deny, 0 review, 1 allow")
    assert "Needs attention" not in text
