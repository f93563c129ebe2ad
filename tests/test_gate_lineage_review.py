"""Gate holes in lineage (review round): what keeps a base model from being allowed reaches
its fine-tunes, through `licscan scan --format json` and the Hub test double.

A dataset with a base model's id is not that base; a base with custom terms or a card that
restricts use makes its fine-tune review; a base with no determinable license passes down
unknown terms. Card texts are our own."""

from __future__ import annotations

from pathlib import Path

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import Run, codes, expression, scan

NC_SENTENCE = ("This model is licensed under the Apache License 2.0, with the following "
               "additional restriction: it may be used for non-commercial research purposes "
               "only.\n")


def card(license_id: str, base: str | None = None, body: str = "") -> str:
    extra = f"base_model: {base}\nbase_model_relation: finetune\n" if base else ""
    return f"---\nlicense: {license_id}\n{extra}---\n# A model\n{body}"


def _by_id(run: Run) -> dict[str, dict]:  # type: ignore[type-arg]
    return {m["id"]: m for m in run.models}


def test_a_dataset_with_the_base_models_id_is_not_the_base(tmp_path: Path,
                                                           hub: HubDouble) -> None:
    hub.add_model(RepoSpec("acme/base", files={"README.md": card("cc-by-nc-4.0")}))
    hub.add_dataset(RepoSpec("acme/base", files={"README.md": card("mit")}))
    hub.add_model(RepoSpec("acme/ft", files={"README.md": card("mit", "acme/base")}))
    run = scan(tmp_path, "https://huggingface.co/datasets/acme/base", "acme/ft",
               endpoint=hub.url)
    ft = _by_id(run)["acme/ft"]
    assert ft["verdict"] == "deny", ft
    assert "CC-BY-NC-4.0" in expression(ft)
    assert ft["lineage"]["parents"][0]["license"] == "CC-BY-NC-4.0"


def test_a_base_with_custom_terms_makes_its_fine_tune_review(tmp_path: Path,
                                                            hub: HubDouble) -> None:
    hub.add_model(RepoSpec("acme/base", files={"README.md": card("apache-2.0"),
                                                "LICENSE": NC_SENTENCE}))
    hub.add_model(RepoSpec("acme/ft", files={"README.md": card("mit", "acme/base")}))
    models = _by_id(scan(tmp_path, "acme/base", "acme/ft", endpoint=hub.url))
    base, ft = models["acme/base"], models["acme/ft"]
    custom = [p for p in expression(base).split(" AND ")
              if p.startswith("LicenseRef-licscan-custom-")]
    assert base["verdict"] != "allow" and custom, base
    assert ft["verdict"] != "allow", ft
    assert custom[0] in expression(ft).split(" AND ")
    assert "base-model-restricted" in codes(ft)


def test_a_base_whose_card_restricts_use_makes_its_fine_tune_review(
        tmp_path: Path, hub: HubDouble) -> None:
    hub.add_model(RepoSpec("acme/base", files={"README.md": card(
        "apache-2.0", body="\nThe weights may be used for non-commercial research purposes "
                           "only.\n")}))
    hub.add_model(RepoSpec("acme/ft", files={"README.md": card("mit", "acme/base")}))
    ft = scan(tmp_path, "acme/ft", endpoint=hub.url).model()
    assert ft["verdict"] != "allow", ft
    restricted = [f for f in ft["findings"] if f["code"] == "base-model-restricted"]
    assert restricted and "card-restricts-use" in restricted[0]["message"]


def test_a_base_without_a_determinable_license_passes_unknown_terms(
        tmp_path: Path, hub: HubDouble) -> None:
    hub.add_model(RepoSpec("acme/base-other", files={"README.md": card("other")}))
    hub.add_model(RepoSpec("acme/base-nocard", files={"README.md": "# weights\n"}))
    hub.add_model(RepoSpec("acme/ft1", files={"README.md": card("mit", "acme/base-other")}))
    hub.add_model(RepoSpec("acme/ft2", files={"README.md": card("mit", "acme/base-nocard")}))
    models = _by_id(scan(tmp_path, "acme/base-other", "acme/ft1", "acme/ft2",
                         endpoint=hub.url))
    for name, base in (("acme/ft1", "acme-base-other"), ("acme/ft2", "acme-base-nocard")):
        ft = models[name]
        assert ft["verdict"] != "allow", ft
        assert f"LicenseRef-licscan-unresolved-base-{base}" in expression(ft)
        assert "lineage-unresolved" in codes(ft)


def test_a_clean_permissive_base_still_allows_its_fine_tune(tmp_path: Path,
                                                            hub: HubDouble,
                                                            corpus: Path) -> None:
    hub.add_model(RepoSpec("acme/base", files={
        "README.md": card("mit"), "LICENSE": (corpus / "mit.txt").read_bytes()}))
    hub.add_model(RepoSpec("acme/ft", files={
        "README.md": card("mit", "acme/base"), "LICENSE": (corpus / "mit.txt").read_bytes()}))
    ft = scan(tmp_path, "acme/ft", endpoint=hub.url).model()
    assert ft["verdict"] == "allow", ft
    assert expression(ft) == "MIT"
    assert "base-model-restricted" not in codes(ft)
