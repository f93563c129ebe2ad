"""Several formats of one result: the JSON report dict is built once, and each format comes out
as `render(result, fmt)` renders it on its own (`licscan.report.render_formats`, used by the
Action)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from licscan import action
from licscan.model import ScanResult
from licscan.report import FORMATS, json_report, markdown, render, render_formats
from licscan.terms.context import Context
from tests.test_action import POLICY, TOKEN, workspace
from tests.test_report_consistency import _scan


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    return _scan(tmp_path_factory.mktemp("formats"),
                 Context(use="commercial", distribution="hosted", regions=("US",)))


def test_every_format_renders_as_on_its_own(result: ScanResult) -> None:
    together = render_formats(result, [*FORMATS, "json"], root="/work")
    assert list(together) == list(FORMATS)  # once each, in order
    for fmt in FORMATS:
        assert together[fmt] == render(result, fmt, root="/work"), fmt


def test_the_json_dict_is_built_once_for_all_formats(result: ScanResult,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    built = _counting(monkeypatch, json_report, "report_dict")
    render_formats(result, ["json", "sarif", "markdown", "html", "text"])
    assert len(built) == 1
    given = json_report.report_dict(result)
    built.clear()
    render_formats(result, ["json", "markdown"], given)
    assert built == []  # the caller's dict is used


def test_the_action_builds_the_report_once_and_renders_markdown_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0"},
                     POLICY)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    for name in [k for k in os.environ if k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))]:
        monkeypatch.delenv(name)
    for name, value in {"GITHUB_WORKSPACE": str(root), "GITHUB_STEP_SUMMARY": str(summary),
                        "GITHUB_OUTPUT": str(outputs), "HF_ENDPOINT": "http://127.0.0.1:9",
                        "HF_HUB_OFFLINE": "1", "INPUT_TOKEN": TOKEN}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # the Action moves into the workspace; this is undone after
    built = _counting(monkeypatch, json_report, "report_dict")
    marked = _counting(monkeypatch, markdown, "render_dict")
    assert action.main([]) == 1  # the non-commercial model is denied
    assert (len(built), len(marked)) == (1, 1)
    written = root / "licscan-report" / "licscan.md"
    assert summary.read_text() == written.read_text()
    assert "failed=true" in outputs.read_text()


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "text"])
def test_no_format_changes_the_dict_it_renders(result: ScanResult, fmt: str) -> None:
    """The formats share one dict: the HTML once appended the findings' evidence to the
    license's evidence list in it."""
    report = json_report.report_dict(result)
    before = copy.deepcopy(report)
    render_formats(result, [fmt], report)
    assert report == before


@pytest.mark.parametrize("module", ["spdx", "spdx3", "cyclonedx"])
def test_the_sbom_writers_load_neither_the_html_report_nor_jinja2(module: str) -> None:
    code = (f"import sys, licscan.report.{module}; "
            "print([m for m in ('jinja2', 'licscan.report.html') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[]"
