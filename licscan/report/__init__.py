"""Renderers: one module per format, each `render(result: ScanResult, **options) -> str`.

A fresh scan and a saved JSON report render alike: a saved report is validated and read back
as a ScanResult first (`licscan.report.load`), so every format takes the typed result. The
formats whose text is built from the JSON contract (`json_report.report_dict`, the one place
it is built from a result) do so inside their `render`.

FORMATS is the one list of formats: the CLI offers `list(FORMATS)`. OPTIONS names the options
only one format takes; `render` and `render_saved` do not pass them to other formats, so a
caller may hand `cdx_version` to whichever format the user chose. `render_formats` renders
several formats of one result from one JSON report dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any

from licscan.errors import UsageError
from licscan.model import ScanResult

# format name -> module with `render(result: ScanResult, **options) -> str`
FORMATS = {
    "text": "licscan.report.text",
    "json": "licscan.report.json_report",
    "html": "licscan.report.html",
    "spdx-json": "licscan.report.spdx",
    "spdx3-json": "licscan.report.spdx3",
    "cyclonedx-json": "licscan.report.cyclonedx",
    "markdown": "licscan.report.markdown",
    "sarif": "licscan.report.sarif",
}

# format name -> the options its renderers take
OPTIONS: dict[str, tuple[str, ...]] = {
    "text": ("width", "color"),
    "cyclonedx-json": ("cdx_version",),
    "sarif": ("root",),
}

CDX_VERSIONS = ("1.6", "1.7")


def _module(name: str) -> str:
    module = FORMATS.get(name)
    if module is None:
        raise UsageError(f"unknown format {name!r}", hint=f"choose one of {', '.join(FORMATS)}")
    return module


def renderer(name: str) -> Callable[..., str]:
    render: Callable[..., str] = import_module(_module(name)).render
    return render


def format_options(fmt: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """`options` without those that belong to other formats (listed in OPTIONS); a listed
    option given as None is dropped too, so the format's default applies. Other options pass
    through unchanged."""
    own = OPTIONS.get(fmt, ())
    listed = {name for names in OPTIONS.values() for name in names}
    return {k: v for k, v in options.items()
            if k not in listed or (k in own and v is not None)}


def render(result: ScanResult, fmt: str, **options: Any) -> str:
    from licscan.redact import redact

    return redact(renderer(fmt)(result, **format_options(fmt, options)))


def render_formats(result: ScanResult, formats: Iterable[str],
                   report: Mapping[str, Any] | None = None, **options: Any) -> dict[str, str]:
    """Each of `formats` (once each, in order) as `render(result, fmt, **options)` would give
    it, with the JSON report dict (`report`, the caller's `json_report.report_dict(result)`,
    else built here) built once for all the formats built from it (each module's
    `render_dict`) instead of once per format."""
    from licscan.redact import redact
    from licscan.report.json_report import report_dict

    out: dict[str, str] = {}
    for fmt in dict.fromkeys(formats):
        module = import_module(_module(fmt))
        own = format_options(fmt, options)
        from_dict: Callable[..., str] | None = getattr(module, "render_dict", None)
        if from_dict is None:
            out[fmt] = redact(module.render(result, **own))
            continue
        if report is None:
            report = report_dict(result)
        out[fmt] = redact(from_dict(report, **own))
    return out


def render_saved(report: Any, fmt: str, name: str = "the report", **options: Any) -> str:
    """A saved JSON report (parsed) in `fmt`: validated against the report schema and read
    back as a ScanResult (ReportError, naming the place, if it is not valid), then rendered
    like a fresh scan."""
    # lazy: reading a saved report loads jsonschema and the identification types, which
    # `licscan --help` and a scan's other formats do not need
    from licscan.report.load import load_report

    return render(load_report(report, name), fmt, **options)
