"""Progress on stderr while a scan runs: `[ 3/40] scanning  owner/model`, one line redrawn.

Only on a terminal: never in a pipe, a file or a CI log (CI set), and not with --quiet or
LICSCAN_QUIET=1. The decision is taken once, on entry, in the calling thread; `tick` may then be
called from worker threads.

    with progress(len(refs), "scanning") as tick:
        for ref in refs:
            ...
            tick(ref.display_id)
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Tick = Callable[[str], None]


def progress_wanted(stream: TextIO | None = None) -> bool:
    """stderr is a terminal, this is not CI, and the user did not ask for quiet."""
    from licscan.cli.common import is_quiet

    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if os.environ.get("TERM") == "dumb" or is_quiet():
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _silent(_name: str) -> None:
    return None


@contextmanager
def progress(total: int, label: str = "scanning", *, stream: TextIO | None = None,
             enabled: bool | None = None) -> Iterator[Tick]:
    """Yield `tick(name)`: call it once per finished item. `enabled` None: `progress_wanted`.
    The line is cleared on exit, so what follows starts on a clean line."""
    out = stream if stream is not None else sys.stderr
    if not (progress_wanted(out) if enabled is None else enabled) or total <= 0:
        yield _silent
        return
    from licscan.redact import printable_line

    lock = threading.Lock()
    done = 0
    digits = len(str(total))

    def draw(name: str) -> None:
        columns = shutil.get_terminal_size((80, 24)).columns
        line = f"[{done:>{digits}}/{total}] {label}" + (f"  {printable_line(name)}" if name else "")
        if len(line) > columns - 1:
            line = line[: max(0, columns - 2)] + "…"
        out.write(f"\r\x1b[K{line}")
        out.flush()

    def tick(name: str) -> None:
        nonlocal done
        with lock:
            done += 1
            draw(name)

    with lock:
        draw("")
    try:
        yield tick
    finally:
        with lock:
            out.write("\r\x1b[K")
            out.flush()
