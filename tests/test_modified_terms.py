"""Issue 11: a "modified X" is reviewed as the license it is, never concluded as plain X.

Through the real CLI (`licscan scan FOLDER -f json`) on model folders built here: a README card
and a LICENSE made from a reference text of ../shared/corpus with one edit that changes what
the license grants. The text is concluded `X AND LicenseRef-licscan-custom-<12 hex of the
file's SHA-256>`: X's restrictions stay as the base (the gate is never weaker than X), the
changed terms are a license licscan has no terms for (the policy's `unknown` setting), and the
model's flags do not present X's permissive answers as fact.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from licscan.cli import main
from licscan.conclude import CUSTOM_REF, unknown_terms_ref
from licscan.evidence.card import MAX_SECTION_CHARS
from licscan.model import ModelResult
from licscan.scan import Scanner, ScanOptions
from licscan.sources.memory import MemorySource, hub_ref, hub_snapshot

RANK = {"allow": 0, "review": 1, "deny": 2}
REF = re.compile(r"LicenseRef-licscan-custom-[0-9a-f]{12}")


def _mit(corpus: Path) -> str:
    return "MIT License\n\nCopyright (c) 2024 Acme\n\n" + (corpus / "mit.txt").read_text()


def _edit(text: str, pattern: str, replacement: str, count: int = 1) -> str:
    edited, done = re.subn(pattern, replacement, text, count=count)
    assert done == count, f"the reference text no longer holds {pattern!r}"
    return edited


@dataclass(frozen=True)
class Case:
    card: str
    base: str  # the expression of the unmodified text
    name: str  # the license's name in the rule pack
    pristine: Callable[[Path], str]
    edit: Callable[[str], str]
    commercial_use: str  # the model's flag once the text is modified
    verdict: str  # under each of CONFIGS
    edited_words: str  # the passage of the edit, as the evidence quotes it


CASES = {
    # a restriction written into MIT's grant
    "mit-noncommercial": Case(
        "mit", "MIT", "MIT License", _mit,
        lambda t: _edit(t, r"without restriction,(\s+)including",
                        r"for non-commercial purposes only,\1including"),
        "unknown", "review", "non-commercial"),
    # Apache's copyright grant narrowed to non-commercial use
    "apache-noncommercial": Case(
        "apache-2.0", "Apache-2.0", "Apache License 2.0",
        lambda c: (c / "apache-2.0.txt").read_text(),
        lambda t: _edit(t, r"irrevocable(\s+)copyright license",
                        r"irrevocable\1non-commercial copyright license"),
        "unknown", "review", "non-commercial"),
    # CC-BY-NC's restriction removed from the grant: still at least as strict as CC-BY-NC
    "cc-by-nc-restriction-removed": Case(
        "cc-by-nc-4.0", "CC-BY-NC-4.0", "Creative Commons Attribution Non Commercial 4.0",
        lambda c: (c / "cc-by-nc-4.0.txt").read_text(),
        lambda t: _edit(_edit(t, r"in part, for NonCommercial purposes only; and", "in part; and"),
                        r"Adapted Material for\s+NonCommercial purposes only\.",
                        "Adapted Material."),
        "prohibited", "deny", "non-commercial"),
}

CONFIGS = {
    "no-config": None,
    "allow-mit": "policy:\n  allow: [MIT]\n",
    "commercial-context": "context:\n  use: commercial\n",
}


def _scan(tmp_path: Path, capsys: pytest.CaptureFixture[str], card: str, license_text: str,
          config: str | None, name: str = "m") -> dict[str, Any]:
    model = tmp_path / name
    model.mkdir()
    (model / "README.md").write_text(f"---\nlicense: {card}\n---\n# A model\n", encoding="utf-8")
    (model / "LICENSE").write_text(license_text, encoding="utf-8")
    if config is None:
        args = ["--no-config"]
    else:
        path = tmp_path / f"{name}.yaml"
        path.write_text(config, encoding="utf-8")
        args = ["--config", str(path)]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["scan", str(model), *args, "-f", "json"])
    [result] = json.loads(capsys.readouterr().out)["models"]
    return dict(result)


def _ref_of(text: str | bytes) -> str:
    """The id of a file's own terms: named by the file's SHA-256, as a custom license is."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return unknown_terms_ref(CUSTOM_REF, hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("case", list(CASES))
def test_a_modified_text_is_its_own_license(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            corpus: Path, case: str, config: str) -> None:
    c = CASES[case]
    pristine = c.pristine(corpus)
    text = c.edit(pristine)
    model = _scan(tmp_path, capsys, c.card, text, CONFIGS[config])
    license = model["license"]
    # X stays as the base; the changed terms are a license of their own, named by the file
    assert license["expression"] == f"{c.base} AND {_ref_of(text)}", license
    assert f"the modified {c.name}" in license["name"] and "in LICENSE" in license["name"]
    assert license["confidence"] <= 50
    assert model["flags"]["commercial_use"] == c.commercial_use, model["flags"]
    assert model["verdict"] == c.verdict, model["verdict_reason"]
    # never weaker than X itself under the same configuration
    plain = _scan(tmp_path, capsys, c.card, pristine, CONFIGS[config], name="plain")
    assert plain["license"]["expression"] == c.base, plain["license"]
    assert RANK[model["verdict"]] >= max(RANK[plain["verdict"]], RANK["review"])


@pytest.mark.parametrize("case", list(CASES))
def test_the_finding_names_the_file_and_the_passage(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: Path, case: str) -> None:
    c = CASES[case]
    text = c.edit(c.pristine(corpus))
    model = _scan(tmp_path, capsys, c.card, text, None)
    [finding] = [f for f in model["findings"] if f["code"] == "license-text-modified"]
    assert finding["message"].startswith(f"LICENSE is a modified {c.name}"), finding["message"]
    [evidence] = finding["evidence"]
    assert evidence["path"] == "LICENSE"
    assert evidence["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    [match] = evidence["detail"]["matches"]
    guarded = [d for d in match["differences"] if d["guarded"]]
    assert guarded and match["status"] == "modified"
    # each difference the message lists is placed by its line in the file
    assert f"line {guarded[0]['line']}: " in finding["message"], finding["message"]
    quoted = " ".join(f"{d['text']} {d['reason'] or ''}" for d in guarded).lower()
    assert c.edited_words in quoted or c.edited_words.replace("-", "") in quoted, guarded


def test_the_same_text_is_the_same_license_and_another_edit_another(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    text = CASES["mit-noncommercial"].edit(_mit(corpus))
    first = _scan(tmp_path, capsys, "mit", text, None, name="a")
    again = _scan(tmp_path, capsys, "mit", text, None, name="b")
    other = _scan(tmp_path, capsys, "mit",
                  _edit(_mit(corpus), r"without restriction,(\s+)including",
                        r"for research purposes only,\1including"), None, name="c")
    refs = [REF.findall(m["license"]["expression"]) for m in (first, again, other)]
    assert refs[0] == refs[1] and len(refs[0]) == 1
    assert refs[2] and refs[2] != refs[0]


def test_a_policy_that_allows_unknown_terms_keeps_the_floor(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    """An allow rule for unknown terms accepts the changed terms; the license-text-modified
    floor still holds the model for review."""
    text = CASES["mit-noncommercial"].edit(_mit(corpus))
    model = _scan(tmp_path, capsys, "mit", text, "policy:\n  allow: [MIT, unknown]\n")
    assert REF.search(model["license"]["expression"])
    assert model["verdict"] == "review", model["verdict_reason"]
    assert model["decided_by"] == "finding:license-text-modified"


def test_a_modified_text_in_a_readme_license_section(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    """A whole license text under the card's '## License' heading is read like a file: the
    finding names README lines, and the changed terms are ANDed in."""
    text = CASES["mit-noncommercial"].edit((corpus / "mit.txt").read_text())
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    readme = ("---\nlicense: mit\n---\n# A model\n\nSome words.\n\n## License\n\n"
              "Copyright (c) 2024 Acme\n\n" + text)
    (model_dir / "README.md").write_text(readme, encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["scan", str(model_dir), "--no-config", "-f", "json"])
    [model] = json.loads(capsys.readouterr().out)["models"]
    assert model["license"]["expression"].startswith("MIT AND LicenseRef-licscan-custom-")
    assert model["flags"]["commercial_use"] == "unknown"
    [finding] = [f for f in model["findings"] if f["code"] == "license-text-modified"]
    assert finding["message"].startswith("README.md line "), finding["message"]
    lines = readme.splitlines()
    shown = [int(n) for n in re.findall(r": line (\d+): ", finding["message"])]
    assert shown and all(1 <= n <= len(lines) for n in shown)
    # the line shown is the README's, within the license section, not the section's own count
    assert shown[0] > lines.index("## License") + 1


def _lineage(text: bytes) -> tuple[ModelResult, ModelResult]:
    source = MemorySource([
        hub_snapshot("acme/base", {"license": "mit"}, {"LICENSE": text}),
        hub_snapshot("acme/tuned", {"license": "mit", "base_model": "acme/base",
                                    "base_model_relation": "finetune"})])
    scanner = Scanner(ScanOptions(jobs=2), source=source)
    base, tuned = scanner.scan([hub_ref("acme/base"), hub_ref("acme/tuned")]).models
    return base, tuned


def test_a_fine_tune_of_a_modified_base_inherits_its_terms(corpus: Path) -> None:
    text = CASES["mit-noncommercial"].edit(_mit(corpus)).encode("utf-8")
    base, tuned = _lineage(text)
    assert base.license is not None and base.license.expression is not None
    [ref] = REF.findall(base.license.expression)
    assert ref == _ref_of(text)
    assert tuned.license is not None and tuned.license.expression is not None
    assert ref in tuned.license.expression.split(" AND ")
    assert tuned.flags.commercial_use == "unknown"
    assert tuned.verdict != "allow"
    # the unmodified base passes nothing down: the ref comes from the modified text
    _base, plain = _lineage(_mit(corpus).encode("utf-8"))
    assert plain.license is not None and plain.license.expression == "MIT"
    assert plain.verdict == "allow"


# Words of our own added to a license text in a README section; the passage identification
# quotes for a difference is cut at 300 characters, so two edits that differ only after that
# look alike in the quoted differences.
_THANKS = ("The authors thank the community and the many contributors who have helped with "
           "testing, documentation, translations, bug reports and the reviews of this model over "
           "the years, and they hope that it is useful to researchers, students and practitioners "
           "who read this card and who try it out in their own projects and experiments with care")
_TAILS = {"a": "and commercial use is welcome.",
          "b": "and every licensee must pay the authors a royalty of half of all revenue made "
               "with the Work."}


def _apache_section_model(tmp_path: Path, corpus: Path, name: str, tail: str,
                          intro: str = "Some words.", after: str = "") -> tuple[Path, str]:
    """A model folder whose README's '## License' section is Apache-2.0 with a passage added
    before the end of its terms (and `after` it); returns the folder and the section's text."""
    apache = (corpus / "apache-2.0.txt").read_text()
    marker = "END OF TERMS AND CONDITIONS"
    assert marker in apache
    section = apache.replace(marker, f"{_THANKS} {tail}\n\n{marker}", 1) + after
    model = tmp_path / name
    model.mkdir()
    (model / "README.md").write_text(
        f"---\nlicense: apache-2.0\n---\n# A model\n\n{intro}\n\n## License\n\n{section}",
        encoding="utf-8")
    return model, section


def _scan_exit(model: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(model), "--no-lineage", *args])
    return int(exc.value.code or 0), capsys.readouterr().out


def test_a_readme_section_is_named_by_its_whole_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    """Two edits of a README's license section that differ only after the 300th character of
    an added passage are two licenses: allowing the first after review does not let the second
    through. The id is the section's whole text (whitespace collapsed), not the README's: the
    rest of the card may change without a new review."""
    refs = {}
    for name, tail in _TAILS.items():
        model, section = _apache_section_model(tmp_path, corpus, name, tail)
        _code, out = _scan_exit(model, capsys, "--no-config", "-f", "json")
        [result] = json.loads(out)["models"]
        [refs[name]] = REF.findall(result["license"]["expression"])
        assert result["license"]["expression"] == f"Apache-2.0 AND {refs[name]}"
        assert refs[name] == unknown_terms_ref(CUSTOM_REF, " ".join(section.split()))
    assert refs["a"] != refs["b"]
    # the card around the section changes: the same terms, the same id
    other, _section = _apache_section_model(tmp_path, corpus, "a2", _TAILS["a"],
                                            intro="Other words, and a longer introduction.")
    _code, out = _scan_exit(other, capsys, "--no-config", "-f", "json")
    assert REF.findall(json.loads(out)["models"][0]["license"]["expression"]) == [refs["a"]]
    # edit A reviewed and accepted; edit B is not
    config = tmp_path / "licscan.yaml"
    config.write_text(f"policy:\n  allow: [Apache-2.0, {refs['a']}, "
                      "{finding: license-text-modified}]\n  fail_on: review\n", encoding="utf-8")
    assert _scan_exit(tmp_path / "a", capsys, "--config", str(config))[0] == 0
    assert _scan_exit(tmp_path / "b", capsys, "--config", str(config))[0] != 0


def test_a_modified_text_without_a_sha256_is_named_by_its_whole_text(corpus: Path) -> None:
    """A file the source gives no SHA-256 for (in memory here) is named by its whole text too:
    two edits that differ only after the 300th character of a passage get two ids."""
    apache = (corpus / "apache-2.0.txt").read_text()
    marker = "END OF TERMS AND CONDITIONS"
    refs = []
    for tail in _TAILS.values():
        text = apache.replace(marker, f"{_THANKS} {tail}\n\n{marker}", 1)
        snapshot = hub_snapshot("acme/m", {"license": "apache-2.0"},
                                {"LICENSE": text.encode("utf-8")})
        source = MemorySource([replace(snapshot, files=tuple(
            replace(blob, sha256=None) for blob in snapshot.files))])
        [model] = Scanner(ScanOptions(jobs=1), source=source).scan([hub_ref("acme/m")]).models
        assert model.license is not None and model.license.expression is not None
        refs += REF.findall(model.license.expression)
    assert len(refs) == 2 and refs[0] != refs[1], refs


def test_a_section_too_long_to_read_whole_is_named_by_the_whole_readme(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    """A license section longer than licscan reads is identified by its start; its id is the
    whole README's, so two edits that differ only in the unread part are two licenses."""
    notes = " ".join(f"Note {n}: the authors thank the people who tested this model."
                     for n in range(1200))
    refs = []
    for name, tail in _TAILS.items():
        model, _section = _apache_section_model(tmp_path, corpus, name, "",
                                                after=f"\n\n{notes}\n\n{tail}\n")
        readme = (model / "README.md").read_text(encoding="utf-8")
        assert len(readme) > MAX_SECTION_CHARS
        _code, out = _scan_exit(model, capsys, "--no-config", "-f", "json")
        refs += REF.findall(json.loads(out)["models"][0]["license"]["expression"])
    assert len(refs) == 2 and refs[0] != refs[1], refs
