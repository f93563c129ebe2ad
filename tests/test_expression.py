"""SPDX expressions. license-expression is not thread-safe and is called from one thread only:
tests/test_scan_threads.py checks that a scan's worker threads never conclude."""

from __future__ import annotations

from licscan import expression, vocab


def test_parse_renders_spdx_keys() -> None:
    texts = [f"mit AND LicenseRef-licscan-x{i} OR apache-2.0" for i in range(40)]
    rendered = [expression.normalize(t) for t in texts]
    assert rendered == [f"(MIT AND LicenseRef-licscan-x{i}) OR Apache-2.0" for i in range(40)]


def test_fold_and_or() -> None:
    parsed = expression.parse("MIT OR (CC-BY-NC-4.0 AND Apache-2.0)")
    verdict = expression.fold(parsed, lambda key, _exc: {"CC-BY-NC-4.0": 2}.get(key, 0),
                              max, min)
    assert verdict == 0
    assert vocab.strictest(["allowed", "unknown", "conditional"]) == "unknown"
    assert vocab.most_permissive(["prohibited", "conditional"]) == "conditional"
