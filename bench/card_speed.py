"""How long does reading an adversarial model card take?

    python bench/card_speed.py [--lines 20000] [--cli] [--runs 3]

Each card is about half a megabyte to a megabyte of body built to hit a worst case of the card
readers (evidence/markdown.py, evidence/card.py, evidence/wording.py): one long unpunctuated
paragraph full of 'commercially' (the commercial-question test), alternating quoted and plain
lines (a block quote continued lazily into one long paragraph), deeply nested list items (each
its own sentence, thousands of them restricting), fences in list items, unclosed HTML headings, one
long line, many license headings, many questions, runs of backticks. Prints per card the
seconds for `parse_markdown` and for `restrictions()` in process (median of --runs), and with
--cli the wall time of `licscan scan --no-config` on the card against a trivial card's.
Linear reading keeps every card within a second or two on a laptop; a quadratic step takes
tens of seconds on the larger ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import machine, wall  # noqa: E402


def cards(n: int) -> dict[str, str]:
    return {
        "trivial": "# m\n",
        "plain-paragraph": "\n".join("continued commercially line" for _ in range(n)),
        "quoted-lazy": "\n".join(("> a commercial" if i % 2 else "continued commercially line")
                                 for i in range(n)),
        "nested-lists": "\n".join(" " * (i % 40) + "- item commercially contact"
                                  for i in range(n)),
        "deep-quotes": "\n".join("> " * 40 + "- " * 40 + "```" for _ in range(n)),
        "list-fences": "\n".join(("- ```" if i % 2 else "  text commercial use contact us")
                                 for i in range(n)),
        "html-h-open": "\n".join("<h2 class=x" for _ in range(n)),
        "html-h-multi": "\n".join("<h2\nLicense\n</h2>\nFor commercial use contact us"
                                  for _ in range(n // 4)),
        "one-long-line": "commercial use " + "contact us for a " * (3 * n),
        "many-headings": "\n".join(f"## License {i}\nNot for commercial use {i}"
                                   for i in range(n // 2)),
        "questions": "\n".join("Commercial? " * 50 for _ in range(n // 50)),
        "ticks": "\n".join("`" * (3 + i % 50) for i in range(n)),
    }


def in_process(body: str, runs: int) -> tuple[float, float]:
    from licscan.evidence import card, markdown

    parse, read = [], []
    for _ in range(runs):
        markdown.parse_markdown.cache_clear()
        started = time.perf_counter()
        markdown.parse_markdown(body)
        parse.append(time.perf_counter() - started)
        markdown.parse_markdown.cache_clear()
        started = time.perf_counter()
        card.restrictions(body)
        read.append(time.perf_counter() - started)
    return statistics.median(parse), statistics.median(read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="also time `licscan scan` per card")
    args = parser.parse_args()
    print(machine())
    print(f"{'card':16} {'KB':>6} {'markdown s':>11} {'restrictions s':>15}"
          + (f" {'cli s':>7}" if args.cli else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in cards(args.lines).items():
            body = body[: 1 << 20] + "\n"
            parse, read = in_process(body, args.runs)
            row = f"{name:16} {len(body) // 1024:6d} {parse:11.3f} {read:15.3f}"
            if args.cli:
                folder = Path(tmp, name)
                folder.mkdir()
                (folder / "README.md").write_text("---\nlicense: mit\n---\n" + body)
                argv = [sys.executable, "-m", "licscan", "scan", "--no-config", "--no-lineage",
                        "-q", "-f", "json", "-o", str(folder / "out.json"), str(folder)]
                env = {**os.environ, "PYTHONPATH": str(REPO)}
                row += f" {wall(argv, env):7.2f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
