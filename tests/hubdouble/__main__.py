"""Run a Hub double standalone: `python -m tests.hubdouble --root DIR [--latency-ms N]`.

The first stdout line is the URL to use as `HF_ENDPOINT`; it serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import HubDouble


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hubdouble", description=__doc__)
    parser.add_argument("--root", help="fixture dir: <owner>/<name>/, datasets/<owner>/<name>/")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="sleep added per request")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--tree-page-size", type=int, default=1000)
    parser.add_argument("--list-page-size", type=int, default=1000)
    parser.add_argument(
        "--no-resolve-cache-redirect",
        action="store_true",
        help="serve public regular files directly instead of the 307 resolve-cache flow",
    )
    args = parser.parse_args(argv)

    hub = HubDouble(
        args.latency_ms,
        resolve_cache_redirect=not args.no_resolve_cache_redirect,
        tree_page_size=args.tree_page_size,
        list_page_size=args.list_page_size,
        host=args.host,
        port=args.port,
    )
    if args.root:
        hub.load_tree(args.root)
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with hub:
        print(hub.url, flush=True)
        while not stopping.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
