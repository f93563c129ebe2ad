"""The CycloneDX ML-BOM: valid 1.6 and 1.7 for every fixture and for a real scan of the demo's
models (with a failed and an unknown one), read back by the library without losing licenses."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licscan.errors import UsageError
from licscan.report import FORMATS, format_options, render, render_saved
from licscan.report.cyclonedx import build, render_dict
from licscan.report.spdx import license_expression

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "reports"
EXAMPLES = ROOT / "examples"
VERSIONS = ("1.6", "1.7")


@cache
def demo_scan() -> dict[str, Any]:
    """The demo's models scanned in-process (offline, lineage from the bundled cache, the
    demo's context), plus a folder with a license licscan does not know, a folder whose card
    cannot be read, and a Hub model that is not in the cache (a failed model)."""
    import tempfile

    from licscan.cli import cli

    tmp = Path(tempfile.mkdtemp(prefix="licscan-cdx-test-"))
    cache_dir = tmp / "cache"
    shutil.copytree(EXAMPLES / "hub-cache", cache_dir)
    for path in [cache_dir, *cache_dir.rglob("*")]:  # the cache trusts private entries only
        path.chmod(0o700 if path.is_dir() else 0o600)  # (a checkout under umask 002 is not)
    unknown = tmp / "tuesday-model"
    unknown.mkdir()
    (unknown / "README.md").write_text("---\nlicense: other\nlicense_name: tuesday-license\n"
                                       "---\n# A model\n")
    (unknown / "LICENSE").write_text("The Tuesday License\n\nYou may run this model on "
                                     "Tuesdays only. Nothing else is granted.\n")
    broken = tmp / "broken-front-matter"
    broken.mkdir()
    (broken / "README.md").write_text("---\nlicense: [unclosed\n---\n")
    out = tmp / "scan.json"
    env = {"SOURCE_DATE_EPOCH": "1767225600", "HF_HUB_OFFLINE": "1",
           "HF_ENDPOINT": "http://127.0.0.1:9"}
    cwd = os.getcwd()
    os.chdir(EXAMPLES)
    try:
        result = CliRunner().invoke(cli, [
            "scan", "--no-config", "-m", "models.yaml", "--context", "context.yaml",
            "--offline", "--cache-dir", str(cache_dir), str(unknown), str(broken),
            "someorg/not-in-the-cache", "-f", "json", "-o", str(out)], env=env)
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(out.read_text())
    shutil.rmtree(tmp, ignore_errors=True)
    return report


@cache
def validator(version: str) -> Any:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.from_version(version))


# RFC 3987 IRI references as licscan writes them: the schema's `iri-reference` format is only
# checked when rfc3987 is installed, so the tests check the characters themselves
_IRI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _assert_urls(bom: dict[str, Any]) -> None:
    for node in _walk(bom):
        if isinstance(node.get("url"), str):
            assert _IRI.fullmatch(node["url"]), node["url"]
        if isinstance(node.get("url"), list):
            assert all(_IRI.fullmatch(u) for u in node["url"]), node["url"]


def fixture_reports() -> dict[str, dict[str, Any]]:
    reports = {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}
    reports["demo"] = demo_scan()
    return reports


def test_demo_scan_has_failed_and_unknown_models() -> None:
    models = {m["id"]: m for m in demo_scan()["models"]}
    assert models["someorg/not-in-the-cache"]["status"] == "error"
    assert models["models/broken-card"]["license"] is None or \
        models["models/broken-card"]["license"]["status"] == "unresolved"
    tuesday = next(m for m in models.values() if m["id"].endswith("tuesday-model"))
    assert tuesday["license"]["status"] == "unresolved"
    assert len(models) == 11


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["demo", "hostile", "mixed", "modified", "rich"])
def test_every_fixture_is_valid_cyclonedx(name: str, version: str) -> None:
    report = fixture_reports()[name]
    text = render_dict(report, cdx_version=version)
    error = validator(version).validate_str(text)
    assert error is None, f"{name} {version}: {error}"
    bom = json.loads(text)
    assert bom["specVersion"] == version
    models = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
    assert len(models) == len(report["models"])
    _assert_only_valid_expressions(bom)
    _assert_urls(bom)


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _assert_only_valid_expressions(bom: dict[str, Any]) -> None:
    """No `license.id` anywhere (licscan writes expressions only), and every expression is
    valid SPDX with listed ids or LicenseRefs: never 'unknown', 'other' or a Hub id."""
    for node in _walk(bom):
        assert not ("license" in node and isinstance(node["license"], dict)), node
        if isinstance(node.get("expression"), str):
            checked = license_expression(node["expression"])
            assert checked.problem is None, node["expression"]
            assert str(checked.value) == node["expression"]


def _licenses(component: Any, version: str) -> tuple[str | None, str | None]:
    """(declared, concluded) of a deserialized component, from where each version keeps it."""
    from cyclonedx.model.license import LicenseExpression

    found = list(component.licenses)
    if version == "1.6" and component.evidence is not None:
        found += list(component.evidence.licenses)
    by_ack: dict[str, str] = {}
    for lic in found:
        assert isinstance(lic, LicenseExpression)
        ack = lic.acknowledgement.value if lic.acknowledgement else "none"
        assert ack not in by_ack
        by_ack[ack] = lic.value
    assert set(by_ack) <= {"declared", "concluded"}
    return by_ack.get("declared"), by_ack.get("concluded")


@pytest.mark.parametrize("version", VERSIONS)
def test_demo_bom_reads_back_without_losing_licenses(version: str) -> None:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import ComponentType

    report = demo_scan()
    bom = Bom.from_json(json.loads(render_dict(report, cdx_version=version)))  # type: ignore[attr-defined]
    by_name = {c.name: c for c in bom.components if c.type == ComponentType.MACHINE_LEARNING_MODEL}
    assert len(by_name) == len(report["models"])
    for model in report["models"]:
        component = by_name[model["id"]]
        declared, concluded = _licenses(component, version)
        lic = model["license"] or {}
        expected = lic.get("expression") if lic.get("status") == "resolved" and \
            model["status"] == "ok" else None
        assert concluded == expected, model["id"]
        assert declared == model["declared"]["expression"], model["id"]
        props = {p.name: p.value for p in component.properties}
        assert props["licscan:verdict"] == model["verdict"]
        assert props["licscan:license.status"] == (lic.get("status") or "unresolved")
    llama = by_name["models/acme-llama-support"]
    assert [a.name for a in llama.pedigree.ancestors] == ["meta-llama/Llama-3.1-8B-Instruct"]
    base = next(iter(llama.pedigree.ancestors))
    assert [a.name for a in base.pedigree.ancestors] == ["meta-llama/Llama-3.1-8B"]
    assert str(base.purl) == ("pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct@"
                              "62af17d7431d45cb16952b43bd790a98b63fcaab")
    data = {c.name: c for c in bom.components if c.type == ComponentType.DATA}
    assert _licenses(data["acme/support-tickets"], version) == ("CC-BY-NC-4.0", "CC-BY-NC-4.0")


def test_declared_and_concluded_placement_per_version() -> None:
    report = demo_scan()
    for version in VERSIONS:
        bom = build(report, version)
        llama = next(c for c in bom["components"] if c["name"] == "models/acme-llama-support")
        concluded = {"acknowledgement": "concluded",
                     "expression": "Apache-2.0 AND LicenseRef-scancode-llama-3.1-license-2024"}
        if version == "1.6":
            assert llama["licenses"] == [concluded]
            assert llama["evidence"]["licenses"] == [
                {"acknowledgement": "declared", "expression": "Apache-2.0"}]
        else:
            assert llama["licenses"][0] == {"acknowledgement": "declared",
                                            "expression": "Apache-2.0"}
            assert llama["licenses"][1]["expressionDetails"] == [{
                "licenseIdentifier": "LicenseRef-scancode-llama-3.1-license-2024",
                "url": "models/acme-llama-support/NOTICE"}]
            assert "evidence" not in llama
        props = {p["name"]: p["value"] for p in llama["properties"]}
        assert props["licscan:license-name:LicenseRef-scancode-llama-3.1-license-2024"] == \
            "Llama 3.1 Community License Agreement"
        assert {"licscan:finding:license-mismatch", "licscan:finding:lineage-naming",
                "licscan:obligation:llama3.1/display"} <= set(props)
        notice = [r for r in llama["externalReferences"] if r["type"] == "license"]
        assert notice == [{
            "type": "license", "url": "models/acme-llama-support/NOTICE",
            "comment": "license file read by licscan: NOTICE",
            "hashes": [{"alg": "SHA-256", "content": _sha256(
                EXAMPLES / "models" / "acme-llama-support" / "NOTICE")}]}]
        card = llama["modelCard"]
        dataset = next(c for c in bom["components"] if c["type"] == "data")
        assert card["modelParameters"]["datasets"] == [{"ref": dataset["bom-ref"]}]
        assert any("700,000,000" in u for u in card["considerations"]["useCases"])


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unknown_and_failed_models_carry_no_license() -> None:
    bom = build(demo_scan(), "1.7")
    for name in ("someorg/not-in-the-cache", "models/broken-card"):
        comp = next(c for c in bom["components"] if c["name"] == name)
        assert "licenses" not in comp or all(
            lic["acknowledgement"] == "declared" for lic in comp["licenses"])
        props = {p["name"]: p["value"] for p in comp["properties"]}
        assert props["licscan:license.status"] == "unresolved"
    failed = next(c for c in bom["components"] if c["name"] == "someorg/not-in-the-cache")
    props = {p["name"]: p["value"] for p in failed["properties"]}
    assert props["licscan:status"] == "error" and props["licscan:error"].startswith("not-cached")
    tuesday = next(c for c in bom["components"] if c["name"].endswith("tuesday-model"))
    assert "licenses" not in tuesday  # card says `other`: nothing valid to declare either


def test_hub_model_identity() -> None:
    report = json.loads((FIXTURES / "mixed.json").read_text())
    bom = build(report, "1.6")
    comp = next(c for c in bom["components"] if c["name"] == "example-org/tiny-classifier")
    sha = "3f1c9a8e2b7d4c6f0a1e5b9d8c7f6e5d4c3b2a10"
    assert comp["purl"] == f"pkg:huggingface/example-org/tiny-classifier@{sha}"
    assert comp["version"] == sha
    assert comp["bom-ref"] == f"model:example-org/tiny-classifier@{sha}"
    assert comp["supplier"] == {"name": "example-org", "url": ["https://huggingface.co/example-org"]}
    assert {"type": "distribution",
            "url": f"https://huggingface.co/example-org/tiny-classifier/tree/{sha}"} in \
        comp["externalReferences"]
    local = next(c for c in bom["components"] if c["name"] == "models/internal-classifier")
    assert "purl" not in local and "supplier" not in local
    mystery = next(c for c in bom["components"] if c["name"] == "someone/mystery-model")
    assert "licenses" not in mystery


def test_deterministic_serial_and_timestamp() -> None:
    report = json.loads((FIXTURES / "rich.json").read_text())
    first, second = render_dict(report), render_dict(report)
    assert first == second
    bom = json.loads(first)
    assert bom["metadata"]["timestamp"] == "2026-11-02T09:30:00Z"
    changed = json.loads(render_dict({**report, "generated_at": "2026-11-03T00:00:00Z"}))
    assert changed["serialNumber"] != bom["serialNumber"]
    assert json.loads(render_dict(report, cdx_version="1.7"))["serialNumber"] != \
        bom["serialNumber"]
    undated = json.loads(render_dict({**report, "generated_at": None}))
    assert "timestamp" not in undated["metadata"]


def test_registry_and_options() -> None:
    assert {"cyclonedx-json", "spdx3-json", "spdx-json"} <= set(FORMATS)
    assert format_options("cyclonedx-json", {"cdx_version": "1.7", "width": 80}) == \
        {"cdx_version": "1.7"}  # width belongs to text
    assert format_options("cyclonedx-json", {"cdx_version": None}) == {}
    assert format_options("text", {"cdx_version": "1.7", "width": 80}) == {"width": 80}
    assert format_options("cyclonedx-json", {"width": 80, "root": "/r"}) == {}
    report = json.loads((FIXTURES / "modified.json").read_text())
    saved = render_saved(report, "cyclonedx-json", cdx_version="1.7")
    assert json.loads(saved)["specVersion"] == "1.7"
    with pytest.raises(UsageError):
        render_dict(report, cdx_version="1.5")


def test_render_from_a_scan_result() -> None:
    from licscan.model import Declared, LicenseConclusion, ModelRef, ModelResult, ScanResult

    model = ModelResult(ref=ModelRef(kind="hub", target="org/m", repo_id="org/m"), status="ok",
                        source="hub", revision="a" * 40, verdict="allow",
                        declared=Declared(license="mit"),
                        license=LicenseConclusion(expression="MIT", name="MIT License",
                                                  confidence=95, status="resolved"))
    result = ScanResult(models=(model,), tool_version="0.1.0", rulepack={})
    for version in VERSIONS:
        bom = json.loads(render(result, "cyclonedx-json", cdx_version=version))
        comp = bom["components"][0]
        assert comp["purl"] == f"pkg:huggingface/org/m@{'a' * 40}"
        assert {"acknowledgement": "concluded", "expression": "MIT"} in comp["licenses"]


def test_rendering_does_not_import_the_validator(tmp_path: Path) -> None:
    """Neither CycloneDX's validators nor jsonschema load: a saved report is checked against
    the report schema by licscan itself (`report.load`)."""
    saved = tmp_path / "scan.json"
    saved.write_text(json.dumps(demo_scan()))
    code = (
        "import json, sys\n"
        "from licscan.report import render_saved\n"
        f"report = json.load(open({str(saved)!r}))\n"
        "for v in ('1.6', '1.7'):\n"
        "    assert render_saved(report, 'cyclonedx-json', cdx_version=v)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('cyclonedx.validation', "
        "'jsonschema', 'lxml')))\n"
        "print(json.dumps(bad))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


LICENSE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["MIT", "gpl-3.0", "LicenseRef-x", "MIT AND", "WITH", "LicenseRef-",
                     "Apache-2.0 WITH LicenseRef-e", "NOASSERTION", "NONE", "unknown", "other",
                     "(", "a:b", "LicenseRef-a AND LicenseRef-b"]),
)


def random_report(mid: str, declared: Any, concluded: str, revision: str | None, source: str,
                  path: str, link: str) -> dict[str, Any]:
    """The `rich` fixture's first model with random ids, licenses, paths and links."""
    report: dict[str, Any] = json.loads((FIXTURES / "rich.json").read_text())
    model = report["models"][0]
    model.update(id=mid, target=mid, revision=revision, source=source)
    model["declared"].update(license=declared, license_link=link, expression=None)
    model["license"]["expression"] = concluded
    model["license"]["evidence"] = [{
        "kind": "license-file", "source": source, "revision": revision, "path": path,
        "sha256": "ab" * 32, "detail": {"license": {"expression": concluded, "name": mid}}}]
    model["lineage"] = [{"id": mid, "relation": concluded, "license": concluded,
                         "revision": revision, "parents": [{"id": link, "license": declared}]}]
    model["datasets"] = [{"id": path, "license": concluded, "declared": declared,
                          "revision": revision}, mid]
    report["models"] = [model, dict(model)]
    return report


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mid=st.text(max_size=30), declared=st.one_of(LICENSE_TEXT, st.lists(LICENSE_TEXT,
                                                                           max_size=3)),
       concluded=LICENSE_TEXT, revision=st.one_of(st.none(), st.text(max_size=41),
                                                  st.just("a" * 40)),
       source=st.sampled_from(["hub", "local"]), path=st.text(min_size=1, max_size=20),
       link=st.one_of(st.text(max_size=20), st.just("https://example.org/a b{|}^`\\")))
def test_any_model_gives_a_valid_bom(mid: str, declared: Any, concluded: str,
                                     revision: str | None, source: str, path: str,
                                     link: str) -> None:
    report = random_report(mid, declared, concluded, revision, source, path, link)
    for version in VERSIONS:
        text = render_dict(report, cdx_version=version)
        error = validator(version).validate_str(text)
        assert error is None, error
        bom = json.loads(text)
        _assert_only_valid_expressions(bom)
        _assert_urls(bom)
        refs = [n["bom-ref"] for n in _walk(bom) if "bom-ref" in n]
        assert len(refs) == len(set(refs))


def test_scan_writes_the_bom_version_asked_for(tmp_path: Path) -> None:
    from licscan.cli import cli

    model = tmp_path / "mit-model"
    model.mkdir()
    (model / "README.md").write_text("---\nlicense: mit\n---\n# A model\n")
    for version in VERSIONS:
        out = tmp_path / f"bom-{version}.json"
        done = CliRunner().invoke(cli, ["scan", "--no-config", "--offline", str(model),
                                        "-f", "cyclonedx-json", "--cdx-version", version,
                                        "-o", str(out)])
        assert done.exit_code == 0, done.output
        assert validator(version).validate_str(out.read_text()) is None
        assert json.loads(out.read_text())["specVersion"] == version
    refused = CliRunner().invoke(cli, ["scan", str(model), "--cdx-version", "1.5"])
    assert refused.exit_code == 2 and "1.5" in refused.output
