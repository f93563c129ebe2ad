"""Screenshot the HTML report for docs/report-screenshot.png, with Debian's Chromium.

    python scripts/screenshot_report.py                       # the `licscan demo` scan
    python scripts/screenshot_report.py --input scan.json     # any saved JSON report
    python scripts/screenshot_report.py --full-page -o /tmp/report.png

The demo runs offline with SOURCE_DATE_EPOCH fixed, so the picture changes only when the
report does. No browser is downloaded: Playwright drives /usr/bin/chromium (or --chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
EPOCH = "1793611800"  # 2026-11-02T09:30:00Z


def demo_report(workdir: Path) -> dict[str, Any]:
    out = workdir / "demo.json"
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    run = subprocess.run([sys.executable, "-m", "licscan", "demo", "-o", str(out)], env=env,
                         cwd=workdir, capture_output=True, text=True, check=False)
    if not out.is_file():
        raise SystemExit(f"licscan demo wrote no report:\n{run.stderr.strip()}")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def screenshot(html: Path, png: Path, chromium: str, full_page: bool) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1400},
                                device_scale_factor=1)
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=full_page)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="a JSON report (default: run licscan demo)")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" /
                        "report-screenshot.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()

    from licscan.report.html import render_dict

    with tempfile.TemporaryDirectory(prefix="licscan-shot-") as tmp:
        work = Path(tmp)
        report = (json.loads(args.input.read_text(encoding="utf-8")) if args.input
                  else demo_report(work))
        html = work / "report.html"
        html.write_text(render_dict(report), encoding="utf-8")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        screenshot(html, args.output, args.chromium, args.full_page)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
