"""The Action's pull-request comment, end to end: `python -m licscan.action` as the composite step
runs it, with the runner's files (GITHUB_EVENT_PATH with the recorded pull_request event,
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and GITHUB_API_URL pointing at a GitHub REST API double of
our own on 127.0.0.1 (list, create and update issue comments; 403 for a read-only token)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_action import POLICY, workspace

REPO = Path(__file__).resolve().parent.parent
EVENT = REPO / "tests" / "fixtures" / "action" / "pull_request.json"
GH_TOKEN = "ghs_" + "Actions" * 5
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}


# --- a GitHub REST API double ---------------------------------------------------------------


@dataclass
class GitHubDouble:
    """Issue comments of acme/product#42. `read_only`: writes answer 403 as GitHub does for a
    fork's token; a comment by someone else cannot be edited (403)."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    read_only: bool = False
    log: list[tuple[str, str]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    next_id: int = 1000
    url: str = ""
    user: dict[str, Any] | None = None  # GET /user: None for the job's token (403)
    may_edit_others: bool = True  # a token with write access may edit anyone's comment


    def add(self, body: str, user: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        comment = {"id": self.next_id, "body": body, "user": user or BOT,
                   "html_url": f"https://github.com/acme/product/pull/42#issuecomment-"
                               f"{self.next_id}"}
        self.comments.append(comment)
        return comment


def _handler(double: GitHubDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            url = urlsplit(self.path)
            double.log.append((self.command, url.path))
            double.tokens.add(self.headers.get("Authorization", ""))
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            forbidden = {"message": "Resource not accessible by integration",
                         "documentation_url": "https://docs.github.com/rest", "status": "403"}
            listing = re.fullmatch(r"/repos/acme/product/issues/42/comments", url.path)
            one = re.fullmatch(r"/repos/acme/product/issues/comments/(\d+)", url.path)
            if self.command == "GET" and url.path == "/user":
                if double.user is None:  # the job's GITHUB_TOKEN (an installation token)
                    return self._answer(403, forbidden)
                return self._answer(200, double.user)
            if self.command == "GET" and listing:
                query = parse_qs(url.query)
                size, page = int(query["per_page"][0]), int(query["page"][0])
                return self._answer(200, double.comments[(page - 1) * size:page * size])
            if double.read_only and self.command in ("POST", "PATCH"):
                return self._answer(403, forbidden)
            if self.command == "POST" and listing:
                return self._answer(201, double.add(body["body"], double.user))
            if self.command == "PATCH" and one:
                found = [c for c in double.comments if c["id"] == int(one.group(1))]
                if not found:
                    return self._answer(404, {"message": "Not Found"})
                if found[0]["user"]["login"] != (double.user or BOT)["login"] \
                        and not double.may_edit_others:
                    return self._answer(403, forbidden)
                found[0]["body"] = body["body"]
                return self._answer(200, found[0])
            return self._answer(404, {"message": "Not Found"})

        do_GET = do_POST = do_PATCH = _handle

    return Handler


@pytest.fixture
def github() -> Iterator[GitHubDouble]:
    double = GitHubDouble()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(double))
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()


# --- running the Action's script -------------------------------------------------------------


@dataclass
class Run:
    done: subprocess.CompletedProcess[str]
    outputs: dict[str, str]
    summary: str


def event_file(folder: Path, base: str = "0" * 40, head: str = "f" * 40) -> Path:
    path = folder / "event.json"
    path.write_text(EVENT.read_text().replace("BASE_SHA", base).replace("HEAD_SHA", head))
    return path


def run(root: Path, *, event: Path | None = None, api: str | None = None,
        extra_env: dict[str, str] | None = None, **inputs: str) -> Run:
    """The scan step as action.yml runs it (cwd elsewhere; PYTHONPATH = the Action's checkout)."""
    summary, outputs = root.parent / "summary.md", root.parent / "outputs.txt"
    summary.write_text("")
    outputs.write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "HF_"))}
    env.update(PYTHONPATH=str(REPO), GITHUB_WORKSPACE=str(root), GITHUB_STEP_SUMMARY=str(summary),
               GITHUB_OUTPUT=str(outputs), GITHUB_REPOSITORY="acme/product",
               GITHUB_SERVER_URL="https://github.com", GITHUB_RUN_ID="7001",
               GITHUB_EVENT_NAME="pull_request" if event else "push",
               HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_OFFLINE="1",
               HF_HOME=str(root.parent / "hf-home"), NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost", INPUT_GITHUB_TOKEN=GH_TOKEN,
               **{f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    if event:
        env["GITHUB_EVENT_PATH"] = str(event)
    # Nothing leaves loopback: without a double, the API is a closed port and no comment.
    env["GITHUB_API_URL"] = api or "http://127.0.0.1:9"
    if api is None:
        env.setdefault("INPUT_COMMENT", "never")
    env.update(extra_env or {})
    done = subprocess.run([sys.executable, "-m", "licscan.action"], cwd=root.parent, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    found: dict[str, str] = {}
    lines = iter(outputs.read_text().splitlines())
    for line in lines:
        name, sep, value = line.partition("=")
        if not sep and "<<" in line:  # a multi-line value
            name, delimiter = line.split("<<", 1)
            value = "\n".join(iter(lambda: next(lines), delimiter))
        found[name] = value
    return Run(done, found, summary.read_text())


MODELS = {"mit-model": "mit", "nc-model": "cc-by-nc-4.0"}


# --- the tests ------------------------------------------------------------------------------


def test_a_failing_pull_request_gets_one_comment_updated_on_every_run(
        tmp_path: Path, github: GitHubDouble) -> None:
    root = workspace(tmp_path / "ws", MODELS, POLICY)
    event = event_file(tmp_path)
    github.add("Thanks for the pull request!", {"login": "maintainer", "type": "User"})
    first = run(root, event=event, api=github.url, formats="json", scope="all")
    assert first.done.returncode == 1, first.done.stdout + first.done.stderr
    ours = [c for c in github.comments if c["body"].startswith("<!-- licscan -->\n")]
    assert len(ours) == 1 and len(github.comments) == 2
    body = ours[0]["body"]
    assert body.startswith("<!-- licscan -->\n## ❌ licscan: 1 deny, 0 review, 1 allow")
    assert "models/nc-model" in body and body.rstrip().endswith(
        "(https://github.com/acme/product/actions/runs/7001)")
    assert first.outputs["comment-url"] == ours[0]["html_url"]
    assert github.tokens == {f"Bearer {GH_TOKEN}"}
    assert GH_TOKEN not in first.done.stdout + first.done.stderr + first.summary

    # The contributor fixes the model: the same comment now says the pull request passes
    # (on-failure never leaves a stale failure behind), and no second comment appears.
    (root / "models" / "nc-model" / "README.md").write_text("---\nlicense: mit\n---\n# now MIT\n")
    github.log.clear()
    second = run(root, event=event, api=github.url, formats="json", scope="all")
    assert second.done.returncode == 0
    assert github.log == [("GET", "/user"), ("GET", "/repos/acme/product/issues/42/comments"),
                          ("PATCH", f"/repos/acme/product/issues/comments/{ours[0]['id']}")]
    assert len(github.comments) == 2 and ours[0]["body"].startswith(
        "<!-- licscan -->\n## ✅ licscan: 0 deny, 0 review, 2 allow")
    assert second.outputs["comment-url"] == ours[0]["html_url"]


def test_on_failure_writes_nothing_for_a_passing_pull_request_and_never_never_calls(
        tmp_path: Path, github: GitHubDouble) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"}, POLICY)
    event = event_file(tmp_path)
    passing = run(root, event=event, api=github.url, formats="json")
    assert passing.done.returncode == 0 and github.comments == []
    assert [m for m, _ in github.log] == ["GET", "GET"]  # who am I, the comments
    assert passing.outputs["comment-url"] == ""
    github.log.clear()
    run(root, event=event, api=github.url, formats="json", comment="never")
    assert github.log == []
    always = run(root, event=event, api=github.url, formats="json", comment="always")
    assert always.done.returncode == 0 and len(github.comments) == 1
    assert github.comments[0]["body"].startswith("<!-- licscan -->\n## ✅ licscan")


def test_the_marker_is_found_on_a_later_page_and_another_users_copy_is_left_alone(
        tmp_path: Path, github: GitHubDouble) -> None:
    root = workspace(tmp_path / "ws", MODELS, POLICY)
    for number in range(130):
        github.add(f"comment {number}", {"login": "someone", "type": "User"})
    github.add("<!-- licscan -->\nquoted by a person", {"login": "someone", "type": "User"})
    ours = github.add("<!-- licscan -->\nold report")
    done = run(root, event=event_file(tmp_path), api=github.url, formats="json")
    assert done.done.returncode == 1
    assert [m for m, _ in github.log] == ["GET"] * 3 + ["PATCH"]  # /user, pages 1 and 2
    assert ours["body"].startswith("<!-- licscan -->\n## ❌") and len(github.comments) == 132
    assert github.comments[130]["body"] == "<!-- licscan -->\nquoted by a person"


def test_a_read_only_token_warns_and_does_not_change_the_result(
        tmp_path: Path, github: GitHubDouble) -> None:
    root = workspace(tmp_path / "ws", MODELS, POLICY)
    github.read_only = True
    done = run(root, event=event_file(tmp_path), api=github.url, formats="json")
    assert done.done.returncode == 1  # the gate's answer, not the comment's
    assert [m for m, _ in github.log] == ["GET", "GET", "POST"]
    warning = [line for line in done.done.stdout.splitlines()
               if line.startswith("::warning title=licscan comment::")]
    assert warning == ["::warning title=licscan comment::cannot write the pull-request comment "
                       "on #42: HTTP 403: Resource not accessible by integration — the token "
                       "may not comment: give the job `permissions: pull-requests: write`; pull "
                       "requests from forks get a read-only token, so there the report is in "
                       "the job summary only"]
    assert done.outputs["failed"] == "true" and done.outputs["comment-url"] == ""
    passing = workspace(tmp_path / "ok", {"mit-model": "mit"}, POLICY)
    again = run(passing, event=event_file(tmp_path), api=github.url, formats="json",
                comment="always")
    assert again.done.returncode == 0 and "title=licscan comment::" in again.done.stdout


def test_an_unreachable_api_or_no_pull_request_is_not_an_error(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", MODELS, POLICY)
    down = run(root, event=event_file(tmp_path), api="http://127.0.0.1:9", formats="json")
    assert down.done.returncode == 1
    assert "::warning title=licscan comment::cannot write the pull-request comment on #42: " \
           "cannot reach http://127.0.0.1:9" in down.done.stdout
    plain = run(root, api="https://api.example.invalid", formats="json")  # a push: no PR
    assert plain.done.returncode == 1 and "licscan comment" not in plain.done.stdout
    insecure = run(root, event=event_file(tmp_path), api="http://api.example.com",
                   formats="json")
    assert "GITHUB_API_URL must be an https URL" in insecure.done.stdout


def test_warn_only_reports_but_passes(tmp_path: Path, github: GitHubDouble) -> None:
    root = workspace(tmp_path / "ws", MODELS, POLICY)
    done = run(root, event=event_file(tmp_path), api=github.url, formats="json,sarif",
               warn_only="true")
    assert done.done.returncode == 0, done.done.stdout + done.done.stderr
    assert done.outputs["failed"] == "true" and done.outputs["verdict"] == "deny"
    assert "::warning title=licscan warn-only::the gate would fail (1 deny, 0 review, 0 not " \
           "scanned; fail-on: deny), but warn-only is set" in done.done.stdout
    assert "::error file=models.yaml,line=4,title=licscan deny::" in done.done.stdout
    assert len(github.comments) == 1  # on-failure: a would-fail is a failure to comment on
    assert (root / "licscan-report" / "licscan.sarif").is_file()
    broken = run(root, formats="json", warn_only="true", fail_on="sometimes")
    assert broken.done.returncode == 2  # a configuration error is never waved through
    assert run(root, formats="json", warn_only="perhaps").done.returncode == 2


def test_a_comment_too_long_for_github_is_cut_with_a_pointer() -> None:
    from licscan.action import MARKER, MAX_COMMENT_CHARS, comment_body

    body = comment_body("## licscan\n" + "row\n" * 40_000, {
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/product",
        "GITHUB_RUN_ID": "7"})
    assert len(body) <= MAX_COMMENT_CHARS and body.startswith(MARKER)
    assert "cut to fit a comment" in body and body.endswith("/acme/product/actions/runs/7)")


def test_a_personal_token_updates_its_own_comment_and_never_a_persons(
        tmp_path: Path, github: GitHubDouble) -> None:
    root = workspace(tmp_path / "ws", MODELS, POLICY)
    event = event_file(tmp_path)
    person = {"login": "maintainer", "id": 7, "type": "User"}
    quoted = github.add("<!-- licscan -->\nI quote the report here", person)
    github.user = {"login": "release-bot-user", "id": 8, "type": "User"}  # a PAT's account
    first = run(root, event=event, api=github.url, formats="json")
    assert first.done.returncode == 1 and len(github.comments) == 2
    assert quoted["body"] == "<!-- licscan -->\nI quote the report here"  # may edit, did not
    mine = github.comments[1]
    assert mine["user"]["login"] == "release-bot-user"
    run(root, event=event, api=github.url, formats="json")
    assert len(github.comments) == 2 and mine["body"].startswith("<!-- licscan -->\n## ❌")


def test_model_text_cannot_mention_or_link_in_the_comment() -> None:
    """A card's text reaches the comment: `@user`, `@org/team` and e-mail addresses would notify
    people, URLs would become links. Each is broken where GitHub looks for it."""
    from licscan.action import no_autolinks

    shown = no_autolinks("license_name: @octocat and @acme/legal, mail x@evil.example, "
                         "see https://evil.example and www.evil.example; 5 @ 3")
    assert not re.search(r"@[\w-]", shown)
    assert "@&#8203;octocat" in shown and "@&#8203;acme/legal" in shown
    assert "https:/&#8203;/evil.example" in shown and "www&#8203;.evil" in shown
    assert "5 @ 3" in shown  # a lone @ names nobody
