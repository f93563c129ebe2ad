"""The SPDX 2.3 report: valid for every fixture, faithful to the scan, deterministic."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from licscan.errors import ReportError
from licscan.model import Declared, LicenseConclusion, ModelRef, ModelResult, ScanResult
from licscan.report import spdx
from licscan.report.json_report import report_dict

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
NAMES = ("mixed", "modified", "rich", "hostile")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def written(report: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(spdx.render_dict(report))
    return data


def packages(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in doc["packages"]}


def relations(doc: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    names = {p["SPDXID"]: p["name"] for p in doc["packages"]} | {"SPDXRef-DOCUMENT": "DOC"}
    return [(names[r["spdxElementId"]], names[r["relatedSpdxElement"]])
            for r in doc["relationships"] if r["relationshipType"] == kind]


@pytest.mark.parametrize("name", NAMES)
def test_written_document_parses_back_and_validates(name: str, tmp_path: Path) -> None:
    path = tmp_path / "doc.spdx.json"
    path.write_text(spdx.render_dict(load(name)), encoding="utf-8")
    document = parse_from_file(str(path))
    assert [m.validation_message for m in validate_full_spdx_document(document)] == []
    assert len(document.packages) >= len(load(name)["models"])


@pytest.mark.parametrize("name", NAMES)
def test_same_input_same_bytes(name: str) -> None:
    assert spdx.render_dict(load(name)) == spdx.render_dict(load(name))


def test_one_described_package_per_model_with_claim_and_conclusion() -> None:
    doc = written(load("mixed"))
    assert {b for _, b in relations(doc, "DESCRIBES")} == {m["id"] for m in load("mixed")["models"]}
    pkgs = packages(doc)
    tiny = pkgs["example-org/tiny-classifier"]
    rev = "3f1c9a8e2b7d4c6f0a1e5b9d8c7f6e5d4c3b2a10"
    assert tiny["downloadLocation"] == f"https://huggingface.co/example-org/tiny-classifier/tree/{rev}"
    assert tiny["versionInfo"] == rev
    assert (tiny["licenseDeclared"], tiny["licenseConcluded"]) == ("MIT", "MIT")
    assert tiny["externalRefs"][0]["referenceLocator"] == \
        f"pkg:huggingface/example-org/tiny-classifier@{rev}"
    llama = pkgs["community/llama-3.1-8b-gguf"]
    assert llama["licenseDeclared"] == "NOASSERTION"  # llama3.1 is a Hub id, not SPDX
    assert llama["licenseConcluded"] == "LicenseRef-licscan-llama3.1"
    assert pkgs["acme/nc-research-model"]["licenseDeclared"] == "CC-BY-NC-4.0"
    failed = pkgs["missing-org/does-not-exist"]
    assert (failed["licenseDeclared"], failed["licenseConcluded"]) == ("NOASSERTION",
                                                                       "NOASSERTION")
    assert "Not scanned: not-found" in failed["comment"]
    unresolved = pkgs["someone/mystery-model"]
    assert unresolved["licenseConcluded"] == "NOASSERTION"
    local = pkgs["models/internal-classifier"]
    assert local["downloadLocation"] == "NOASSERTION" and "versionInfo" not in local
    assert all(p["filesAnalyzed"] is False for p in doc["packages"])


def test_unresolved_conclusion_is_noassertion_even_with_an_expression() -> None:
    doc = written(load("modified"))
    pkg = packages(doc)["acme/apache-with-a-twist"]
    assert (pkg["licenseDeclared"], pkg["licenseConcluded"]) == ("Apache-2.0", "NOASSERTION")


def test_every_license_ref_is_explained_without_license_text() -> None:
    for name in NAMES:
        doc = written(load(name))
        used = set()
        for pkg in doc["packages"]:
            for key in ("licenseDeclared", "licenseConcluded"):
                used |= set(re.findall(r"LicenseRef-[A-Za-z0-9.-]+", pkg.get(key, "")))
        infos = {i["licenseId"]: i for i in doc.get("hasExtractedLicensingInfos", [])}
        assert set(infos) == used, name
        for info in infos.values():
            assert info["name"] and "licscan" in info["extractedText"]
            assert len(info["extractedText"]) < 400
    infos = {i["licenseId"]: i for i in written(load("rich"))["hasExtractedLicensingInfos"]}
    assert infos["LicenseRef-licscan-llama3.1"]["name"] == "Llama 3.1 Community License Agreement"
    assert "rule pack (licscan-builtin 2026.11.0)" in \
        infos["LicenseRef-scancode-gemma-tou-2024-04-01"]["extractedText"]


def test_lineage_becomes_descendant_of_and_datasets_other() -> None:
    doc = written(load("rich"))
    assert relations(doc, "DESCENDANT_OF") == [
        ("acme/llama-support", "meta-llama/Llama-3.1-8B-Instruct"),
        ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B"),
        ("acme/old-experiment", "google/gemma-2-2b-it")]
    assert ("acme/llama-support", "acme/support-tickets") in relations(doc, "OTHER")
    base = packages(doc)["meta-llama/Llama-3.1-8B-Instruct"]
    assert base["licenseConcluded"] == "LicenseRef-licscan-llama3.1"
    assert base["downloadLocation"].endswith("/tree/0e9e39f249a16976918f6564b8830bc894c89659")
    assert {b for _, b in relations(doc, "DESCRIBES")} == {"acme/llama-support",
                                                           "acme/old-experiment"}


def test_a_scanned_model_that_is_also_a_base_is_one_package() -> None:
    report = load("rich")
    base = copy.deepcopy(load("mixed")["models"][0])
    base["id"] = "meta-llama/Llama-3.1-8B-Instruct"
    report["models"].append(base)
    doc = written(report)
    assert [p["name"] for p in doc["packages"]].count("meta-llama/Llama-3.1-8B-Instruct") == 1


def test_declared_expression_from_the_report_wins() -> None:
    report = load("mixed")
    report["models"][1]["declared"]["expression"] = "LicenseRef-licscan-llama3.1"
    pkg = packages(written(report))["community/llama-3.1-8b-gguf"]
    assert pkg["licenseDeclared"] == "LicenseRef-licscan-llama3.1"


def test_spdx_ids_are_safe_and_unique() -> None:
    report = load("hostile")
    twin = copy.deepcopy(report["models"][0])
    twin["revision"] = "f" * 40
    report["models"] += [twin, copy.deepcopy(twin)]
    doc = written(report)
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", i) for i in ids)


def test_namespace_is_a_hash_of_the_content_and_created_is_generated_at() -> None:
    one, report = written(load("mixed")), load("mixed")
    assert one["creationInfo"]["created"] == "2026-11-02T09:30:00Z"
    assert re.fullmatch(r"https://licscan\.invalid/spdx/scan-[0-9a-f]{64}",
                        one["documentNamespace"])
    report["models"][0]["verdict_reason"] = "changed"
    assert written(report)["documentNamespace"] != one["documentNamespace"]
    report["generated_at"] = None
    assert written(report)["creationInfo"]["created"] == "1970-01-01T00:00:00Z"
    assert one["creationInfo"]["creators"] == ["Tool: licscan-0.1.0"]
    assert "licscan-builtin" in one["creationInfo"]["comment"]


def test_a_report_without_models_is_refused() -> None:
    with pytest.raises(ReportError, match="no models"):
        spdx.render_dict({"schema_version": 1, "models": []})


def test_render_is_render_dict_of_the_json() -> None:
    model = ModelResult(
        ref=ModelRef(kind="hub", target="o/m", repo_id="o/m"), status="ok", source="hub",
        revision="b" * 40, verdict="allow", declared=Declared(license="apache-2.0"),
        license=LicenseConclusion("Apache-2.0", "Apache License 2.0", 97, "resolved"))
    result = ScanResult(models=(model,), tool_version="1.2.3",
                        rulepack={"name": "p", "version": "1", "hash": "sha256:" + "0" * 64},
                        generated_at="2026-01-01T00:00:00Z")
    text = spdx.render(result)
    assert text == spdx.render_dict(report_dict(result))
    assert packages(json.loads(text))["o/m"]["licenseConcluded"] == "Apache-2.0"


@pytest.mark.parametrize(("text", "expected"), [
    ("MIT", "MIT"),
    ("apache-2.0", "Apache-2.0"),
    ("MIT OR (Apache-2.0 AND LicenseRef-licscan-x.1)", "MIT OR (Apache-2.0 AND "
                                                         "LicenseRef-licscan-x.1)"),
    ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
    ("llama3.1", "NOASSERTION"),
    ("other", "NOASSERTION"),
    ("MIT WITH Apache-2.0", "NOASSERTION"),
    ("LicenseRef-a_b", "NOASSERTION"),
    ("DocumentRef-x:LicenseRef-y", "NOASSERTION"),
    ("(MIT", "NOASSERTION"),
    ("", "NOASSERTION"),
])
def test_license_expression(text: str, expected: str) -> None:
    assert str(spdx.license_expression(text).value) == expected


LICENSE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["MIT", "gpl-3.0", "LicenseRef-x", "MIT AND", "WITH", "LicenseRef-",
                     "Apache-2.0 WITH LicenseRef-e", "NOASSERTION", "NONE", "mit+", "(", "a:b"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mid=st.text(max_size=30), declared=st.one_of(LICENSE_TEXT, st.lists(LICENSE_TEXT,
                                                                           max_size=3)),
       concluded=LICENSE_TEXT, revision=st.one_of(st.none(), st.text(max_size=41)),
       source=st.sampled_from(["hub", "local"]))
def test_any_model_gives_a_valid_document(mid: str, declared: Any, concluded: str,
                                          revision: str | None, source: str) -> None:
    model = copy.deepcopy(load("mixed")["models"][0])
    model.update(id=mid, revision=revision, source=source)
    model["declared"]["license"] = declared
    model["license"]["expression"] = concluded
    model["lineage"] = [{"id": mid, "relation": concluded, "license": concluded}]
    report = load("mixed") | {"models": [model]}
    assert list(spdx.problems(spdx.build_document(report))) == []


def test_the_demo_scan_renders_valid_spdx_and_html(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from licscan.cli import main
    from licscan.report import html

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1793611800")
    out = tmp_path / "demo.json"
    with pytest.raises(SystemExit):
        main(["demo", "-o", str(out)])
    capsys.readouterr()
    report = json.loads(out.read_text(encoding="utf-8"))
    assert list(spdx.problems(spdx.build_document(report))) == []
    doc = written(report)
    assert len(relations(doc, "DESCRIBES")) == len(report["models"]) >= 8
    page = html.render_dict(report)
    assert page == html.render_dict(json.loads(out.read_text(encoding="utf-8")))
    assert all(m["id"] in page for m in report["models"])
