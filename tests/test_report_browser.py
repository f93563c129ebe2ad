"""The HTML report in a real browser: Debian's Chromium, driven by Playwright, from file://.

Skipped when Chromium or Playwright is missing, except in CI (`CI` set), where that fails.
No browser is ever downloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from licscan.report.html import render_dict

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LICSCAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
FIXTURES = Path(__file__).parent / "fixtures" / "reports"

CONTRAST = """() => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll(
      "body, a, .badge, .tri, .muted, .none, caption, th, td, dt, summary, pre, .ob-meta")) {
    if (!el.textContent.trim()) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    out.push([el.className || el.tagName, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
  }
  return out;
}"""


@dataclass
class Opened:
    page: Any
    url: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.console + self.errors + [r for r in self.requests if r != self.url]

    def rows(self) -> list[str]:
        cells: list[str] = self.page.eval_on_selector_all(
            "#models-table tbody tr:not([hidden]) th", "cells => cells.map(c => c.innerText)")
        return cells


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_report(browser: Any, tmp_path: Path) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(name: str, report: dict[str, Any] | None = None,
               **context_options: Any) -> Opened:
        if report is None:
            report = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        path = tmp_path / f"{name}.html"
        path.write_text(render_dict(report), encoding="utf-8")
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, path.as_uri())
        page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("request", lambda r: opened.requests.append(r.url))
        page.goto(opened.url)
        return opened

    yield opener
    for context in contexts:
        context.close()


def test_summary_and_models_render_without_errors(open_report: Any) -> None:
    r = open_report("mixed")
    page = r.page
    assert page.get_by_role("heading", name="Summary").is_visible()
    assert page.get_by_role("heading", name="Models", exact=True).is_visible()
    assert len(r.rows()) == 6
    assert page.locator("article.model").count() == 6
    assert "example-org/tiny-classifier" in page.locator("#model-1 h3").inner_text()
    assert page.locator("#table-controls").is_visible()  # the script ran (CSP hash matched)
    assert page.locator("#filter-status").inner_text() == "6 of 6 models shown"
    assert r.problems() == []


def test_sorting_by_mouse_and_keyboard(open_report: Any) -> None:
    r = open_report("mixed")
    page = r.page
    verdict = page.get_by_role("button", name="Verdict")
    verdict.click()
    header = page.locator("#models-table thead th").nth(1)
    assert header.get_attribute("aria-sort") == "ascending"
    order = page.eval_on_selector_all("#models-table tbody tr",
                                      "rows => rows.map(r => r.dataset.verdict)")
    assert order == ["allow", "allow", "review", "review", "review", "deny"]
    verdict.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert r.rows()[0] == "acme/nc-research-model"

    model = page.get_by_role("button", name="Model")
    model.focus()
    page.keyboard.press("Enter")
    names = r.rows()
    assert names == sorted(names)
    page.keyboard.press("Space")
    assert r.rows() == sorted(names, reverse=True)
    assert page.locator("#models-table thead th").first.get_attribute("aria-sort") == \
        "descending"
    assert r.problems() == []


def test_filtering_by_text_and_verdict(open_report: Any) -> None:
    r = open_report("mixed")
    page = r.page
    page.get_by_label("Filter models").fill("llama")
    assert r.rows() == ["community/llama-3.1-8b-gguf"]
    assert page.locator("#filter-status").inner_text() == "1 of 6 models shown"
    page.get_by_label("Filter models").fill("")
    page.get_by_label("Verdict").select_option("review")
    assert r.rows() == ["missing-org/does-not-exist", "someone/mystery-model",
                        "community/llama-3.1-8b-gguf"]
    page.get_by_label("Filter models").fill("mystery")
    assert r.rows() == ["someone/mystery-model"]
    page.get_by_label("Verdict").select_option("allow")
    assert r.rows() == []
    assert page.locator("#filter-status").inner_text() == "0 of 6 models shown"


def test_hostile_card_runs_nothing_and_shows_the_payloads(open_report: Any) -> None:
    r = open_report("hostile")
    page = r.page
    # Give every handler an injected attribute might have added a chance to fire.
    page.evaluate("""() => {
      for (const el of document.querySelectorAll("*")) {
        for (const type of ["mouseover", "mouseenter", "focus", "load", "error"]) {
          el.dispatchEvent(new Event(type));
        }
      }
      document.querySelectorAll("details").forEach((d) => { d.open = true; });
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => window.parent.__pwned") is None
    for selector in ("#pwned-element", "#pwned-bold", "iframe", "img", "svg", "b", "script ~ *"):
        assert page.locator(selector).count() == 0, selector
    assert page.locator("script").count() == 1
    text = page.locator("body").inner_text()
    for payload in ("<script>window.__pwned='license'</script>",
                    "<img src=x onerror=\"window.__pwned='id'\">",
                    '<div id="pwned-element">injected element</div>',
                    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
                    "\" onmouseover=\"window.__pwned='expr'\" data-x=\"",
                    "javascript:window.__pwned='link'",
                    "JaVaScRiPt:window.__pwned='link2'",
                    "data:text/html,<script>window.__pwned='data'</script>",
                    "<script>window.__pwned='diff-text'</script>",
                    "<script>window.__pwned='finding'</script>",
                    "<img src=x onerror=\"window.__pwned='value'\">",
                    "<script>window.__pwned='ds-finding'</script>"):
        assert payload in text, payload
    hrefs = page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("#", "https://")) for h in hrefs), hrefs
    link_texts = page.eval_on_selector_all("a", "as => as.map(a => a.textContent)")
    assert not [t for t in link_texts if "javascript:" in t.lower() or "data:" in t]
    assert r.problems() == []


def test_print_expands_every_section(open_report: Any) -> None:
    r = open_report("rich")
    page = r.page
    terms = page.locator("details.terms table").first
    evidence = page.locator("details.evidence dl").first
    assert not terms.is_visible() and not evidence.is_visible()
    page.emulate_media(media="print")
    assert terms.is_visible() and evidence.is_visible()
    assert not page.locator("#table-controls").is_visible()
    page.emulate_media(media="screen")
    page.get_by_label("Filter models").fill("old-experiment")
    assert len(r.rows()) == 1
    page.emulate_media(media="print")
    assert page.locator("#models-table tbody tr").nth(0).is_visible()  # filtered out on screen
    page.emulate_media(media="screen")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    closed = page.eval_on_selector_all("details", "ds => ds.filter(d => !d.open).length")
    assert closed == 0
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert not terms.is_visible()


def test_complete_without_script(open_report: Any) -> None:
    r = open_report("mixed", java_script_enabled=False)
    assert len(r.rows()) == 6
    assert not r.page.locator("#table-controls").is_visible()
    assert r.page.locator("#models-table thead button").count() == 0
    # the order is the server's, worst first, and says so without the script too
    assert r.page.locator("#models-table thead th").nth(1).get_attribute("aria-sort") == \
        "descending"
    assert r.page.locator("article.model").count() == 6


def test_text_has_sufficient_contrast(open_report: Any) -> None:
    for name in ("mixed", "rich"):
        pairs = open_report(name).page.evaluate(CONTRAST)
        assert len(pairs) > 50
        low = [(cls, round(ratio, 2)) for cls, ratio in pairs if ratio < 4.5]
        assert low == [], low


# --- the demo report: what a legal reviewer reads first ------------------------------------

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1}
WORST_FIRST = {"deny": 0, "review": 1, "allow": 2}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON of `licscan demo` (offline, reproducible), rendered by each test."""
    out = tmp_path_factory.mktemp("demo") / "demo.json"
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", HF_ENDPOINT="http://127.0.0.1:9",
               HF_HUB_OFFLINE="1")
    run = subprocess.run([sys.executable, "-m", "licscan", "demo", "-o", str(out)], env=env,
                         cwd=out.parent, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _summary_rows(page: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.eval_on_selector_all(
        "#models-table tbody tr", """rows => rows.map(r => ({
          id: r.querySelector("th").innerText.trim(), verdict: r.dataset.verdict,
          state: r.className, why: r.querySelector("td.why-cell").innerText.trim(),
          reasons: Array.from(r.querySelectorAll("td.why-cell li")).map(li => li.innerText)}))""")
    return rows


def test_each_review_or_deny_row_names_what_decided_it(open_report: Any,
                                                       demo: dict[str, Any]) -> None:
    r = open_report("demo", demo)
    rows = _summary_rows(r.page)
    flagged = [row for row in rows if row["verdict"] in ("review", "deny")]
    # 4 review or deny on their own terms, and the GGUF of a gated base whose license text
    # could not be read: the base's gate finding binds the derivative (base-model-restricted)
    assert len(flagged) == 5
    gguf = next(row for row in flagged if row["id"].endswith("gemma-2b-q4"))
    assert "gated" in gguf["why"].lower()
    for row in flagged:
        assert row["reasons"], row  # a list of reasons, not the main condition
    llama = next(row for row in rows if row["id"].endswith("acme-llama-support"))
    why = llama["why"].lower()
    for words in ("the card contradicts the files", "training data is non-commercial",
                  "an ancestor's license conflicts", "naming rule (must begin with 'llama')"):
        assert words in why, words
    assert "700,000,000" not in why  # the user threshold is a condition, not why it is flagged
    broken = next(row for row in rows if row["id"].endswith("broken-card"))
    assert "The license could not be determined" in broken["reasons"]
    allowed = [row for row in rows if row["verdict"] == "allow"]
    assert allowed and not [row for row in allowed if row["reasons"]]
    # the model's own section says the same, with the full messages
    article = r.page.locator("article", has=r.page.locator(".model-id",
                                                           has_text="acme-llama-support"))
    assert article.locator("ul.reasons li").count() == len(llama["reasons"])
    assert r.problems() == []


def test_rows_sort_worst_first_by_default(open_report: Any, demo: dict[str, Any]) -> None:
    r = open_report("demo", demo)
    rows = _summary_rows(r.page)
    ranks = [WORST_FIRST[row["verdict"]] for row in rows]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == 2
    review = [row for row in rows if row["verdict"] == "review"]
    assert "state-unknown" in review[0]["state"]  # within a verdict, the unknown first
    header = r.page.locator("#models-table thead th").nth(1)
    assert header.get_attribute("aria-sort") == "descending"
    sections = r.page.eval_on_selector_all("article .model-id", "ids => ids.map(i => i.innerText)")
    assert sections == [row["id"] for row in rows]  # the details follow the same order
    r.page.get_by_role("button", name="Verdict").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert _summary_rows(r.page)[0]["verdict"] == "allow"


def test_unknown_duty_flags_read_unknown(open_report: Any, demo: dict[str, Any]) -> None:
    r = open_report("demo", demo)
    article = r.page.locator("article", has=r.page.locator(".model-id", has_text="broken-card"))
    for label in ("Attribution owed", "Derivatives keep the license",
                  "Acceptable use policy binds"):
        cell = article.locator("table.rights tr", has=r.page.locator(
            "th", has_text=label)).locator("td")
        assert cell.inner_text().strip() == "Unknown", label
    for use in ("Commercial use", "Modification", "Distribution"):
        cell = article.locator("table.rights tr", has=r.page.locator(
            "th", has_text=use)).locator("td")
        assert cell.inner_text().strip() == "Unknown", use
    assert "obligations are unknown" in article.inner_text()
    mit = r.page.locator("article", has=r.page.locator(".model-id",
                                                       has_text="internal-classifier"))
    attribution = mit.locator("table.rights tr", has=r.page.locator(
        "th", has_text="Attribution owed")).locator("td").inner_text()
    assert attribution.startswith("Yes") and "only if you distribute the model" in attribution
    assert mit.locator("ul.checklist.if-distributed li").count() >= 2
    assert "listed no obligations" not in mit.inner_text()


@pytest.mark.parametrize("name", ["demo", "mixed", "rich", "modified", "hostile"])
def test_nothing_overflows_on_a_phone(open_report: Any, demo: dict[str, Any],
                                      name: str) -> None:
    r = open_report(name, demo if name == "demo" else None, **PHONE)
    page = r.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wide = page.evaluate("""() => Array.from(document.querySelectorAll("body *"))
      .filter(el => el.getBoundingClientRect().right > 390.5 && el.getClientRects().length
              && !el.closest(".skip"))
      .map(el => el.tagName + "." + el.className)""")
    assert wide == []
    # each summary row is a card: the id, the verdict, the license, the three uses and the
    # reason are all shown, one under the other, each with its label
    cells = page.eval_on_selector_all("#models-table tbody tr:first-child > *", """cells =>
      cells.map(c => { const b = c.getBoundingClientRect();
        return [c.dataset.label || "", b.width > 0 && b.left >= 0 && b.right <= 390]; })""")
    assert len(cells) == 7 and all(visible for _label, visible in cells), cells
    labels = page.eval_on_selector_all("#models-table tbody tr:first-child td", """cells =>
      cells.map(c => getComputedStyle(c, "::before").content)""")
    assert all(label.startswith('"') and label != '""' for label in labels), labels
    header = page.evaluate("document.querySelector('header').getBoundingClientRect().right")
    assert header <= 390
    assert r.problems() == []


def test_print_shows_every_section(open_report: Any, demo: dict[str, Any]) -> None:
    r = open_report("demo", demo)
    page = r.page
    page.get_by_label("Filter models").fill("gemma")  # a filter must not cut the paper copy
    assert len(r.rows()) == 1
    hidden_on_screen = page.evaluate("""() => Array.from(document.querySelectorAll(
      "details > :not(summary)")).filter(el => !el.checkVisibility()).length""")
    assert hidden_on_screen > 0
    page.emulate_media(media="print")
    missing = page.evaluate("""() => Array.from(document.querySelectorAll(
        "main section, main article, main h2, main h3, main h4, main table, main tr, main ul, "
        + "main ol, main li, main dl, main pre, main p, details > *"))
      .filter(el => !el.closest("#table-controls, .back") && !el.checkVisibility())
      .map(el => el.tagName + "." + el.className + " " + el.textContent.slice(0, 40))""")
    assert missing == []
    assert page.locator("article.model").count() == len(demo["models"])
    assert not page.locator("#table-controls").is_visible()
