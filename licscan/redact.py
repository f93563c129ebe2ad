"""Keep secrets and terminal control sequences out of every output."""

from __future__ import annotations

import os
import re

_TOKEN_SHAPE = re.compile(r"\bhf_[A-Za-z0-9]{20,}\b")
# Everything a terminal or a text view may act on instead of showing: C0 and C1 controls (ESC
# starts CSI/OSC sequences; U+009B is a one-byte CSI), and the Unicode categories Cf (format:
# bidi embeddings, overrides and isolates, the Arabic letter mark, zero-width characters, the
# BOM, interlinear annotations, tags), Zl and Zp (U+2028/U+2029 break lines in many viewers)
# and Cs (lone surrogates from undecodable bytes). tests/test_targets.py checks this list
# against unicodedata for every code point.
_INVISIBLE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f")
_CONTROL = re.compile(f"[{_INVISIBLE}]")
_CONTROL_LINE = re.compile(f"[\t\n{_INVISIBLE}]")


def secrets() -> list[str]:
    values = [os.environ.get(name, "") for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")]
    return [v for v in values if len(v) >= 8]


def redact(text: str) -> str:
    for secret in secrets():
        text = text.replace(secret, "***")
    return _TOKEN_SHAPE.sub("hf_***", text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 256:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """For the terminal and text reports: control and invisible format characters (ANSI
    escapes, bidi overrides, line separators…) shown escaped. Newlines and tabs are kept."""
    return _CONTROL.sub(_escaped, text)


def printable_line(text: str) -> str:
    """`printable` for one field or message that must stay on one line: newlines and tabs are
    escaped too, so a value cannot start a line of its own (a forged message, a command)."""
    return _CONTROL_LINE.sub(_escaped, text)
