"""License-text identification: which license (and version) a LICENSE, NOTICE or README holds.

    from licscan.identify import identify_bytes
    result = identify_bytes(path.read_bytes(), load_rulepack(), path.name)
    result.status, result.expression, [m.to_dict() for m in result.matches]

Exact hash first, then fingerprints with guards (a changed version, number or restrictive
word makes a text "modified", never the original), then titles and references. Matching
needs only the rule pack: rules/fingerprints.json is built by scripts/build_fingerprints.py.
"""

from licscan.identify.engine import identify_bytes, identify_text
from licscan.identify.result import Candidate, Difference, TextIdentification, TextMatch

__all__ = ["Candidate", "Difference", "TextIdentification", "TextMatch", "identify_bytes",
           "identify_text"]
