"""A release the project can make (docs/release.md): `python -m build` turns this tree into a
wheel and an sdist; the wheel installs into a fresh virtualenv and runs the demo from another
folder; each artifact holds what it must and nothing it must not (the corpus); the version, the
changelog and the tags follow the scheme.

The build uses the venv's hatchling when it is installed (no network), else an isolated build
that fetches hatchling from the package index; the fresh venv installs the wheel's dependencies
from the package index, as a user's `pip install` does (that checks the declared dependencies).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import licscan
from tests.conftest import CORPUS

REPO = Path(__file__).resolve().parent.parent
VERSION = licscan.__version__
SEMVER = r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
OFFLINE = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1"}
DATA = ("rules", "templates", "examples")  # mapped into licscan/_data/ (licscan/_resources.py)


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


def source_files(folder: str) -> set[str]:
    root = REPO / folder
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


# --- the build ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    done = run([sys.executable, "-m", "build", *isolation, "--outdir", str(out), str(REPO)],
               REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    return dist / f"licscan-{VERSION}-py3-none-any.whl"


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    return dist / f"licscan-{VERSION}.tar.gz"


@pytest.mark.slow
def test_build_makes_one_wheel_and_one_sdist_of_this_version(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [
        f"licscan-{VERSION}-py3-none-any.whl", f"licscan-{VERSION}.tar.gz"]


@pytest.mark.slow
def test_the_wheel_carries_the_data_metadata_and_entry_point(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"licscan-{VERSION}.dist-info"
        metadata = Parser().parsestr(zf.read(f"{info}/METADATA").decode())
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    for folder in DATA:  # where _resources looks first; every file of the folder
        packaged = {n.removeprefix(f"licscan/_data/{folder}/") for n in names
                    if n.startswith(f"licscan/_data/{folder}/")}
        missing = source_files(folder) - packaged
        assert not missing, f"{folder}/ files missing from the wheel: {sorted(missing)[:5]}"
    assert {"licscan/__init__.py", "licscan/py.typed", "licscan/schemas/rule.schema.json",
            "licscan/_resources.py", "licscan/cli/__init__.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "docs/", "bench/"))
                or n.endswith(".pyc")]
    assert metadata["Name"] == "licscan" and metadata["Version"] == VERSION
    assert "licscan = licscan.cli:main" in entry_points
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert metadata["Requires-Python"] == project["requires-python"]
    required = {requirement_key(r) for r in metadata.get_all("Requires-Dist") or []
                if "extra ==" not in r}
    assert required == {requirement_key(d) for d in project["dependencies"]}


def requirement_key(text: str) -> tuple[str, str, frozenset[str]]:
    requirement = Requirement(text)
    return (canonicalize_name(requirement.name), str(requirement.specifier),
            frozenset(requirement.extras))


@pytest.mark.slow
def test_the_sdist_has_sources_rules_templates_tests_and_no_corpus(sdist: Path) -> None:
    top = f"licscan-{VERSION}/"
    with tarfile.open(sdist) as tf:
        members = {m.name.removeprefix(top): m for m in tf.getmembers() if m.isfile()}
        digests = {hashlib.sha256(tf.extractfile(m).read()).hexdigest(): name  # type: ignore[union-attr]
                   for name, m in members.items()}
    names = set(members)
    assert {"pyproject.toml", "README.md", "licscan/__init__.py", "licscan/_resources.py",
            "rules/pack.yaml", "templates/report.html.j2", "tests/conftest.py",
            "tests/test_release.py", "tests/hubdouble/__init__.py", ".pre-commit-hooks.yaml",
            "action.yml", "CHANGELOG.md", "requirements/action.txt"} <= names
    for folder in ("rules", "templates"):
        missing = source_files(folder) - {n.removeprefix(f"{folder}/") for n in names}
        assert not missing, f"{folder}/ files missing from the sdist: {sorted(missing)[:5]}"
    assert not [n for n in names if {"shared", "corpus", ".git", ".venv", "__pycache__",
                                     ".hypothesis"} & set(n.split("/"))]
    assert "INDEX.tsv" not in {n.rsplit("/", 1)[-1] for n in names}
    if CORPUS.is_dir():  # no corpus text under another name either
        for text in sorted(CORPUS.rglob("*")):
            if text.is_file():
                copied = digests.get(hashlib.sha256(text.read_bytes()).hexdigest())
                assert copied is None, f"{copied} is a copy of the corpus text {text.name}"


# --- the wheel, installed ---------------------------------------------------------------------


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_venv_and_runs_the_demo(
        wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    created = run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert created.returncode == 0, created.stderr
    python, exe = venv / "bin" / "python", venv / "bin" / "licscan"
    installed = run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(OFFLINE, PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    where = run([str(python), "-c", "import licscan, licscan._resources as r; "
                 "print(licscan.__file__, r.rules_dir(), r.templates_dir(), r.examples_dir(), "
                 "sep='\\n')"], elsewhere, env)
    assert where.returncode == 0, where.stderr
    site = (venv / "lib").resolve()
    for line in where.stdout.splitlines():  # the installed copy, never this checkout
        assert Path(line).resolve().is_relative_to(site), line
        assert "_data" in line or line.endswith("__init__.py")

    version = run([str(exe), "--version"], elsewhere, env)
    assert version.returncode == 0 and VERSION in version.stdout, version.stdout + version.stderr
    demo = run([str(exe), "demo"], elsewhere, env)
    assert demo.returncode in (0, 1), demo.stdout + demo.stderr  # 1: the demo has deny models
    models = sorted(p.name for p in (REPO / "examples" / "models").iterdir() if p.is_dir())
    assert len(models) >= 5
    for name in models:
        assert f"models/{name}" in demo.stdout, name
    assert re.search(r"\d+ model\(s\): \d+ allow, \d+ review, \d+ deny", demo.stdout)
    report = elsewhere / "licscan-demo.html"
    assert report.is_file() and "acme-llama-support" in report.read_text()


# --- the version scheme -------------------------------------------------------------------


def semver_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def changelog_problems(text: str, version: str, tags: set[str]) -> list[str]:
    """What breaks the scheme of docs/release.md; [] when the changelog, `version` and the git
    tags agree."""
    if not re.fullmatch(SEMVER, version):
        return [f"version {version!r} is not MAJOR.MINOR.PATCH"]
    headings = re.findall(r"^## (.*)$", text, re.MULTILINE)
    if not headings:
        return ["no version section (## [Unreleased] or ## [X.Y.Z] - YYYY-MM-DD)"]
    released, problems = released_sections(text, headings)
    numbers = [semver_key(v) for v, _ in released]
    if numbers != sorted(set(numbers), reverse=True):
        problems.append("released versions are not listed newest first, each once")
    if [d for _, d in released] != sorted((d for _, d in released), reverse=True):
        problems.append("release dates are not newest first")
    if headings[0] == "[Unreleased]":
        if numbers and semver_key(version) <= numbers[0]:
            problems.append(f"__version__ {version} is not newer than the last release "
                            f"{released[0][0]}: open the next version")
        if f"v{version}" in tags:
            problems.append(f"tag v{version} exists but the changelog has it unreleased")
    elif released and released[0][0] != version:
        problems.append(f"top release {released[0][0]} is not __version__ {version}")
    for tag in sorted(tags):
        if not re.fullmatch(rf"v{SEMVER}", tag):
            problems.append(f"tag {tag} is not vX.Y.Z")
        elif tag[1:] not in {v for v, _ in released}:
            problems.append(f"tag {tag} has no released section in the changelog")
    return problems


def released_sections(text: str, headings: list[str],
                      ) -> tuple[list[tuple[str, datetime.date]], list[str]]:
    released: list[tuple[str, datetime.date]] = []
    problems: list[str] = []
    for index, heading in enumerate(headings):
        if heading == "[Unreleased]":
            if index:
                problems.append("[Unreleased] is not the first section")
            continue
        match = re.fullmatch(rf"\[({SEMVER})\] - (\d{{4}}-\d{{2}}-\d{{2}})", heading)
        if not match:
            problems.append(f"heading {heading!r} is neither [Unreleased] nor [X.Y.Z] - date")
            continue
        try:
            released.append((match[1], datetime.date.fromisoformat(match[2])))
        except ValueError:
            problems.append(f"heading {heading!r}: not a date")
        body = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0].strip()
        if not re.match(r"Rule pack \d{4}\.\d{1,2}\.\d+\.", body):
            problems.append(f"{match[1]}: the section does not start with 'Rule pack YYYY.M.N.'")
    return released, problems


def release_tags() -> set[str]:
    if not (REPO / ".git").exists():
        return set()
    done = run(["git", "tag", "--list", "v*"], REPO)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_version_changelog_and_tags_follow_the_scheme() -> None:
    assert changelog_problems((REPO / "CHANGELOG.md").read_text(), VERSION, release_tags()) == []
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["hatch"]["version"]["path"] == "licscan/__init__.py"
    pack = (REPO / "rules" / "pack.yaml").read_text()
    assert re.search(r'^version: "\d{4}\.(?:[1-9]|1[0-2])\.[1-9]\d*"$', pack, re.MULTILINE)


RELEASED = "## [0.2.0] - 2027-02-01\n\nRule pack 2027.1.2.\n\n## [0.1.0] - 2027-01-10\n\n" \
    "Rule pack 2026.12.3.\n"


@pytest.mark.parametrize(("text", "version", "tags", "problem"), [
    ("## [Unreleased]\n", "0.1", set(), "not MAJOR.MINOR.PATCH"),
    ("## [Unreleased]\n", "0.1.0-rc.1", set(), "not MAJOR.MINOR.PATCH"),
    ("# Changelog\n", "0.1.0", set(), "no version section"),
    (RELEASED, "0.3.0", {"v0.1.0", "v0.2.0"}, "top release 0.2.0 is not __version__ 0.3.0"),
    ("## [Unreleased]\n\n" + RELEASED, "0.2.0", set(), "open the next version"),
    ("## [Unreleased]\n", "0.1.0", {"v0.1.0"}, "tag v0.1.0 exists"),
    (RELEASED, "0.2.0", {"v0.1.0", "v0.2.0", "v0.1.5"}, "tag v0.1.5 has no released section"),
    (RELEASED, "0.2.0", {"v0.2.0", "0.1.0"}, "tag 0.1.0 is not vX.Y.Z"),
    (RELEASED.replace("[0.2.0]", "[0.0.9]"), "0.0.9", set(), "newest first"),
    (RELEASED.replace("2027-01-10", "2027-03-10"), "0.2.0", set(), "dates are not newest"),
    (RELEASED.replace("Rule pack 2027.1.2.", "Fixes."), "0.2.0", set(), "Rule pack"),
    (RELEASED + "## [Unreleased]\n", "0.2.0", set(), "not the first section"),
    ("## [0.1.0] 2027-01-10\n", "0.1.0", set(), "neither [Unreleased]"),
    ("## [0.1.0] - 2027-02-30\n\nRule pack 2026.12.3.\n", "0.1.0", set(), "not a date"),
])
def test_the_scheme_check_catches(text: str, version: str, tags: set[str], problem: str) -> None:
    problems = changelog_problems(text, version, tags)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(("text", "version", "tags"), [
    ("## [Unreleased]\n", "0.1.0", set()),
    ("## [Unreleased]\n\n" + RELEASED, "0.2.1", {"v0.1.0", "v0.2.0"}),
    (RELEASED, "0.2.0", {"v0.1.0", "v0.2.0"}),
])
def test_the_scheme_check_accepts(text: str, version: str, tags: set[str]) -> None:
    assert changelog_problems(text, version, tags) == []


# --- placeholders -----------------------------------------------------------------------------

PLACEHOLDERS = {  # the first cell of its row in docs/release.md -> how it appears in a file
    "`licscan` on PyPI": r"pip install(?: -{1,2}[\w-]+)* licscan(?![\w.@ -]*[@/])\b(?![.-])",
    "`https://github.com/licscan/licscan`": r"github\.com/licscan/licscan",
    "`rev: v0.1.0`": r"rev: v\d+\.\d+\.\d+",
    "`licscan/licscan@v0`": r"licscan/licscan@v\d",
}


def placeholder_table() -> dict[str, set[str]]:
    """For each placeholder, the files its row in docs/release.md names."""
    rows: dict[str, set[str]] = {}
    for line in (REPO / "docs" / "release.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = next((k for k in PLACEHOLDERS if cells[0].startswith(k)), None)
        if line.startswith("| ") and len(cells) == 4 and key:
            rows[key] = set(re.findall(r"`([\w./-]+\.[a-z]+)`", cells[2]))
    return rows


def project_text_files() -> list[Path]:
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO)
    if listed.returncode == 0:
        paths = [REPO / n for n in filter(None, listed.stdout.split("\0"))]
    else:  # an unpacked sdist
        paths = [p for p in REPO.rglob("*") if ".venv" not in p.parts]
    skip = {REPO / "CHANGELOG.md", REPO / "docs" / "release.md"}
    return [p for p in paths if p.is_file() and p not in skip and "tests" not in
            p.relative_to(REPO).parts and p.suffix in {".md", ".py", ".yaml", ".yml", ".toml",
                                                        ".j2", ".txt", ".json", ""}]


def test_every_placeholder_is_listed_where_it_appears() -> None:
    table = placeholder_table()
    assert set(table) == set(PLACEHOLDERS), sorted(table)
    unlisted = []
    for path in project_text_files():
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        name = path.relative_to(REPO).as_posix()
        for row, pattern in PLACEHOLDERS.items():
            if re.search(pattern, text) and name not in table[row]:
                unlisted.append(f"{name}: {row}")
    assert unlisted == [], "add these files to the placeholder table of docs/release.md"


@pytest.mark.parametrize(("row", "text", "found"), [
    ("`licscan` on PyPI", "pip install --quiet licscan\n", True),
    ("`licscan` on PyPI", "run `pip install licscan`.", True),
    ("`licscan` on PyPI", 'pip install "licscan @ git+https://h/o/licscan@abc"', False),
    ("`licscan` on PyPI", "pip install ./.licscan-action", False),
    ("`licscan` on PyPI", "pip install -q licscan-extra", False),
    ("`rev: v0.1.0`", "    rev: v0.1.0\n", True),
    ("`rev: v0.1.0`", "    rev: 0123456789abcdef\n", False),
    ("`licscan/licscan@v0`", "uses: licscan/licscan@v0", True),
    ("`licscan/licscan@v0`", "uses: OWNER/licscan@0123abc", False),
])
def test_placeholder_patterns(row: str, text: str, found: bool) -> None:
    assert bool(re.search(PLACEHOLDERS[row], text)) is found
