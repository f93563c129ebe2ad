"""Keep secrets and terminal control sequences out of every output."""

from __future__ import annotations

import os
import re

_TOKEN_SHAPE = re.compile(r"\bhf_[A-Za-z0-9]{20,}\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def secrets() -> list[str]:
    values = [os.environ.get(name, "") for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")]
    return [v for v in values if len(v) >= 8]


def redact(text: str) -> str:
    for secret in secrets():
        text = text.replace(secret, "***")
    return _TOKEN_SHAPE.sub("hf_***", text)


def printable(text: str) -> str:
    """For the terminal: control characters (ANSI escapes, bidi overrides) shown escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", text)
