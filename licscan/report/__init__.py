"""Renderers: one module per format, each `render(result) -> str`."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from licscan.errors import UsageError
from licscan.model import ScanResult

# format name -> module with `render(result: ScanResult, **options) -> str`
FORMATS = {
    "text": "licscan.report.text",
    "json": "licscan.report.json_report",
    "html": "licscan.report.html",
    "spdx-json": "licscan.report.spdx",
    "markdown": "licscan.report.markdown",
    "sarif": "licscan.report.sarif",
}


def renderer(name: str) -> Callable[..., str]:
    module = FORMATS.get(name)
    if module is None:
        raise UsageError(f"unknown format {name!r}", hint=f"choose one of {', '.join(FORMATS)}")
    render: Callable[..., str] = import_module(module).render
    return render


def dict_renderer(name: str) -> Callable[..., str] | None:
    """The renderer of a saved JSON report in this format, if the format has one."""
    if name not in FORMATS:
        raise UsageError(f"unknown format {name!r}", hint=f"choose one of {', '.join(FORMATS)}")
    found: Callable[..., str] | None = getattr(import_module(FORMATS[name]), "render_dict", None)
    return found


def render(result: ScanResult, fmt: str, **options: object) -> str:
    from licscan.redact import redact

    return redact(renderer(fmt)(result, **options))
