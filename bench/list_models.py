"""How many requests does `licscan scan --author ORG` make to list an organisation?

    python bench/list_models.py [--models 1000] [--page-size 1000] [--scan]

Starts the Hub test double with --models repositories of one organisation (plus a few of
another), lists them through `HubSource.list_models` (`HfApi.list_models`, paged by the
`Link` header) and prints the listing requests counted by the double and by licscan, the
time, and the budget (<= 2 listing requests per 1,000 models). With --scan, the models are
then scanned twice (cold, then with the cache warm) and the requests of each scan printed.
The real Hub's page size for a listing is not documented; --page-size sets the double's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import machine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--scan", action="store_true", help="also scan them, cold then warm")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="licscan-bench-list-") as tmp:
        os.environ["LICSCAN_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
        os.environ.pop("HF_TOKEN", None)
        from licscan.scan import Scanner, ScanOptions
        from licscan.sources.hub import HubSettings, HubSource
        from tests.hubdouble import HubDouble, RepoSpec

        with HubDouble(list_page_size=args.page_size) as hub:
            started = time.perf_counter()
            for i in range(args.models):
                hub.add_model(RepoSpec(f"bigorg/model-{i:05d}", files={
                    "README.md": f"---\nlicense: {'mit' if i % 3 else 'apache-2.0'}\n---\n"}))
            for i in range(5):
                hub.add_model(RepoSpec(f"other/model-{i}", files={"README.md": "# x\n"}))
            print(f"double: {args.models} models of bigorg (+5 others), page size "
                  f"{args.page_size}, built in {time.perf_counter() - started:.1f} s")
            settings = HubSettings(endpoint=hub.url, timeout=20, retries=0)
            source = HubSource(settings)
            started = time.perf_counter()
            refs = source.list_models(author="bigorg")
            took = time.perf_counter() - started
            listing = hub.count(kind="list")
            budget = 2 * args.models / 1000
            print(f"listed {len(refs)} models in {took:.2f} s: {listing} listing request(s) "
                  f"(licscan counted {source.listing_requests}); "
                  f"{1000 * listing / max(len(refs), 1):.2f} per 1,000 models; budget "
                  f"<= {budget:g} ({'met' if listing <= max(budget, 1) else 'MISSED'})")
            if args.scan:
                for label in ("cold", "warm"):
                    hub.reset_log()
                    scanner = Scanner(ScanOptions(jobs=8, hub=settings, lineage=False,
                                                  datasets=False))
                    started = time.perf_counter()
                    listed = scanner.hub().list_models(author="bigorg")
                    result = scanner.scan(listed)
                    took = time.perf_counter() - started
                    print(f"scan {label}: {len(result.models)} models in {took:.1f} s, "
                          f"{hub.count()} requests ({hub.count(kind='list')} listing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
