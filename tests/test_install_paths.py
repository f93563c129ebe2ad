"""Using the hook and the Action before licscan is published, exactly as docs/release.md says
(and any page of README.md or docs/ with a block marked like its pre-commit blocks): from a
clone of this repository pinned at a commit, with the real pre-commit, and action.yml's steps run
from a clone inside a workspace the way `uses: ./PATH` runs them.

The clone is `git clone` of this repository at its HEAD commit (committed work only, as a user's
clone would be). pre-commit and the Action install licscan's dependencies from the package index
(CI has one); licscan itself comes from the clone. `licscan lock` runs from a venv into which the
clone was pip-installed, as the docs tell users to do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_lockfile import OFFLINE, card
from tests.test_precommit import PRE_COMMIT, git, run

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
CLONE_PLACEHOLDER = "/path/to/licscan"
SHA_PLACEHOLDER = "0123456789abcdef0123456789abcdef01234567"
MARKER = "# .pre-commit-config.yaml ("
DENIED = "models/nc-model"


def config_blocks(path: Path) -> list[str]:
    """The pre-commit configurations a page documents: ```yaml blocks starting with MARKER."""
    if not path.is_file():
        return []
    blocks = re.findall(r"```yaml\n(.*?)```", path.read_text(), re.DOTALL)
    return [block for block in blocks if block.startswith(MARKER)]


PAGES = ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("docs/*.md"))]
DOCUMENTED = [(name, index) for name in PAGES for index in range(len(config_blocks(REPO / name)))]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not PRE_COMMIT.exists():
        pytest.skip("pre-commit is not installed")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout (an unpacked sdist): nothing to clone")
    dest = tmp_path_factory.mktemp("clone") / "licscan"
    git(REPO, "clone", "-q", str(REPO), str(dest))
    return dest, git(dest, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def installed(clone: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install /path/to/licscan` into a venv: its bin folder."""
    venv = tmp_path_factory.mktemp("venv") / "licscan"
    assert run([sys.executable, "-m", "venv", str(venv)], venv.parent).returncode == 0
    done = run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(clone[0])],
               venv.parent)
    assert done.returncode == 0, done.stdout
    return venv / "bin"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def models(root: Path, manifest: list[str]) -> None:
    for name, license_id in (("mit-model", "mit"), ("nc-model", "cc-by-nc-4.0")):
        (root / "models" / name).mkdir(parents=True, exist_ok=True)
        (root / "models" / name / "README.md").write_text(card(license_id))
    (root / "models.yaml").write_text("models:\n" + "".join(f"  - path: {m}\n" for m in manifest))
    (root / "licscan.yaml").write_text("policy:\n  deny: [non-commercial]\n  allow: [MIT]\n")


def lock(root: Path, bin_dir: Path) -> None:
    done = run([str(bin_dir / "licscan"), "lock"], root, OFFLINE)
    assert done.returncode == 0, done.stdout


def test_the_docs_give_the_three_pre_commit_forms() -> None:
    blocks = config_blocks(REPO / "docs" / "release.md")
    assert len(blocks) == 3
    clone_form, installs, system = (yaml.safe_load(b)["repos"][0] for b in blocks)
    assert clone_form == {"repo": CLONE_PLACEHOLDER, "rev": SHA_PLACEHOLDER,
                          "hooks": [{"id": "licscan"}]}
    assert installs["repo"] == system["repo"] == "local"
    assert installs["hooks"][0]["language"] == "python"
    assert f"{CLONE_PLACEHOLDER}@{SHA_PLACEHOLDER}" in installs["hooks"][0][
        "additional_dependencies"][0]
    assert system["hooks"][0]["language"] == "system"
    published = next(hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
                     if hook["id"] == "licscan")
    for local in (installs, system):  # the local hooks behave as the published one
        hook = local["hooks"][0]
        for key in ("id", "entry", "pass_filenames", "always_run", "require_serial"):
            assert hook[key] == published[key], key


@pytest.mark.parametrize(("page", "index"), DOCUMENTED,
                         ids=[f"{page}#{index}" for page, index in DOCUMENTED])
def test_a_documented_hook_passes_an_allowed_model_and_blocks_a_denied_one(
        page: str, index: int, clone: tuple[Path, str], installed: Path, pre_commit_home: Path,
        tmp_path: Path) -> None:
    path, sha = clone
    config = config_blocks(REPO / page)[index]
    config = config.replace(CLONE_PLACEHOLDER, str(path)).replace(SHA_PLACEHOLDER, sha)
    assert "/path/to" not in config and "0123456789abcdef" not in config, config

    root = tmp_path / "product"
    root.mkdir()
    git(root, "init", "-q")
    models(root, ["models/mit-model"])
    (root / ".pre-commit-config.yaml").write_text(config)
    env = {"PRE_COMMIT_HOME": str(pre_commit_home), **OFFLINE}
    if "language: system" in config:  # licscan installed where `git commit` runs
        env["PATH"] = f"{installed}{os.pathsep}{os.environ.get('PATH', '')}"
    assert run([str(PRE_COMMIT), "install"], root, env).returncode == 0
    lock(root, installed)

    git(root, "add", "-A")
    allowed = run(["git", "commit", "-m", "an MIT model"], root, env)
    assert allowed.returncode == 0, allowed.stdout
    assert re.search(r"licscan check\.+Passed", allowed.stdout), allowed.stdout
    assert "[WARNING]" not in allowed.stdout, allowed.stdout  # e.g. a mutable rev

    models(root, ["models/mit-model", DENIED])
    lock(root, installed)
    git(root, "add", "-A")
    denied = run(["git", "commit", "-m", "a non-commercial model"], root, env)
    assert denied.returncode != 0, denied.stdout
    assert re.search(r"licscan check\.+Failed", denied.stdout), denied.stdout
    assert f"{DENIED}: deny" in denied.stdout, denied.stdout
    assert git(root, "log", "--format=%s") == "an MIT model"


# --- the Action from a local path ----------------------------------------------------------


def expand(text: str, context: dict[str, str]) -> str:
    """${{ name }} for the names action.yml uses; any other expression fails the test."""
    def value(match: re.Match[str]) -> str:
        name = match[1].strip()
        if name not in context:
            pytest.fail(f"action.yml uses ${{{{ {name} }}}}, which this test does not provide")
        return context[name]
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def uses_step(step: dict[str, str], context: dict[str, str]) -> None:
    """setup-python stands for this interpreter; actions/cache restores nothing (a cache miss,
    as on a first run)."""
    if step["uses"].startswith("actions/setup-python@"):
        context[f"steps.{step['id']}.outputs.python-path"] = sys.executable
    elif step["uses"].startswith("actions/cache@"):
        context[f"steps.{step.get('id')}.outputs.cache-hit"] = "false"
    else:
        pytest.fail(f"action.yml uses {step['uses']}, which this test cannot stand in for")


def run_action(action_dir: Path, workspace: Path, temp: Path, inputs: dict[str, str],
               ) -> tuple[int, dict[str, str], str]:
    """action.yml's steps as a runner runs a composite action: bash -eo pipefail in the
    workspace, GITHUB_OUTPUT per step; `uses:` steps as uses_step says."""
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    context = {f"inputs.{name}": str(spec.get("default", ""))
               for name, spec in action["inputs"].items()}
    context.update({f"inputs.{k}": v for k, v in inputs.items()},
                   **{"github.action_path": str(action_dir)})
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    base.update(OFFLINE, RUNNER_TEMP=str(temp), GITHUB_WORKSPACE=str(workspace),
                GITHUB_ACTION_PATH=str(action_dir),
                GITHUB_STEP_SUMMARY=str(temp / "summary.md"))
    log = ""
    code = 0
    for number, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            uses_step(step, context)
            continue
        assert "if" not in step, step
        assert step["shell"] == "bash"
        outputs = temp / f"output-{number}"
        outputs.write_text("")
        script = temp / f"step-{number}.sh"
        script.write_text(expand(step["run"], context))
        env = dict(base, GITHUB_OUTPUT=str(outputs),
                   **{k: expand(str(v), context) for k, v in step.get("env", {}).items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=env, capture_output=True, text=True,
                              timeout=600, check=False)
        log += done.stdout + done.stderr
        for line in outputs.read_text().splitlines():
            key, _, val = line.partition("=")
            context[f"steps.{step.get('id')}.outputs.{key}"] = val
        code = done.returncode
        if code:
            break
    results = {name: expand(spec["value"], context) for name, spec in action["outputs"].items()}
    return code, results, log


def test_the_action_runs_from_a_local_path_at_a_commit(clone: tuple[Path, str],
                                                        tmp_path: Path) -> None:
    path, sha = clone
    workspace = tmp_path / "ws"
    workspace.mkdir()
    git(workspace, "init", "-q")
    models(workspace, ["models/mit-model", DENIED])
    action_dir = workspace / ".licscan-action"  # actions/checkout with repository, ref, path
    git(workspace, "clone", "-q", str(path), str(action_dir))
    git(action_dir, "checkout", "-q", "--detach", sha)
    temp = tmp_path / "runner-temp"
    temp.mkdir()

    code, outputs, log = run_action(action_dir, workspace, temp, {"fail-on": "deny"})
    assert code == 1, log
    assert (outputs["verdict"], outputs["failed"], outputs["allow"], outputs["deny"]) == \
        ("deny", "true", "1", "1"), (outputs, log)
    sarif = workspace / outputs["sarif-file"]  # relative to the workspace, or absolute
    assert sarif.is_file() and sarif.resolve().is_relative_to(workspace.resolve())
    assert DENIED in (temp / "summary.md").read_text()
    venv_python = temp / "licscan-venv" / "bin" / "python"
    where = run([str(venv_python), "-c", "import licscan; print(licscan.__file__)"], workspace,
                {"PYTHONPATH": str(action_dir)})
    assert Path(where.stdout.strip()).is_relative_to(action_dir), where.stdout
