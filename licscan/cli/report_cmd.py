"""`licscan report SCAN.json`: render a saved JSON report in another format, without scanning.

The report is validated against the report schema and read back as a ScanResult
(`licscan.report.load`); every format, text included, then renders it as it renders a fresh
scan. An edited or foreign report is refused with the place it breaks the schema.
"""

from __future__ import annotations

import click

from licscan.cli.common import write_output
from licscan.report import CDX_VERSIONS, FORMATS

FORMAT_CHOICES = list(FORMATS)


_SUFFIXES = ((".cdx.json", "cyclonedx-json"), (".spdx3.json", "spdx3-json"),
             (".spdx.json", "spdx-json"), (".sarif.json", "sarif"), (".html", "html"),
             (".htm", "html"), (".md", "markdown"), (".markdown", "markdown"),
             (".sarif", "sarif"), (".json", "json"), (".txt", "text"))


def default_format(output: str | None) -> str:
    """text on standard output; for -o FILE the format its suffix names, else html."""
    if output is None or output == "-":
        return "text"
    name = output.lower()
    return next((fmt for suffix, fmt in _SUFFIXES if name.endswith(suffix)), "html")


@click.command("report")
@click.argument("scan", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Report format. Default: text on standard output; with -o, the format "
                   "the file's suffix names (.html, .md, .sarif, .json, .spdx.json, .spdx3.json, "
                   ".cdx.json, .txt), "
                   "else html.")
@click.option("--cdx-version", type=click.Choice(list(CDX_VERSIONS)), default=None,
              help="CycloneDX spec version of -f cyclonedx-json (default 1.6).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report here instead of standard output.")
@click.option("--width", type=click.IntRange(60, 1000), default=None,
              help="Text format: wrap to this many columns (default: the terminal's, else "
                   "100).")
def report_command(scan: str, fmt: str | None, cdx_version: str | None, output: str | None,
                   width: int | None) -> int:
    """Render a saved JSON report (from `licscan scan --format json`) without scanning again."""
    from licscan.cli.common import note
    from licscan.report import render
    from licscan.report.load import read_report

    result = read_report(scan)
    chosen = fmt or default_format(output)
    write_output(render(result, chosen, width=width, cdx_version=cdx_version), output)
    if output not in (None, "-"):
        note(f"{chosen} report written to {output}")
    return 0
