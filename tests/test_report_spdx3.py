"""SPDX 3.0.1 with the AI profile: every fixture and a real scan of the demo's models round-trip
through the spdx-python-model bindings, and the structure is checked here (no SPDX 3 JSON
schema or SHACL shapes ship with an installed package: see docs/reports.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spdx_python_model import v3_0_1 as spdx

from licscan.errors import ReportError
from licscan.report import render_saved
from licscan.report.json_report import report_dict
from licscan.report.load import load_report
from licscan.report.spdx import license_expression
from licscan.report.spdx3 import DATA_LICENSE, Spdx3Error, build_objects, render_dict, serialize
from tests.test_report_cyclonedx import EXAMPLES, LICENSE_TEXT, fixture_reports, random_report

NO_ASSERTION = spdx.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense
_ID = re.compile(r"https://licscan\.invalid/spdx3/scan-[0-9a-f]{32}#[A-Za-z0-9.-]+")
NAMES = ["demo", "hostile", "mixed", "modified", "rich"]


def _load(text: str) -> Any:
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().deserialize_data(json.loads(text), objects)
    return objects


class Doc:
    """The deserialized document, indexed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.objects = _load(text)
        self.by_id = {o.spdxId: o for o in self.objects.foreach() if getattr(o, "spdxId", None)}
        self.out: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for rel in self.objects.foreach_type(spdx.Relationship):
            for target in rel.to:
                self.out[(_ref(rel.from_), str(rel.relationshipType))].append(target)
        self.document = next(iter(self.objects.foreach_type(spdx.SpdxDocument)))

    def related(self, element: Any, kind: str) -> list[Any]:
        return self.out[(element.spdxId, kind)]

    def expression(self, element: Any, kind: str) -> str | None:
        targets = self.related(element, kind)
        assert len(targets) == 1, (element.name, kind, targets)
        target = targets[0]
        if target == NO_ASSERTION:
            return None
        assert isinstance(target, spdx.simplelicensing_LicenseExpression)
        return str(target.simplelicensing_licenseExpression)


def _ref(value: Any) -> str:
    return value if isinstance(value, str) else str(value.spdxId)


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_through_the_bindings(name: str) -> None:
    report = fixture_reports()[name]
    text = render_dict(report)
    doc = Doc(text)
    # nothing dangles but the listed CC0-1.0 data license, which lives at spdx.org
    assert doc.objects.link() == {DATA_LICENSE}
    assert serialize(doc.objects) == text  # written again byte for byte
    assert json.loads(text)["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    info = next(iter(doc.objects.foreach_type(spdx.CreationInfo)))
    assert info.specVersion == "3.0.1"
    ids = set(doc.by_id) - {doc.document.spdxId}
    assert {_ref(e) for e in doc.document.element} == ids
    assert all(_ID.fullmatch(i) for i in doc.by_id), sorted(doc.by_id)


@pytest.mark.parametrize("name", NAMES)
def test_models_and_their_licenses(name: str) -> None:
    report = fixture_reports()[name]
    doc = Doc(render_dict(report))
    roots = [doc.by_id[_ref(e)] for e in doc.document.rootElement]
    assert len(roots) == len(report["models"])
    if name != "hostile":  # hostile ids are shown escaped
        assert [r.name for r in roots] == [m["id"] for m in report["models"]]
    assert all(isinstance(r, spdx.ai_AIPackage) for r in roots)
    for model, package in zip(report["models"], roots, strict=True):
        assert package.software_primaryPurpose == spdx.software_SoftwarePurpose.model
        lic = model.get("license") or {}
        concluded = doc.expression(package, spdx.RelationshipType.hasConcludedLicense)
        declared = doc.expression(package, spdx.RelationshipType.hasDeclaredLicense)
        if model["status"] != "ok" or lic.get("status") != "resolved":
            assert concluded is None
        elif license_expression(lic.get("expression")).problem is None:
            assert concluded == str(license_expression(lic["expression"]).value)
        if name == "demo":
            assert declared == model["declared"]["expression"]
        for expr in (concluded, declared):
            if expr is not None:
                assert license_expression(expr).problem is None, expr
    _check_custom_licenses(doc)


def _check_custom_licenses(doc: Doc) -> None:
    """Every LicenseRef of every expression maps to a CustomLicense in the document."""
    for element in doc.objects.foreach_type(spdx.simplelicensing_LicenseExpression):
        refs = license_expression(element.simplelicensing_licenseExpression).refs
        mapping = {e.key: e.value for e in element.simplelicensing_customIdToUri}
        assert set(mapping) == set(refs)
        for ref, target in mapping.items():
            custom = doc.by_id[target]
            assert isinstance(custom, spdx.expandedlicensing_CustomLicense)
            assert custom.name and custom.simplelicensing_licenseText
            assert target.endswith(f"#{ref}")


def test_demo_structure() -> None:
    report = fixture_reports()["demo"]
    doc = Doc(render_dict(report))
    packages = {p.name: p for p in doc.objects.foreach_type(spdx.ai_AIPackage)}
    llama = packages["models/acme-llama-support"]
    custom = {c.spdxId.rsplit("#", 1)[1]: c.name
              for c in doc.objects.foreach_type(spdx.expandedlicensing_CustomLicense)}
    assert custom["LicenseRef-scancode-llama-3.1-license-2024"] == \
        "Llama 3.1 Community License Agreement"
    (base,) = doc.related(llama, spdx.RelationshipType.descendantOf)
    assert base.name == "meta-llama/Llama-3.1-8B-Instruct"
    assert base.software_packageUrl == ("pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct@"
                                        "62af17d7431d45cb16952b43bd790a98b63fcaab")
    assert base.suppliedBy.name == "meta-llama"
    assert doc.expression(base, spdx.RelationshipType.hasConcludedLicense) == \
        "LicenseRef-scancode-llama-3.1-license-2024"
    (grand,) = doc.related(base, spdx.RelationshipType.descendantOf)
    assert grand.name == "meta-llama/Llama-3.1-8B"
    (dataset,) = doc.related(llama, spdx.RelationshipType.trainedOn)
    assert isinstance(dataset, spdx.dataset_DatasetPackage)
    assert doc.expression(dataset, spdx.RelationshipType.hasConcludedLicense) == "CC-BY-NC-4.0"
    (notice,) = doc.related(llama, spdx.RelationshipType.contains)
    assert notice.name == "NOTICE"
    (digest,) = notice.verifiedUsing
    assert digest.algorithm == spdx.HashAlgorithm.sha256
    notice_file = EXAMPLES / "models" / "acme-llama-support" / "NOTICE"
    assert digest.hashValue == hashlib.sha256(notice_file.read_bytes()).hexdigest()
    (extension,) = llama.extension
    props = {p.extension_cdxPropName: p.extension_cdxPropValue
             for p in extension.extension_cdxProperty}
    assert props["licscan:verdict"] == "review"
    assert "licscan:obligation:llama3.1/display" in props
    failed = packages["someorg/not-in-the-cache"]
    assert doc.expression(failed, spdx.RelationshipType.hasConcludedLicense) is None
    assert "Not scanned: not-cached" in failed.comment


def test_deterministic_and_content_addressed() -> None:
    report = fixture_reports()["rich"]
    first = render_dict(report)
    assert first == render_dict(report)
    assert '"created": "2026-11-02T09:30:00Z"' in first
    other = render_dict({**report, "generated_at": None})
    assert '"created": "1970-01-01T00:00:00Z"' in other
    ns = re.search(r"scan-[0-9a-f]{32}", first)
    assert ns and ns.group(0) not in other


def test_bindings_refuse_an_incomplete_document() -> None:
    """The check the writer makes is real: a dataset without its required type is refused."""
    objects = build_objects(fixture_reports()["rich"])
    dataset = next(iter(objects.foreach_type(spdx.dataset_DatasetPackage)))
    del dataset.dataset_datasetType
    with pytest.raises(Spdx3Error, match="dataset_datasetType"):
        serialize(objects)


def test_registry_and_empty_report() -> None:
    report = fixture_reports()["modified"]
    assert render_saved(report, "spdx3-json", cdx_version="1.7") == \
        render_dict(report_dict(load_report(report)))
    with pytest.raises(ReportError):
        render_dict({**report, "models": []})
    with pytest.raises(ReportError):  # a saved report is checked before it is rendered
        render_saved({**report, "models": [{"id": 1}]}, "spdx3-json")


def test_demo_file_hash_is_the_reports() -> None:
    report = fixture_reports()["demo"]
    doc = Doc(render_dict(report))
    hashes = [f.verifiedUsing[0].hashValue for f in doc.objects.foreach_type(spdx.software_File)]
    assert len(hashes) == 4  # LICENSE of internal-classifier, qwen, tuesday; llama NOTICE
    qwen = next(m for m in report["models"] if m["id"] == "models/qwen-support-7b")
    lic_file = next(e for e in qwen["license"]["evidence"] if e.get("path") == "LICENSE")
    assert lic_file["sha256"] in hashes


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mid=st.text(max_size=30), declared=st.one_of(LICENSE_TEXT, st.lists(LICENSE_TEXT,
                                                                           max_size=3)),
       concluded=LICENSE_TEXT, revision=st.one_of(st.none(), st.text(max_size=41),
                                                  st.just("a" * 40)),
       source=st.sampled_from(["hub", "local"]), path=st.text(min_size=1, max_size=20),
       link=st.one_of(st.text(max_size=20), st.just("https://example.org/LICENSE")))
def test_any_model_gives_a_document_that_round_trips(mid: str, declared: Any, concluded: str,
                                                     revision: str | None, source: str,
                                                     path: str, link: str) -> None:
    report = random_report(mid, declared, concluded, revision, source, path, link)
    text = render_dict(report)
    doc = Doc(text)
    assert doc.objects.link() == {DATA_LICENSE}
    assert serialize(doc.objects) == text
    assert all(_ID.fullmatch(i) for i in doc.by_id), sorted(doc.by_id)
    roots = [doc.by_id[_ref(e)] for e in doc.document.rootElement]
    assert len(roots) == 2
    for package in roots:
        for kind in (spdx.RelationshipType.hasConcludedLicense,
                     spdx.RelationshipType.hasDeclaredLicense):
            expr = doc.expression(package, kind)
            assert expr is None or license_expression(expr).problem is None
    _check_custom_licenses(doc)
