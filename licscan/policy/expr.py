"""A small SPDX expression reader for the policy: `AND`, `OR`, `WITH` and parentheses.

`licscan.expression` (license-expression) stays the authority for concluding licenses; the
policy only needs the shape of an expression it already has. Reading it here keeps
`licscan check` free of the SPDX license index (tens of milliseconds on every commit).
Precedence follows SPDX: `WITH` binds tightest, then `AND`, then `OR`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = ("AND", "OR", "WITH")
_MAX_PERMUTED = 7  # beyond this many operands, compare in order


@dataclass(frozen=True)
class Leaf:
    key: str
    exception: str | None = None

    def __str__(self) -> str:
        return f"{self.key} WITH {self.exception}" if self.exception else self.key


@dataclass(frozen=True)
class Compound:
    op: str  # "AND" | "OR"
    args: tuple[Expr, ...]

    def __str__(self) -> str:
        parts = [f"({a})" if isinstance(a, Compound) else str(a) for a in self.args]
        return f" {self.op} ".join(parts)


Expr = Leaf | Compound


class ExpressionProblem(ValueError):
    """The text is not an SPDX expression."""


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # only trailing whitespace is left
            break
        token = match.group(1)
        tokens.append(token.upper() if token.upper() in _OPERATORS else token)
        pos = match.end()
    return tokens


MAX_DEPTH = 64


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0

    def fail(self, why: str) -> ExpressionProblem:
        return ExpressionProblem(f"not an SPDX expression: {self.text!r} ({why})")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise self.fail("it ends too early")
        self.pos += 1
        return token

    def expression(self) -> Expr:
        return self._binary("OR", self._and)

    def _and(self) -> Expr:
        return self._binary("AND", self._with)

    def _binary(self, op: str, operand: Callable[[], Expr]) -> Expr:
        args = [operand()]
        while self.peek() == op:
            self.pos += 1
            args.append(operand())
        flat: list[Expr] = []
        for arg in args:
            flat.extend(arg.args if isinstance(arg, Compound) and arg.op == op else (arg,))
        return flat[0] if len(flat) == 1 else Compound(op, tuple(flat))

    def _with(self) -> Expr:
        token = self.take()
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:  # a lockfile's text is anyone's: no RecursionError
                raise self.fail(f"parentheses nested deeper than {MAX_DEPTH}")
            inner = self.expression()
            self.depth -= 1
            if self.take() != ")":
                raise self.fail("a '(' is not closed")
            if self.peek() == "WITH":
                raise self.fail("WITH must follow a license id")
            return inner
        if token in (")", *_OPERATORS):
            raise self.fail(f"unexpected {token!r}")
        if self.peek() == "WITH":
            self.pos += 1
            exception = self.take()
            if exception in ("(", ")", *_OPERATORS):
                raise self.fail("WITH must be followed by an exception id")
            return Leaf(token, exception)
        return Leaf(token)


def parse(text: str) -> Expr:
    reader = _Reader(text)
    if not reader.tokens:
        raise reader.fail("it is empty")
    expr = reader.expression()
    if reader.peek() is not None:
        raise reader.fail(f"unexpected {reader.peek()!r}")
    return expr


def parsed(text: object) -> Expr | None:
    """`text` parsed, or None when it is no expression (empty, not text, not SPDX). Cached:
    trees are immutable, and a manifest repeats its licenses (a lockfile's text is any JSON)."""
    return _parsed(text) if isinstance(text, str) and text else None


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Expr | None:
    try:
        return parse(text)
    except ExpressionProblem:
        return None


def is_compound_text(text: str) -> bool:
    """An expression with an operator (not a bare id)."""
    tokens = _tokens(text)
    return len(tokens) > 1


def leaves(expr: Expr) -> Iterator[Leaf]:
    if isinstance(expr, Leaf):
        yield expr
        return
    for arg in expr.args:
        yield from leaves(arg)


def same_shape(rule: Expr, model: Expr, same_leaf: Callable[[Leaf, Leaf], bool]) -> bool:
    """Whether `rule` names exactly `model`: operands in any order, ids compared by `same_leaf`."""
    if isinstance(rule, Leaf) or isinstance(model, Leaf):
        return isinstance(rule, Leaf) and isinstance(model, Leaf) and same_leaf(rule, model)
    if rule.op != model.op or len(rule.args) != len(model.args):
        return False
    if len(rule.args) > _MAX_PERMUTED:
        return all(same_shape(r, m, same_leaf) for r, m in zip(rule.args, model.args, strict=True))
    return any(all(same_shape(r, m, same_leaf) for r, m in zip(order, model.args, strict=True))
               for order in permutations(rule.args))
