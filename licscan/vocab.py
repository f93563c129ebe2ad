"""The words licscan's results are made of, declared once: verdicts, permissions (what a license's
terms answer, and the flags commercial_use, modification, distribution), finding severities and
the words of the duty flags.

String enums: a member equals its word (`Verdict.DENY == "deny"`), JSON writes the word, and
the members are listed in their order, from the most permissive or mildest. Every other list of
these words (the JSON schema's enums, the lockfile's checks, the reports' ranks) is derived from
these or checked against them by a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class _Word(StrEnum):
    """A word of the vocabulary: shown, formatted and repr'd as the plain word (`'deny'`), so
    messages quoting a value read the same whether it came in as a word or a member."""

    def __repr__(self) -> str:
        return repr(self.value)


class Verdict(_Word):
    """What a policy decides for a model, from the most permissive."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]


class Permission(_Word):
    """A license's answer to "may I?" (a term answered in a context, or the flags
    commercial_use, modification and distribution), from the most permissive. `rank` orders
    them by strictness: an unknown answer is stricter than a conditional one, never a yes."""

    ALLOWED = "allowed"
    CONDITIONAL = "conditional"
    PROHIBITED = "prohibited"
    UNKNOWN = "unknown"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    @property
    def verdict(self) -> Verdict:
        """The verdict this answer leads to when no policy rule decides."""
        return _BY_PERMISSION[self]


class Severity(_Word):
    """How much a finding weighs, from the mildest: `review` and `deny` raise a verdict."""

    INFO = "info"
    REVIEW = "review"
    DENY = "deny"

    @property
    def rank(self) -> int:
        """Comparable with `Verdict.rank`: a finding raises a verdict of a lower rank."""
        return _SEVERITY_RANK[self]


class FlagValue(_Word):
    """A duty flag (attribution, share_alike, acceptable_use_policy) in words: unknown when the
    license, or a part of it, is not known (never shown as no)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


_VERDICT_RANK = {verdict: index for index, verdict in enumerate(Verdict)}
_SEVERITY_RANK = {Severity.INFO: 0, Severity.REVIEW: 1, Severity.DENY: 2}
_STRICTNESS = {Permission.ALLOWED: 0, Permission.CONDITIONAL: 1, Permission.UNKNOWN: 2,
               Permission.PROHIBITED: 3}
_BY_PERMISSION = {Permission.ALLOWED: Verdict.ALLOW, Permission.CONDITIONAL: Verdict.REVIEW,
                  Permission.PROHIBITED: Verdict.DENY, Permission.UNKNOWN: Verdict.REVIEW}

VERDICTS: tuple[str, ...] = tuple(Verdict)
PERMISSIONS: tuple[str, ...] = tuple(Permission)
SEVERITIES: tuple[str, ...] = tuple(Severity)
FLAG_VALUES: tuple[str, ...] = tuple(FlagValue)
#: each permission word's strictness, for code that compares plain words (a lockfile's, a
#: rule's) as well as members; `max(..., key=STRICTNESS.get)` is the strictest
STRICTNESS: dict[str, int] = {p.value: p.strictness for p in Permission}


def strictness(word: object) -> int:
    """A permission word's strictness; any other value (a lockfile's, a missing answer) counts
    as unknown: never as allowed."""
    return STRICTNESS[word] if isinstance(word, str) and word in STRICTNESS else \
        Permission.UNKNOWN.strictness


def strictest(words: Sequence[str]) -> str:
    """What `AND` gives: the strictest word (unknown for none)."""
    return max(words, key=strictness) if words else Permission.UNKNOWN


def most_permissive(words: Sequence[str]) -> str:
    """What a licensee's choice (`OR`) gives: the most permissive word (unknown for none)."""
    return min(words, key=strictness) if words else Permission.UNKNOWN


def coerce(obj: object, *, strict: bool = True, **fields: type[StrEnum]) -> None:
    """In a frozen dataclass's `__post_init__`: each named field as its enum member, for the
    writers that still pass the plain word. A word outside the vocabulary is a ValueError, or,
    with `strict=False` (facts read from a lockfile, checked later by `licscan.lock.trust`),
    stays as it was written."""
    for name, enum in fields.items():
        value = getattr(obj, name)
        if value is None or isinstance(value, enum):
            continue
        if strict or value in enum._value2member_map_:
            object.__setattr__(obj, name, enum(value))
