"""Workflow-command injection and the job summary, through the Action's entry point
(`python -m licscan.action`, as the runner starts it): text from the manifest, licscan.yaml or a
model card never becomes a workflow command, and never a link in the summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_action import POLICY, run_action, workspace

# What licscan itself issues: a stop-commands block around the text table, and annotations.
OURS = re.compile(r"::stop-commands::[0-9a-f]{32}|::[0-9a-f]{32}::"
                  r"|::(error|warning)( [^:\r\n]*)?::.*")
INJECTED = "::error title=pwned::injected"


def runner_lines(text: str) -> list[str]:
    """Lines as the runner reads them (.NET ReadLine: \\r, \\n or \\r\\n end a line)."""
    return re.split(r"\r\n|\r|\n", text)


def assert_no_injection(*outputs: str) -> None:
    for output in outputs:
        assert "##[" not in output  # the old command syntax, matched anywhere in a line
        for line in runner_lines(output):
            if line.strip().startswith("::"):  # the runner trims before it looks
                assert OURS.fullmatch(line.strip()), f"not a command of ours: {line!r}"
                head = line.strip().split("::")[1]
                props = head.partition(" ")[2]
                # escaped properties: nothing can add one or end them early, and every
                # annotation of ours has a licscan title
                pairs = [p.split("=", 1) for p in props.split(",") if p]
                assert all(key in ("file", "line", "title") for key, *_ in pairs), line
                if head.startswith(("error", "warning")):
                    assert dict(pairs).get("title", "").startswith("licscan"), line


@pytest.mark.parametrize(("manifest", "config"), [
    ('models:\n  - path: "models/x\\n::error title=pwned::injected\\n::add-mask::leak"\n',
     POLICY),
    ("models:\n  - path: models/mit-model\n",
     POLICY + '"zz\\n::add-mask::leak\\r::error title=pwned::x": 1\n'),
    ("models:\n  - path: models/mit-model\n",
     'policy:\n  deny: ["non-commercial\\n::error title=pwned::x"]\n'),
    ('models:\n  - path: "models/##[add-mask]leak"\n', POLICY),
    ("models:\n  - path: models/mit-model\n",
     'manifest: "models.yaml\\n::error title=pwned::x"\n' + POLICY),
])
def test_config_errors_cannot_issue_workflow_commands(tmp_path: Path, manifest: str,
                                                      config: str) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"}, config)
    (root / "models.yaml").write_text(manifest)
    done, outputs, summary = run_action(root, formats="json")
    assert done.returncode == 2, done.stdout + done.stderr
    assert outputs == {"verdict": "error", "failed": "true"}
    assert_no_injection(done.stdout, done.stderr)
    assert done.stderr.startswith("licscan: error: ")
    assert summary.startswith("## licscan: configuration error\n\n```\n")


def test_card_text_cannot_issue_workflow_commands(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"}, POLICY)
    model = root / "models" / "odd-model"
    model.mkdir()
    (model / "README.md").write_text(
        '---\nlicense: other\nlicense_name: "x\\n::error title=pwned::a\\r::add-mask::b"\n'
        'license_link: "##[add-mask]leak"\n---\n# odd\n')
    with (root / "models.yaml").open("a") as fh:
        fh.write("  - path: models/odd-model\n")
    done, outputs, _summary = run_action(root, formats="json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs["review"] == "1"
    assert_no_injection(done.stdout, done.stderr)
    assert "::warning file=models.yaml,line=4,title=licscan review::models/odd-model" \
        in done.stdout


def test_inputs_cannot_issue_workflow_commands(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"}, POLICY)
    done, _outputs, _summary = run_action(root, fail_on="deny\n::error title=pwned::x")
    assert done.returncode == 2
    assert_no_injection(done.stdout, done.stderr)


def test_card_urls_are_not_links_in_the_summary(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"}, POLICY)
    model = root / "models" / "linked-model"
    model.mkdir()
    (model / "README.md").write_text(
        "---\nlicense: other\nlicense_name: see https://evil.example/t or www.evil.example "
        "or mail x@evil.example\n---\n# linked\n")
    with (root / "models.yaml").open("a") as fh:
        fh.write("  - path: models/linked-model\n")
    done, outputs, summary = run_action(root, formats="json,markdown")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "evil" in summary  # the text is shown…
    assert "://" not in summary and "www." not in summary  # …but GitHub cannot link it
    assert not re.search(r"\w@[\w-]+\.", summary)
    assert (root / outputs["markdown-file"]).read_text() == summary


def test_rule_overrides_are_annotated_or_forbidden(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"nc-model": "cc-by-nc-4.0"}, POLICY + "rules: ours\n")
    rule = (Path(__file__).resolve().parent.parent / "rules" / "licenses" /
            "cc-by-nc-4.0.yaml").read_text().replace("category: non-commercial",
                                                     "category: permissive")
    (root / "ours" / "licenses").mkdir(parents=True)
    (root / "ours" / "licenses" / "cc-by-nc-4.0.yaml").write_text(rule)
    done, _outputs, _summary = run_action(root, formats="json")
    assert "::warning file=licscan.yaml,line=4,title=licscan rule override::" in done.stdout
    assert "redefines the built-in rule 'cc-by-nc-4.0'" in done.stdout
    done, outputs, _summary = run_action(root, formats="json", rule_overrides="forbid")
    assert done.returncode == 2 and outputs == {"verdict": "error", "failed": "true"}
    assert "rule overrides are forbidden here" in done.stderr
    assert_no_injection(done.stdout, done.stderr)
