"""The flags of a license: what a rule pack says of it and what a conclusion carries."""

from __future__ import annotations

from dataclasses import dataclass

from licscan.record import Record
from licscan.vocab import Permission, coerce


@dataclass(frozen=True, eq=False, repr=False)
class Flags(Record):
    # the plain word is accepted and stored as a Permission
    commercial_use: Permission | str = Permission.UNKNOWN
    modification: Permission | str = Permission.UNKNOWN
    distribution: Permission | str = Permission.UNKNOWN
    attribution: bool = False
    share_alike: bool = False
    acceptable_use_policy: bool = False

    def __post_init__(self) -> None:
        coerce(self, commercial_use=Permission, modification=Permission, distribution=Permission)
