"""SPDX license expressions, through `license-expression`, plus the rule pack's own ids.

`fold` walks an expression tree so that callers can combine per-license answers: `AND` means
every part applies, `OR` means the licensee may choose a branch, `WITH` adds an exception to
its license.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)

from licscan.errors import UsageError

T = TypeVar("T")


# license-expression builds its Aho-Corasick automaton lazily on first use and is not safe to
# use from several threads at once. licscan calls it from one thread only: a scan's worker
# threads fetch and nothing else (scan.py); conclusions run on the calling thread.
@cache
def licensing() -> Licensing:
    return get_spdx_licensing()


def parse(text: str) -> Any:
    """Parse without rejecting unknown ids (LicenseRef-licscan-* are ours); raise UsageError."""
    try:
        return licensing().parse(text, validate=False, simple=False)
    except ExpressionError as exc:
        raise UsageError(f"not a valid license expression: {text!r} ({exc})") from exc


def render(expr: Any) -> str:
    return str(expr.render("{symbol.key}"))


def normalize(text: str) -> str:
    return render(parse(text))


def is_expression_text(text: str) -> bool:
    upper = f" {text.upper()} "
    return any(op in upper for op in (" AND ", " OR ", " WITH ")) or "(" in text


def unknown_keys(expr: Any) -> list[str]:
    return list(licensing().unknown_license_keys(expr))


def symbol_keys(expr: Any) -> list[str]:
    return [s.key for s in licensing().license_symbols(expr, decompose=True)]


def fold(expr: Any, leaf: Callable[[str, str | None], T],
         all_of: Callable[[list[T]], T], any_of: Callable[[list[T]], T]) -> T:
    """Reduce an expression tree. `leaf(license_key, exception_key_or_None)`."""
    if isinstance(expr, LicenseWithExceptionSymbol):
        return leaf(expr.license_symbol.key, expr.exception_symbol.key)
    if isinstance(expr, LicenseSymbol):
        return leaf(expr.key, None)
    parts = [fold(arg, leaf, all_of, any_of) for arg in expr.args]
    if isinstance(expr, AND):
        return all_of(parts)
    if isinstance(expr, OR):
        return any_of(parts)
    raise TypeError(f"unexpected expression node {type(expr).__name__}")


def combine_and(parts: Sequence[str]) -> str | None:
    """Join expressions with AND, dropping duplicates, keeping order."""
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    if not seen:
        return None
    if len(seen) == 1:
        return seen[0]
    return " AND ".join(f"({p})" if is_expression_text(p) and " AND " not in p.upper() else p
                        for p in seen)
