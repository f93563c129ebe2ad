"""The plain token pattern is a shortcut, never a different answer: every non-ASCII corpus
text, and texts whose only non-ASCII characters are quotes, dashes, spaces, currency and
copyright signs or curly apostrophes,
normalize exactly as they do through the Unicode pattern (tokens, offsets, lines, sentences,
dropped statements, and the words of those statements)."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan.identify import normalize as norm

SAMPLES = [
    "You may\u00a0use it \u2014 for any purpose \u2013 as \u201cthe Software\u201d.",
    "The Licensee\u2019s rights end; the Licensor\u2018s do not.",
    "Copyright \u00a9 2024 Acme \u2022 All rights reserved.\n\n1. You may copy it.",
    "Price: \u20ac5 per seat; caf\u00e9 owners \u00fcber alles.",
    "Copyright \u00a9 2025 Example Ltd.\n\nA fee of \u00a35, \u00a55 or \u20ac5 (\u00a9 kept).",
    "\u4f7f\u7528\u8bb8\u53ef This license \u2014 \uc0ac\uc6a9 \u2014 applies.",
]


def _facts(text: str) -> tuple[object, ...]:
    n = norm.normalize(text)
    return n.tokens, n.offsets, n.lines, n.sentences, n.dropped, n.dropped_tokens, n.cleaned


def _texts(corpus: Path) -> list[str]:
    found = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted(corpus.rglob("*.txt"))]
    return [t for t in found if not t.isascii()] + SAMPLES


def test_the_ascii_shortcut_gives_the_unicode_patterns_answer(
        corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(corpus)
    taken = sum(1 for t in texts if norm._token_source(norm.clean(t))[0] is norm._PLAIN_TOKEN)
    assert taken > 0  # the shortcut is exercised, not only the Unicode path
    fast = [_facts(t) for t in texts]
    monkeypatch.setattr(norm, "_needs_unicode", lambda text: True)
    slow = [_facts(t) for t in texts]
    differing = [i for i, (a, b) in enumerate(zip(fast, slow, strict=True)) if a != b]
    assert differing == []
