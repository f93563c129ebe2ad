"""One model, one story in every format: unknown duty flags read unknown (never "no"), the
duties a hosted or internal context does not trigger are listed as applying only if you
distribute the model, a review or deny names what decided it, rows go worst first, and the
JSON carries `chosen_branch`. The terminal (helper B's) reads the same model_view functions,
so they must agree between a fresh ScanResult and a saved JSON report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from licscan.model import ModelRef, ModelResult, ScanResult
from licscan.report import html, markdown, model_view, sarif
from licscan.report.json_report import model_dict, report_dict
from licscan.rulepack import load_rulepack
from licscan.scan import Scanner, ScanOptions
from licscan.sources.hub import HubSettings
from licscan.terms.context import Context
from licscan.terms.context_result import ContextStage

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "report.schema.json"

# Cards of our own; license ids only, no license text.
CARDS = {
    "mit-model": "---\nlicense: mit\n---\n# A small classifier\n",
    "either-model": "---\nlicense: Apache-2.0 OR CC-BY-NC-4.0\n---\n# Dual licensed\n",
    "either-sa": "---\nlicense: Apache-2.0 OR CC-BY-SA-4.0\n---\n# Dual licensed\n",
    "own-terms": "---\nlicense: other\nlicense_name: our-very-own-terms\n---\n# Own terms\n",
    "broken": "---\nlicense: [mit\ntags: : :\n---\n# Broken front matter\n",
}


def _scan(root: Path, context: Context | None) -> ScanResult:
    refs = []
    for name, card in CARDS.items():
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "README.md").write_text(card, encoding="utf-8")
        refs.append(ModelRef(kind="local", target=str(folder), path=str(folder)))
    pack = load_rulepack()
    scanner = Scanner(ScanOptions(jobs=1, lineage=False, datasets=False, offline=True), pack,
                      finalize=ContextStage(pack, context))
    scanner.context_dict = context.to_dict() if context else None
    return scanner.scan(refs)


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanResult]:
    yield _scan(tmp_path_factory.mktemp("hosted"),
                Context(use="commercial", distribution="hosted", monthly_active_users=1000,
                        annual_revenue_usd=1e6, regions=("US",)))


def _by_name(result: ScanResult) -> dict[str, ModelResult]:
    return {Path(m.ref.path or "").name: m for m in result.models}


def _report(result: ScanResult) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(report_dict(result)))
    return out


def test_json_follows_the_schema_with_unknown_flags_and_applies_when(hosted: ScanResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    report = _report(hosted)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(report)
    models = {Path(m["target"]).name: m for m in report["models"]}
    for name in ("own-terms", "broken"):
        flags = models[name]["flags"]
        assert [flags[k] for k in model_view.DUTY_FLAGS] == ["unknown"] * 3, name
    mit = models["mit-model"]
    assert mit["flags"]["attribution"] is True and mit["flags"]["share_alike"] is False
    # hosted: MIT's duties are not triggered, and still listed, as distribution-only
    assert mit["obligations"] and {o["applies_when"] for o in mit["obligations"]} == \
        {"if-distributed"}
    assert {o["kind"] for o in mit["obligations"]} >= {"keep_notices"}
    either = models["either-model"]
    assert either["chosen_branch"] == "Apache-2.0"
    assert {o["rule"] for o in either["obligations"]} == {"apache-2.0"}
    assert "chosen_branch" not in mit
    # the duty flags of an OR are the chosen branch's: Apache-2.0 asks no share-alike
    either_sa = models["either-sa"]
    assert either_sa["chosen_branch"] == "Apache-2.0"
    assert either_sa["flags"]["share_alike"] is False
    assert "same_license" not in {o["kind"] for o in either_sa["obligations"]}


def test_a_context_that_distributes_triggers_the_same_duties(tmp_path: Path) -> None:
    shipped = _report(_scan(tmp_path, Context(use="commercial", distribution="redistributed")))
    mit = next(m for m in shipped["models"] if m["target"].endswith("mit-model"))
    assert {o["applies_when"] for o in mit["obligations"]} == {"triggered"}
    hosted_kinds = {o["kind"] for o in _report(_scan(tmp_path / "h", Context(
        use="commercial", distribution="hosted")))["models"][0]["obligations"]}
    assert {o["kind"] for o in mit["obligations"]} == hosted_kinds


def test_the_model_view_api_agrees_on_a_scan_and_on_its_json(hosted: ScanResult) -> None:
    for model in hosted.models:
        saved = json.loads(json.dumps(model_dict(model)))
        assert model_view.flag_words(model) == model_view.flag_words(saved)
        assert model_view.obligation_rows(model) == model_view.obligation_rows(saved)
        assert model_view.deciding_reasons(model) == model_view.deciding_reasons(saved)
        assert model_view.severity_key(model) == model_view.severity_key(saved)
        assert model_view.flag_scopes(model) == model_view.flag_scopes(saved)
        assert model_view.main_condition(model) == model_view.main_condition(saved)


def test_a_saved_report_read_back_tells_the_terminal_the_same(hosted: ScanResult) -> None:
    """`licscan report SCAN.json` reads typed results back (`report.load`): the terminal
    says of them what it says of the scan itself."""
    from licscan.report import text
    from licscan.report.load import load_report

    back = load_report(_report(hosted))
    for model, read in zip(hosted.models, back.models, strict=True):
        assert model_view.flag_words(read) == model_view.flag_words(model)
        assert model_view.obligation_rows(read) == model_view.obligation_rows(model)
        assert model_view.flag_scopes(read) == model_view.flag_scopes(model)
        assert read.decided_by == model.decided_by
    assert text.render(back, width=120, color=False) == text.render(hosted, width=120,
                                                                    color=False)


def test_unknown_reads_unknown_in_html_markdown_and_sarif(hosted: ScanResult) -> None:
    report = _report(hosted)
    page = html.render_dict(report)
    for name in ("own-terms", "broken"):
        section = page.split(f"<span class=\"model-id\">{hosted_path(hosted, name)}</span>")[1]
        section = section.split("</article>")[0]
        for label in model_view.FLAG_LABELS.values():
            row = section.split(f"<th scope=\"row\">{label}</th>")[1].split("</tr>")[0]
            assert ">Unknown<" in row and ">No<" not in row, (name, label, row)
        assert "licscan listed no obligations" not in section
        assert "its obligations are unknown" in section
    text = markdown.render_dict(report)
    row = next(line for line in text.splitlines() if line.startswith("| ") and "broken" in line)
    assert "attribution: unknown, share-alike: unknown, use policy: unknown" in row
    assert ": no" not in row
    log = json.loads(sarif.render_dict(report))
    duties = [r["properties"]["duties"] for r in log["runs"][0]["results"]
              if r["ruleId"] == "licscan/review" and "broken" in r["properties"]["model"]]
    assert duties == [dict.fromkeys(model_view.DUTY_FLAGS, "unknown")]


def hosted_path(result: ScanResult, name: str) -> str:
    return next(m.id for m in result.models if (m.ref.path or "").endswith(name))


def test_summary_and_obligations_do_not_contradict(hosted: ScanResult) -> None:
    report = _report(hosted)
    page = html.render_dict(report)
    mit_id = hosted_path(hosted, "mit-model")
    section = page.split(f"<span class=\"model-id\">{mit_id}</span>")[1].split("</article>")[0]
    assert "licscan listed no obligations" not in section
    assert "Applies only if you distribute the model." in section
    assert section.count("(applies only if you distribute the model)") >= 2
    attribution = section.split("<th scope=\"row\">Attribution owed</th>")[1].split("</tr>")[0]
    assert ">Yes<" in attribution and "applies only if you distribute the model" in attribution
    row = next(r for r in page.split("<tr ") if f">{mit_id}</a>" in r)
    assert "(applies only if you distribute the model)" in row
    text = markdown.render_dict(report)
    block = text.split(f"**{markdown.esc(mit_id, 120)}**\n", 1)[1].split("\n\n", 1)[0]
    assert block.count("— *applies only if you distribute the model*") >= 2
    assert "attribution: yes if distributed" in next(
        line for line in text.splitlines() if line.startswith("| ") and "mit-model" in line)


def test_a_yes_flag_without_a_listed_duty_gets_a_derived_row() -> None:
    saved = {"id": "x/y", "status": "ok", "verdict": "allow",
             "license": {"expression": "LicenseRef-x", "rules": ["x"]},
             "flags": {"attribution": True, "share_alike": False,
                       "acceptable_use_policy": True}, "obligations": []}
    rows = model_view.obligation_rows(saved)
    assert [(r.kind, r.clause, r.confidence) for r in rows] == [
        ("attribution", "flags", "?"), ("acceptable_use_policy", "flags", "?")]
    page = html.render_dict({"schema_version": 1, "models": [saved]})
    assert "derived from the license's flags [unverified]" in page
    assert "licscan listed no obligations" not in page


def test_deciding_reasons_in_words() -> None:
    saved = {"id": "acme/m", "status": "ok", "verdict": "review",
             "verdict_reason": "Apache-2.0 AND LicenseRef-l: license-mismatch: the card "
                               "declares Apache-2.0 but a README or NOTICE names Lic L; both "
                               "are taken to apply",
             "license": {"expression": "Apache-2.0 AND LicenseRef-l"}, "findings": [
                 {"code": "license-file-missing", "severity": "info", "message": "none"},
                 {"code": "dataset-license", "severity": "review", "message":
                  "training dataset o/d: its license (CC-BY-NC-4.0) does not allow "
                  "commercial use"},
                 {"code": "license-mismatch", "severity": "review", "message":
                  "the card declares Apache-2.0 but a README or NOTICE names Lic L; both are "
                  "taken to apply"},
                 {"code": "lineage-naming", "severity": "review", "message":
                  "derivatives of o/base (Lic L) must be named with the prefix 'Pre' (§1); "
                  "'m' is not"},
                 {"code": "some-new-code", "severity": "deny", "message": "a new problem"}]}
    reasons = model_view.deciding_reasons(saved)
    assert [r.code for r in reasons] == ["license-mismatch", "some-new-code", "dataset-license",
                                         "lineage-naming"]
    assert [r.headline for r in reasons] == [
        "The card contradicts the files: the card says Apache-2.0, the files name Lic L",
        "A new problem",
        "Training data is non-commercial: o/d (CC-BY-NC-4.0)",
        "The name breaks Lic L's naming rule (must begin with 'Pre')"]
    assert model_view.deciding_reasons({**saved, "verdict": "allow"}) == ()
    denied = {**saved, "verdict": "deny", "findings": [],
              "verdict_reason": "CC-BY-NC-4.0: Commercial use is not permitted: the license "
                                "grants non-commercial use only (§1(i), §2(a)(1))."}
    (reason,) = model_view.deciding_reasons(denied)
    assert reason.code == "policy" and reason.headline == \
        "CC-BY-NC-4.0: Commercial use is not permitted: the license grants non-commercial use only"
    assert reason.detail.endswith("(§1(i), §2(a)(1)).")
    failed = {"id": "g/x", "status": "error", "verdict": "review",
              "error": {"kind": "not-found", "message": "no such model"}}
    assert model_view.deciding_reasons(failed) == (
        model_view.Reason("Could not be scanned (not-found)", "no such model", "scan-error"),)


def test_worst_first_everywhere() -> None:
    def model(mid: str, verdict: str, **extra: Any) -> dict[str, Any]:
        return {"id": mid, "status": "ok", "verdict": verdict,
                "license": {"expression": "MIT"}} | extra

    models = [model("a/allow", "allow"), model("a/review", "review"),
              model("a/unknown", "review", license=None), model("a/deny", "deny"),
              model("a/error", "review", status="error", license=None,
                    error={"kind": "network", "message": "down"}),
              model("a/deny-unknown", "deny", license=None)]
    want = ["a/deny-unknown", "a/deny", "a/error", "a/unknown", "a/review", "a/allow"]
    assert [m["id"] for m in sorted(models, key=model_view.severity_key)] == want
    report = {"schema_version": 1, "models": models,
              "summary": {"verdicts": {"allow": 1, "review": 3, "deny": 2}}}
    page = html.render_dict(report)
    assert [page.index(f">{mid}</a>") for mid in want] == sorted(
        page.index(f">{mid}</a>") for mid in want)
    text = markdown.render_dict(report)
    rows = [line.split(" | ")[1] for line in text.splitlines()
            if line.startswith("| ") and "a/" in line]
    assert rows == want


def test_a_message_of_another_shape_gets_the_generic_headline() -> None:
    assert model_view.finding_headline("lineage-naming", "reworded by a newer licscan") == \
        "The name breaks the base license's naming rule"
    assert model_view.finding_headline("dataset-license", "training dataset o/d: its license "
                                        "(X) restricts use to research") == \
        "A training dataset's license restricts use"
    assert model_view.finding_headline("brand-new", "") == "brand-new"


def test_an_unread_base_model_makes_a_no_unknown(tmp_path: Path) -> None:
    """The base could not be read, so its terms may carry a duty the child's license lacks:
    "no" is not known, "yes" stays yes (a scan with lineage, the base absent offline)."""
    folder = tmp_path / "child"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: apache-2.0\nbase_model: acme/never-seen\n"
                                      "---\n# A fine-tune\n", encoding="utf-8")
    pack = load_rulepack()
    scanner = Scanner(ScanOptions(jobs=1, lineage=True, datasets=False, offline=True,
                                  hub=HubSettings(cache_dir=str(tmp_path / "cache"),
                                                  offline=True)),
                      pack, finalize=ContextStage(pack, None))
    model = scanner.scan([ModelRef(kind="local", target=str(folder), path=str(folder))]).models[0]
    assert "lineage-unresolved" in {f.code for f in model.findings}
    words = model_view.flag_words(model)
    assert words == {"attribution": "yes", "share_alike": "unknown",
                     "acceptable_use_policy": "unknown"}
    saved = json.loads(json.dumps(model_dict(model)))
    assert model_view.flag_words(saved) == words
    assert saved["flags"]["share_alike"] == "unknown"
