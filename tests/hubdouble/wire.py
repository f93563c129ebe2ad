"""Transport-neutral request/response values and the helpers that build Hub-style responses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Headers = list[tuple[str, str]]
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class Request:
    method: str
    raw_path: str
    query: str
    params: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    token: str | None
    base_url: str  # scheme://host:port as the client addressed us
    listener: str = "hub"

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").lower() in ("true", "1", "yes")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes | memoryview = b""


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, [("Content-Type", "application/json; charset=utf-8"), *headers], body)


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """An error the way the Hub sends it: JSON `{"error": ...}` plus `X-Error-*` headers."""
    extra: Headers = [("X-Error-Message", message)]
    if code is not None:
        extra.insert(0, ("X-Error-Code", code))
    return json_response(status, {"error": message}, [*extra, *headers])


def redirect(status: int, location: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(status, [("Location", location), *headers])


def file_response(
    request: Request, data: bytes, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """200 with the whole content, or 206/416 for a single `Range: bytes=a-b` request."""
    size = len(data)
    common: Headers = [
        ("Content-Type", "application/octet-stream"),
        ("Accept-Ranges", "bytes"),
        *headers,
    ]
    span = parse_range(request.header("range"), size)
    if span is None:
        return Response(200, common, memoryview(data))
    if isinstance(span, str):
        return Response(416, [*common, ("Content-Range", f"bytes */{size}")])
    start, end = span
    return Response(
        206,
        [*common, ("Content-Range", f"bytes {start}-{end}/{size}")],
        memoryview(data)[start : end + 1],
    )


def parse_range(value: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """(start, end) inclusive, "unsatisfiable", or None (no/unsupported Range: serve it all)."""
    match = _RANGE.fullmatch(value.strip()) if value else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # suffix range: the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length > 0 and size > 0 else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end
