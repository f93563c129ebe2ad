"""No scan runs past its deadline, whatever the endpoint does (issue 12: "Hostile Hub
endpoint"). A hostile Hub of our own on 127.0.0.1 (standard library only) trickles response
headers a line or a byte at a time, sends a gzip header whose comment never ends, or
trickles a license file; it also serves one normal model. The scan, a separate
`python -m licscan` process with `--timeout 2`, must report every model: the hostile ones as
`status: error`, kind `timeout`, the normal one as scanned, within the documented model
deadline (10 x --timeout) plus generous slack. The figure is printed, not asserted tightly.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_gate_common import scan_process

SHA = "0123456789abcdef0123456789abcdef01234567"
TIMEOUT = 2.0
MODEL_DEADLINE = 10 * TIMEOUT  # licscan.sources.hub: model_deadline defaults to 10 x timeout
SLACK = 10.0  # process start-up, a slow CI machine
FILES = {"README.md": b"---\nlicense: mit\n---\n# fine\n", "LICENSE": b"MIT License\n"}
TRICKLE_S = 0.5
GIVE_UP_S = 300.0  # the server's own bound, so that a broken client cannot hang the suite


def _info(repo_id: str) -> bytes:
    siblings = [{"rfilename": name, "size": len(data)} for name, data in FILES.items()]
    return json.dumps({"id": repo_id, "sha": SHA, "siblings": siblings,
                       "cardData": {"license": "mit"}, "tags": []}).encode()


class Hostile(socketserver.BaseRequestHandler):
    """One HTTP/1.1 exchange per connection; the path picks the behaviour."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                head += chunk
            path = head.split(b" ", 2)[1].decode()
            self.answer(sock, path)
        except OSError:
            return

    def answer(self, sock: socket.socket, path: str) -> None:
        if "evil/trickle-headers" in path:
            sock.sendall(b"HTTP/1.1 200 OK\r\n")
            self.trickle(sock, lambda i: f"X-Slow-{i}: yes\r\n".encode())
        elif "evil/trickle-bytes" in path:
            status = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            self.trickle(sock, lambda i: status[i:i + 1] if i < len(status) else b"X")
        elif "evil/gzip-comment" in path:
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Encoding: gzip\r\nConnection: close\r\n\r\n"
                         b"\x1f\x8b\x08\x10\0\0\0\0\0\xff")  # FCOMMENT set: a comment follows
            self.trickle(sock, lambda i: b"c")  # ... and never ends (no NUL)
        elif path.startswith("/api/models/"):
            self.send(sock, _info(path.removeprefix("/api/models/").split("?")[0]))
        elif "/resolve/" in path:
            name = path.rsplit("/", 1)[1]
            if path.startswith("/evil/slow-file/") and name == "LICENSE":
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                self.trickle(sock, lambda i: b"x")
            else:
                self.send(sock, FILES.get(name, b""), 200 if name in FILES else 404)
        else:
            self.send(sock, b"{}", 404)

    @staticmethod
    def send(sock: socket.socket, body: bytes, status: int = 200) -> None:
        sock.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)

    @staticmethod
    def trickle(sock: socket.socket, piece: object) -> None:
        started, i = time.monotonic(), 0
        while time.monotonic() - started < GIVE_UP_S:
            sock.sendall(piece(i))  # type: ignore[operator]
            i += 1
            time.sleep(TRICKLE_S)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def hostile() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


HOSTILE = ["evil/trickle-headers", "evil/trickle-bytes", "evil/gzip-comment", "evil/slow-file"]


def test_hostile_endpoint_cannot_hang_the_scan(hostile: str, tmp_path: Path) -> None:
    started = time.monotonic()
    run = scan_process(tmp_path, *HOSTILE, "acme/fine", endpoint=hostile,
                       extra=("--timeout", str(TIMEOUT), "--no-cache", "--jobs", "8"),
                       timeout=MODEL_DEADLINE + SLACK + 60)
    elapsed = time.monotonic() - started
    print(f"\nscan of {len(HOSTILE)} hostile models and 1 normal model with --timeout "
          f"{TIMEOUT:g}: {elapsed:.1f} s (model deadline {MODEL_DEADLINE:g} s)")
    models = {m["id"]: m for m in run.models}
    assert list(models) == [*HOSTILE, "acme/fine"]
    for repo_id in HOSTILE:
        model = models[repo_id]
        assert model["status"] == "error", (repo_id, model)
        assert model["error"]["kind"] == "timeout", (repo_id, model["error"])
    assert models["acme/fine"]["status"] == "ok"
    assert models["acme/fine"]["license"]["expression"] == "MIT"
    assert run.code == 1  # errors fail the gate
    assert elapsed < MODEL_DEADLINE + SLACK


def test_one_hostile_model_first_then_a_normal_one(hostile: str, tmp_path: Path) -> None:
    """The issue's case: [hostile, normal] with one worker; the normal model is reported."""
    started = time.monotonic()
    run = scan_process(tmp_path, "evil/trickle-headers", "acme/fine", endpoint=hostile,
                       extra=("--timeout", str(TIMEOUT), "--no-cache", "--jobs", "1"),
                       timeout=2 * MODEL_DEADLINE + SLACK + 60)
    elapsed = time.monotonic() - started
    print(f"\n[hostile, normal] with one worker: {elapsed:.1f} s")
    evil, fine = run.models
    assert evil["error"]["kind"] == "timeout" and fine["status"] == "ok"
    assert elapsed < MODEL_DEADLINE + SLACK
