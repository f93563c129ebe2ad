"""license-expression is shared by the scan's worker threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from licscan import expression


def test_parse_from_many_threads_at_once() -> None:
    expression.licensing.cache_clear()  # the race was in building the automaton on first use
    texts = [f"mit AND LicenseRef-licscan-x{i} OR apache-2.0" for i in range(400)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        rendered = list(pool.map(expression.normalize, texts))
    assert rendered == [f"(MIT AND LicenseRef-licscan-x{i}) OR Apache-2.0" for i in range(400)]


def test_fold_and_or() -> None:
    parsed = expression.parse("MIT OR (CC-BY-NC-4.0 AND Apache-2.0)")
    verdict = expression.fold(parsed, lambda key, _exc: {"CC-BY-NC-4.0": 2}.get(key, 0),
                              max, min)
    assert verdict == 0
    assert expression.strictest(["allowed", "unknown", "conditional"]) == "unknown"
    assert expression.most_permissive(["prohibited", "conditional"]) == "conditional"
