"""The HTML report without a browser: structure, escaping, CSP, determinism, the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licscan._resources import templates_dir
from licscan.cli.report_cmd import report_command
from licscan.errors import ReportError
from licscan.model import (
    Declared,
    Evidence,
    Finding,
    Flags,
    LicenseConclusion,
    ModelRef,
    ModelResult,
    ScanResult,
)
from licscan.report import html
from licscan.report.json_report import report_dict
from licscan.report.load import load_report, read_report

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
NAMES = ("mixed", "modified", "rich", "hostile")
# The only elements the templates write. Model text that became markup would add others.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "a", "header", "h1", "h2", "h3", "h4", "p",
    "dl", "div", "dt", "dd", "time", "code", "main", "section", "ul", "li", "span", "label",
    "input", "select", "option", "table", "caption", "thead", "tbody", "tr", "th", "td",
    "article", "strong", "details", "summary", "pre", "ol", "footer", "script",
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of <script> and <style>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)
        else:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    @property
    def body_text(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {name: html.render_dict(load(name)) for name in NAMES}


def test_fixtures_follow_the_report_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent.parent / "docs" / "schemas" /
                         "report.schema.json").read_text(encoding="utf-8"))
    # hostile.json puts payloads into enum fields too: it is a tampered report, outside the
    # contract on purpose, and the renderer must still be safe with it.
    for name in NAMES:
        if name != "hostile":
            jsonschema.Draft202012Validator(schema).validate(load(name))


@pytest.mark.parametrize("name", NAMES)
def test_same_input_same_bytes(name: str, pages: dict[str, str]) -> None:
    assert html.render_dict(load(name)) == pages[name]


def test_render_is_render_dict_of_the_json() -> None:
    ev = Evidence(kind="card-field", source="hub", revision="a" * 40, field="license",
                  value="mit")
    model = ModelResult(
        ref=ModelRef(kind="hub", target="o/m", repo_id="o/m"), status="ok", source="hub",
        revision="a" * 40, verdict="allow", declared=Declared(license="mit"),
        license=LicenseConclusion("MIT", "MIT License", 97, "resolved", ("mit",), (ev,)),
        flags=Flags("allowed", "allowed", "allowed", attribution=True),
        findings=(Finding("x-y", "info", "a note", (ev,)),))
    result = ScanResult(models=(model,), tool_version="9.9.9",
                        rulepack={"name": "p", "version": "1", "hash": "sha256:" + "0" * 64},
                        generated_at="2026-01-01T00:00:00Z")
    page = html.render(result)
    assert page == html.render_dict(report_dict(result))
    assert "o/m" in page and "9.9.9" in page and "a note" in page


def test_only_our_own_markup(pages: dict[str, str]) -> None:
    for name, text in pages.items():
        page = Page(text)
        assert {t for t, _ in page.tags} <= ALLOWED_TAGS, name
        assert len(page.all("script")) == 1 and len(page.all("style")) == 1, name
        for tag, attrs in page.tags:
            assert not [a for a in attrs if a.startswith("on")], (name, tag, attrs)
            assert "src" not in attrs and "style" not in attrs, (name, tag, attrs)
        for attrs in page.all("a"):
            href = attrs["href"] or ""
            assert href.startswith(("#", "https://", "http://")), (name, href)


def test_hostile_text_is_shown_as_text(pages: dict[str, str]) -> None:
    page = Page(pages["hostile"])
    text = page.body_text
    for payload in ("<script>window.__pwned='license'</script>",
                    "<img src=x onerror=\"window.__pwned='id'\">",
                    '<div id="pwned-element">injected element</div>',
                    "javascript:window.__pwned='link'",
                    "</td></tr></table></details></article><script>window.__pwned='reason'",
                    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
                    "{{ 7*7 }}"):
        assert payload in text
    hrefs = [a["href"] or "" for a in page.all("a")]
    assert not [h for h in hrefs if "pwned" in h or "script" in h.lower()]
    assert "\u202e" not in pages["hostile"] and "\\u202eevil-bidi" in text
    assert "49" not in re.findall(r"\{\{ 7\*7 \}\}|49", text)  # no template evaluation


def test_content_security_policy_allows_exactly_our_inline_code(pages: dict[str, str]) -> None:
    for text in pages.values():
        page = Page(text)
        csp = next(m["content"] for m in page.all("meta")
                   if m.get("http-equiv") == "Content-Security-Policy")
        assert csp is not None
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        for kind, directive in (("script", "script-src"), ("style", "style-src")):
            body = "".join(page.raw[kind]).encode("utf-8")
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            assert directives[directive] == f"'sha256-{digest}'"
        assert "unsafe" not in csp and "http" not in csp and "*" not in csp


def test_no_remote_resources(pages: dict[str, str]) -> None:
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
    for text in pages.values():
        page = Page(text)
        assert not page.all("link") and not page.all("img") and not page.all("iframe")


def test_autoescape_is_unconditional() -> None:
    env = html.environment()
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"


@pytest.mark.parametrize(("url", "kept"), [
    ("https://example.com/license", True),
    ("HTTP://example.com/a?b=c#d", True),
    ("javascript:alert(1)", False),
    (" JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False),
    ("https://example.com/\"><script>", False),
    ("https://exa mple.com", False),
    ("https://example.com/\nx", False),
    ("//example.com/x", False),
    ("LICENSE", False),
    (None, False),
    (42, False),
])
def test_safe_url(url: object, kept: bool) -> None:
    assert html.safe_url(url) == (url if kept else None)


def test_header_says_how_it_was_produced(pages: dict[str, str]) -> None:
    text = Page(pages["rich"]).body_text
    for needle in ("licscan 0.1.0", "licscan-builtin 2026.11.0",
                   "sha256:5d41402abc4b2a76b9719d911017c592ae8e2b3c7f6d1e0a9b8c7d6e5f4a3b2c",
                   "licscan.yaml", "2026-11-02T09:30:00Z", "Monthly active users", "2,000,000",
                   "EU, US"):
        assert needle in text
    assert "none (built-in defaults)" in Page(pages["mixed"]).body_text


def test_summary_table(pages: dict[str, str]) -> None:
    page = Page(pages["mixed"])
    rows = [a for t, a in page.tags if t == "tr" and "data-verdict" in a]
    # worst first: deny; review (could not be scanned, license unknown, the rest); allow
    assert [r["data-verdict"] for r in rows] == ["deny", "review", "review", "review", "allow",
                                                 "allow"]
    assert [r["class"] for r in rows][1:3] == ["verdict-review state-error",
                                               "verdict-review state-unknown"]
    ids = [a["href"] for t, a in page.tags if t == "a" and (a["href"] or "").startswith("#model-")]
    articles = [a["id"] for t, a in page.tags if t == "article"]
    assert ids[:6] == [f"#{a}" for a in articles]  # the sections follow the summary's order
    assert all(th.get("scope") in ("col", "row") for th in page.all("th"))
    text = " ".join(page.body_text.split())
    assert ("6 models: 2 allow, 3 review, 1 deny, 1 could not be scanned, 1 with an unknown "
            "license.") in text
    assert "Could not be scanned (not-found)" in text
    assert "Commercial use is prohibited under CC-BY-NC-4.0" in text
    assert "The card names a license licscan does not know" in text


def test_model_section_claim_evidence_and_hub_link(pages: dict[str, str]) -> None:
    page = Page(pages["mixed"])
    hrefs = {a["href"] for a in page.all("a")}
    rev = "3f1c9a8e2b7d4c6f0a1e5b9d8c7f6e5d4c3b2a10"
    assert f"https://huggingface.co/example-org/tiny-classifier/tree/{rev}" in hrefs
    assert f"https://huggingface.co/example-org/tiny-classifier/blob/{rev}/LICENSE" in hrefs
    assert not [h for h in hrefs if h and "internal-classifier" in h and h.startswith("http")]
    text = page.body_text
    assert "Declared on the card" in text and "Concluded by licscan" in text
    assert "mystery-license-v2" in text and "no rule matched" in text
    assert "the Hub has no model missing-org/does-not-exist (404)" in text


def test_modified_text_shows_the_differing_passages(pages: dict[str, str]) -> None:
    page = Page(pages["modified"])
    assert "open" in next(d for d in page.all("details") if "modified" in (d["class"] or ""))
    text = page.body_text
    assert "You may not use the Work to offer a paid hosted service\nwithout a separate" in text
    assert text.count("changes the terms") == 2
    assert "adds a restriction on commercial use" in text and "line 178" in text
    assert "4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d" in text


def test_terms_obligations_waivers_lineage_datasets(pages: dict[str, str]) -> None:
    page = Page(pages["rich"])
    text = page.body_text
    for needle in ("Users threshold", "700,000,000", "§1.b.iv", "P (the license text)",
                   "P-card (the official model card)", "? (not found in any source)",
                   "Derived from flags", "The terms of llama3.1-aup in plain words",
                   "700 million monthly active users or more",
                   "2,000,000 monthly active users is below the 700,000,000 threshold",
                   "Begin the name of a distributed derivative model with 'Llama'",
                   "When: a derivative model is distributed.",
                   "ticket LEGAL-142", "2027-03-31", "APPLIED", "EXPIRED", "2026-06-30",
                   "Finetune of meta-llama/Llama-3.1-8B-Instruct at 0e9e39f249a1",
                   "Quantized of google/gemma-2-2b-it", "Chain: acme/llama-support <-finetune-",
                   "llama3.1 (LicenseRef-licscan-llama3.1) from meta-llama/Llama-3.1-8B-Instruct",
                   "not read: the Hub has no dataset someone/scraped-forum (404)",
                   "acme/eval-set", "waiver:acme/llama-support"):
        assert needle in text, needle
    hrefs = {a["href"] for a in page.all("a")}
    assert "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/tree/" \
        "0e9e39f249a16976918f6564b8830bc894c89659" in hrefs
    assert "https://huggingface.co/google/gemma-2-2b-it" in hrefs
    assert "https://huggingface.co/datasets/acme/support-tickets" in hrefs
    assert "https://www.llama.com/llama3_1/use-policy" in text  # a URL value, shown as text
    terms = [d for d in page.all("details") if d["class"] == "terms"]
    assert len(terms) == 2 and not [d for d in terms if "open" in d]


def test_facts_flatten_any_shape() -> None:
    rows = html.facts({"value": "prohibited", "basis": "non_commercial", "url": "https://x.y/Z",
                       "cite": {"clause": "§3", "confidence": "S"},
                       "duties": [{"type": "keep_notices", "trigger": "any copy"}]}, "Use")
    assert rows[0] == {"label": "Use", "text": "Not allowed; Basis: Non commercial; "
                       "Url: https://x.y/Z", "clause": "§3",
                       "confidence": "S (a secondary source)", "depth": 0}
    assert rows[1]["label"] == "Keep notices" and rows[1]["text"] == "Trigger: any copy"
    assert rows[1]["depth"] == 1
    deep: Any = "x"
    for _ in range(20):
        deep = {"child": deep}
    assert len(html.facts(deep)) == html._MAX_DEPTH + 2


def test_malformed_report_still_renders_and_is_refused_when_saved() -> None:
    report = {"schema_version": 1, "tool": "?", "rulepack": None, "models": [
        "not a model", {}, {"id": 5, "verdict": "<b>", "status": "error", "error": "boom",
                            "license": "MIT", "flags": [], "findings": ["x", {"severity": "z"}],
                            "declared": {"license": ["a", 3]}, "lineage": "p/q",
                            "datasets": [None, "d/e"], "waivers": [1], "obligations": {"a": 1},
                            "terms": "plain", "notes": "n"}]}
    page = Page(html.render_dict(report))
    assert [a["data-verdict"] for t, a in page.tags if t == "tr" and "data-verdict" in a] == \
        ["review", "review", "review"]
    from licscan.report import FORMATS, render_saved

    for fmt in FORMATS:  # a saved report is checked first: refused, saying where
        for findings in (["x", {"severity": "z"}], [7, {"code": 3, "severity": "deny"}],
                         {"code": "x"}):
            broken = {**report, "models": [{**report["models"][2], "findings": findings}]}
            with pytest.raises(ReportError) as refused:
                render_saved(broken, fmt)
            assert (refused.value.key or "").startswith("/"), fmt


def test_cli_report_renders_every_format(tmp_path: Path) -> None:
    runner = CliRunner()
    source = FIXTURES / "mixed.json"
    out = tmp_path / "r.html"
    result = runner.invoke(report_command, [str(source), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == html.render_dict(load("mixed"))
    as_json = runner.invoke(report_command, [str(source), "-f", "json"])
    assert json.loads(as_json.output) == report_dict(load_report(load("mixed")))
    as_text = runner.invoke(report_command, [str(source), "-f", "text", "--width", "160"])
    assert "community/llama-3.1-8b-gguf" in as_text.output and "ERROR (not-found)" in as_text.output
    assert "6 model(s): 2 allow, 3 review, 1 deny, 1 error(s)" in as_text.output
    as_spdx = runner.invoke(report_command, [str(source), "-f", "spdx-json"])
    assert json.loads(as_spdx.output)["spdxVersion"] == "SPDX-2.3"
    bom = tmp_path / "r.cdx.json"  # the suffix names the format; --cdx-version reaches it
    done = runner.invoke(report_command, [str(source), "-o", str(bom), "--cdx-version", "1.7"])
    assert done.exit_code == 0, done.output
    assert json.loads(bom.read_text())["specVersion"] == "1.7"
    as_spdx3 = runner.invoke(report_command, [str(source), "-f", "spdx3-json"])
    assert "spdx.org/rdf/3" in json.loads(as_spdx3.output)["@context"]


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "is not JSON"),
    ("[1, 2]", "not a licscan JSON report"),
    ('{"schema_version": 7, "models": []}', "schema_version 7"),
])
def test_cli_report_refuses_what_is_not_a_report(tmp_path: Path, content: str,
                                                 message: str) -> None:
    path = tmp_path / "scan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError, match=message):
        read_report(str(path))


def test_cli_report_exit_code_on_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from licscan.cli import _LazyGroup, main

    monkeypatch.setitem(_LazyGroup._commands, "report",
                        ("licscan.cli.report_cmd", "report_command", "Render a saved report."))

    path = tmp_path / "scan.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(path)])
    assert exc.value.code == 2
    assert "is not JSON" in capsys.readouterr().err


def test_evidence_cited_by_findings_is_listed_once() -> None:
    assert len(Page(html.render_dict(load("modified"))).all("details")) == 2
    report = load("mixed")
    report["models"] = report["models"][:1]
    notice = {"kind": "notice-file", "source": "hub", "revision": "r", "path": "NOTICE",
              "value": "names another license"}
    report["models"][0]["findings"] = [{"code": "x", "severity": "review", "message": "m",
                                        "evidence": [notice]}] * 2
    page = Page(html.render_dict(report))
    assert len(page.all("details")) == 3
    assert "names another license" in page.body_text


def test_control_characters_are_shown_escaped_but_line_ends_kept() -> None:
    report = load("modified")
    diff = report["models"][0]["license"]["evidence"][1]["detail"]["matches"][0]["differences"][0]
    diff["text"] = "first line\r\nsecond\x1b[31m line\u2066"
    page = Page(html.render_dict(report))
    assert "first line\nsecond\\x1b[31m line\\u2066" in page.body_text
    assert "\x1b" not in page.body_text and "\r" not in page.body_text
