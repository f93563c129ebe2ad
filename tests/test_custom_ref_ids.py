"""The LicenseRef ids of custom and modified license terms stay what they were.

A model's reviewed id (`allow: [LicenseRef-licscan-custom-...]` in a licscan.yaml) must keep
matching the same terms: the ids below were computed by the code that re-read the README
section in conclude.py, before the README's evidence carried the section's digest.
A README section is named by its own text (whitespace collapsed), a section too long to be
read whole by the whole README, a file by its SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from licscan import conclude as conclude_module
from licscan.conclude import CUSTOM_REF, conclude, unknown_terms_ref
from licscan.evidence.collect import readme_evidence
from licscan.identify import identify_bytes, identify_text
from licscan.model import FileBlob, Snapshot
from licscan.sources.memory import hub_snapshot

REF = re.compile(r"LicenseRef-licscan-[a-z]+-[0-9a-f]{12}")
# (own words: an Apache 2.0 reference with a restriction added to it)
RESTRICTED = ("This model is released under the Apache 2.0 license, with one added restriction: "
              "it may not be used for commercial purposes.")
ASK = "Commercial use requires a separate agreement with us."
ROYALTY = ("Every licensee must pay the authors a royalty of half of all revenue made with the "
           "Work.")
NOTES = " ".join(f"Note {n}: the authors thank the people who tested this model."
                 for n in range(1200))
HEAD = "---\nlicense: apache-2.0\n---\n# A model\n\n"


def _snapshot(readme: str, files: dict[str, bytes] | None = None) -> Snapshot:
    snapshot = hub_snapshot("acme/m", {"license": "apache-2.0"}, files or {})
    data = readme.encode("utf-8")
    return replace(snapshot, card_data_origin="README.md", readme=FileBlob(
        path="README.md", size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data))


def _refs(pack: Any, readme: str, files: dict[str, bytes] | None = None) -> list[str]:
    result = conclude(_snapshot(readme, files), pack, identify_bytes, identify_text)
    return REF.findall(result.license.expression or "")


def test_a_custom_readme_section_keeps_its_id(pack: Any) -> None:
    assert _refs(pack, f"{HEAD}Words.\n\n## License\n\n{RESTRICTED}\n") == \
        ["LicenseRef-licscan-custom-03fde228c831"]
    # other words around it, CRLF and doubled spaces inside: the same terms, the same id
    assert _refs(pack, f"{HEAD}Other words.\n\n## License\r\n\r\n"
                       f"{RESTRICTED.replace(' ', '  ')}\r\n") == \
        ["LicenseRef-licscan-custom-03fde228c831"]


def test_two_custom_sections_keep_their_ids(pack: Any) -> None:
    assert _refs(pack, f"{HEAD}## License\n\n{RESTRICTED}\n\n## Terms of use\n\n{ASK}\n") == \
        ["LicenseRef-licscan-custom-03fde228c831", "LicenseRef-licscan-custom-e1a2570a47fb"]


def test_a_section_read_in_part_keeps_the_readme_id(pack: Any) -> None:
    assert _refs(pack, f"{HEAD}## License\n\n{RESTRICTED}\n\n{NOTES}\n") == \
        ["LicenseRef-licscan-custom-d35d5963dcce"]


def test_a_custom_license_file_keeps_its_id(pack: Any) -> None:
    assert _refs(pack, HEAD, {"LICENSE": (RESTRICTED + "\n").encode("utf-8")}) == \
        ["LicenseRef-licscan-custom-059b5b9a30a3"]


def test_a_modified_readme_section_keeps_its_id(pack: Any, corpus: Path) -> None:
    apache = (corpus / "apache-2.0.txt").read_text(encoding="utf-8")
    marker = "END OF TERMS AND CONDITIONS"
    section = apache.replace(marker, f"{ROYALTY}\n\n{marker}", 1)
    assert _refs(pack, f"{HEAD}## License\n\n{section}") == \
        ["LicenseRef-licscan-custom-4aa9628cb3fb"]


def test_conclude_names_a_section_without_reading_the_readme_again(
        pack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README section's evidence carries what its id needs: conclude neither parses the
    README again nor needs its bytes."""
    snapshot = _snapshot(f"{HEAD}Words.\n\n## License\n\n{RESTRICTED}\n")
    items = readme_evidence(snapshot, pack, identify_text)
    assert [i.evidence.kind for i in items] == ["readme-text"]
    # the README's bytes gone (not kept in memory): the id is still the section's
    items = [replace(i, blob=replace(i.blob, data=None)) for i in items]

    def parse_again(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("conclude parsed the README again")

    monkeypatch.setattr(conclude_module, "parse_card", parse_again)
    monkeypatch.setattr(conclude_module, "terms_sections", parse_again)
    [(ref, what, _evidence)] = conclude_module._unknown_terms([], items)
    assert ref == unknown_terms_ref(CUSTOM_REF, " ".join(RESTRICTED.split()))
    assert what == f"the custom license in README.md line {items[0].evidence.line}"
