"""A saved JSON report is read back through one loader (`licscan.report.load`): validated
against the report schema, then typed. The round trip of a report licscan writes is exact, every
format renders the saved report as it rendered the scan, and an invalid report is refused with
the place it breaks the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licscan.cli.report_cmd import report_command
from licscan.errors import ReportError
from licscan.identify.result import TextIdentification
from licscan.model import (
    CardOrigin,
    Lineage,
    LineageNode,
    ScannedBase,
    ScanResult,
    TextRead,
)
from licscan.report import FORMATS, render, render_saved
from licscan.report.html import lineage_view
from licscan.report.json_report import render_dict, report_dict
from licscan.report.load import load_report, pointer, read_report
from licscan.report.model_view import lineage_roots
from licscan.terms.context import Context
from licscan.vocab import Permission, Severity, Verdict
from tests.test_report_consistency import _scan
from tests.test_report_cyclonedx import demo_scan

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "reports"


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return demo_scan()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanResult]:
    yield _scan(tmp_path_factory.mktemp("fresh"),
                Context(use="commercial", distribution="hosted", regions=("US",)))


def _json(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(render_dict(report))
    return out


def test_the_packaged_schema_is_the_documented_one() -> None:
    assert (REPO / "licscan/schemas/report.schema.json").read_bytes() == \
        (REPO / "docs/schemas/report.schema.json").read_bytes()


def test_the_demo_report_round_trips_byte_for_byte(demo: dict[str, Any]) -> None:
    saved = _json(demo)
    back = load_report(saved)
    assert render_dict(report_dict(back)) == render_dict(saved)


def test_a_fresh_scan_round_trips_and_renders_the_same_in_every_format(
        fresh: ScanResult) -> None:
    saved = _json(report_dict(fresh))
    back = load_report(saved)
    assert report_dict(back) == saved
    for fmt in FORMATS:
        options = {"width": 120, "color": False} if fmt == "text" else {}
        assert render_saved(saved, fmt, **options) == render(fresh, fmt, **options), fmt


def test_read_back_values_are_typed(demo: dict[str, Any]) -> None:
    back = load_report(_json(demo))
    models = {m.id: m for m in back.models}
    assert all(isinstance(m.verdict, Verdict) for m in back.models)
    assert all(isinstance(f.severity, Severity) for m in back.models for f in m.findings)
    assert all(isinstance(m.flags.commercial_use, Permission) for m in back.models)
    details = [e.detail for m in back.models if m.license for e in m.license.evidence]
    assert any(isinstance(d, CardOrigin) for d in details)
    reads = [d for d in details if isinstance(d, TextRead) and d.identification is not None]
    assert reads and all(isinstance(d.identification, TextIdentification) for d in reads)
    lineages = [m.lineage for m in models.values() if m.lineage is not None]
    assert lineages and all(isinstance(n, LineageNode) for lin in lineages for n in lin.parents)


@pytest.mark.parametrize(("change", "where"), [
    (lambda r: r["models"][0].update(verdict="maybe"), "/models/0/verdict"),
    (lambda r: r["models"][0]["findings"].append({"code": "x", "severity": "fine",
                                                   "message": "m", "evidence": []}),
     "/models/0/findings/"),
    (lambda r: r["models"][0]["flags"].update(commercial_use="sure"),
     "/models/0/flags/commercial_use"),
    (lambda r: r["models"][0]["findings"].append({"code": "x\n", "severity": "info",
                                                   "message": "m", "evidence": []}),
     "/models/0/findings/"),  # JSON Schema's `$` is the end of the text, not a final newline
    (lambda r: r.pop("summary"), "/"),
    (lambda r: r["models"][1].pop("license"), "/models/1"),
])
def test_an_invalid_report_is_refused_saying_where(demo: dict[str, Any], change: Any,
                                                   where: str) -> None:
    report = _json(demo)
    change(report)
    with pytest.raises(ReportError) as refused:
        load_report(report, "scan.json")
    assert (refused.value.key or "").startswith(where)
    assert refused.value.file == "scan.json"


def test_a_tampered_report_is_refused_before_any_format_renders_it() -> None:
    """hostile.json puts payloads into enum fields: outside the contract, so no format sees it
    (the renderers' own escaping is tested with it in test_report_html.py)."""
    hostile = json.loads((FIXTURES / "hostile.json").read_text(encoding="utf-8"))
    for fmt in FORMATS:
        with pytest.raises(ReportError) as refused:
            render_saved(hostile, fmt)
        assert refused.value.key == "/models/0/datasets/0/commercial_use"
    runner = CliRunner()
    done = runner.invoke(report_command, [str(FIXTURES / "hostile.json"), "-f", "html"])
    assert done.exit_code != 0 and "<script>" not in (done.output or "")


def test_the_cli_refuses_an_edited_report(tmp_path: Path, demo: dict[str, Any],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from licscan.cli import main

    report = _json(demo)
    report["models"][2]["verdict"] = "fine"
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(path), "-f", "json"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"{path}: /models/2/verdict: 'fine' is not one of" in err
    with pytest.raises(ReportError) as refused:
        read_report(str(path))
    assert refused.value.key == "/models/2/verdict" and refused.value.file == str(path)


def test_json_pointer_escapes() -> None:
    assert pointer(["models", 0, "a/b~c"]) == "/models/0/a~1b~0c"
    assert pointer([]) == "/"


def test_evidence_detail_is_written_as_before() -> None:
    ident = TextIdentification(status="unknown", reason="no match")
    assert CardOrigin("README.md").to_dict() == {"origin": "README.md"}
    assert list(TextRead(ident).to_dict()) == ["status", "expression", "license", "matches",
                                               "alternatives", "reason", "qualifiers"]
    assert TextRead(status="too-large", reason="cap", found_by="content",
                    truncated=True).to_dict() == {"status": "too-large", "reason": "cap",
                                                  "found_by": "content", "truncated": True}
    assert list(TextRead(ident, section="License").to_dict())[-1] == "section"
    assert TextRead(section="Usage").to_dict() == {"section": "Usage"}


def test_lineage_is_typed_and_read_in_one_shape() -> None:
    node = {"id": "a/base", "relation": "finetune", "status": "ok", "revision": "r",
            "license": "MIT", "rules": ["mit"], "gated": None,
            "parents": [{"id": "a/root", "relation": None, "status": "error",
                         "reason": "gone", "parents": []}]}
    lineage = Lineage("m <-finetune- a/base [MIT]", "MIT", (), (node,))  # type: ignore[arg-type]
    base = lineage.parents[0]
    assert base.scanned == ScannedBase("r", "MIT", ("mit",), None)
    assert base.parents[0].scanned is None and base.parents[0].reason == "gone"
    assert base.to_dict() == node
    assert lineage_roots(lineage) == (base,) and lineage_roots(None) == ()
    rows = lineage_view(lineage)["rows"]
    assert [(r["id"], r["depth"], r["problem"]) for r in rows] == [("a/base", 0, ""),
                                                                    ("a/root", 1, "gone")]
    # other shapes (a bare list of nodes, a tree rooted at the model) are not lineage
    assert Lineage.of([node]) is None and Lineage.of({"id": "m", "parents": [node]}) is None


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))


def _mutated(report: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(report))
    parent: Any = copy
    for part in path[:-1]:
        parent = parent[part]
    if new is _DELETE:
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = new
    return copy


_DELETE = object()


def test_the_built_in_schema_check_agrees_with_jsonschema() -> None:
    """licscan checks the report schema without jsonschema (not a dependency, and slow to
    import); on every place of the fixtures, broken several ways, both find the same places."""
    jsonschema = pytest.importorskip("jsonschema")
    from licscan.report.load import schema_problems

    schema = json.loads((REPO / "licscan/schemas/report.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    checked = 0
    for name in ("mixed", "rich", "modified", "hostile"):
        report = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        places = list(_leaves(report))[1:]
        for index, path in enumerate(places):
            new = (None, 7, "x", True, [], {}, _DELETE, -1, 1.5, "a\n")[index % 10]
            broken = _mutated(report, path, new)
            expected = {tuple(e.absolute_path) for e in validator.iter_errors(broken)}
            found = {where for where, _message in schema_problems(broken)}
            if new == "a\n":  # jsonschema's Python `$` also matches before a final newline;
                # ECMA-262's, which JSON Schema uses, does not: a pattern refuses it here
                assert expected <= found, (name, path)
            else:
                assert found == expected, (name, path, new)
            checked += 1
    assert checked > 500


def test_a_report_nested_too_deeply_is_refused(demo: dict[str, Any], tmp_path: Path) -> None:
    report = _json(demo)
    node: dict[str, Any] = {"id": "a/b", "relation": None, "status": "ok", "parents": []}
    for _ in range(3000):
        node = {"id": "a/b", "relation": None, "status": "ok", "parents": [node]}
    report["models"][0]["lineage"] = {"chain": "x", "own_license": None, "inherited": [],
                                      "parents": [node]}
    with pytest.raises(ReportError, match="nested too deeply"):
        load_report(report)
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ReportError):
        read_report(str(path))


@pytest.mark.parametrize("fmt", ["text", "html", "sarif"])
def test_a_number_too_long_to_read_is_a_report_error(
        demo: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        fmt: str) -> None:
    """json.loads raises a plain ValueError for an integer past Python's digit limit: a
    refused report (exit 2, naming the file), not an internal error."""
    from licscan.cli import main

    text = json.dumps(_json(demo))
    assert '"confidence": ' in text
    path = tmp_path / "bigint.json"
    head, tail = text.split('"confidence": ', 1)
    path.write_text(head + '"confidence": ' + "9" * 5000 + tail.lstrip("0123456789"),
                    encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(path), "-f", fmt])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert str(path) in err and "internal error" not in err
    with pytest.raises(ReportError):
        read_report(str(path))
