"""Why the Hub could not be reached: `network_hint` on real failures of our own on loopback
(a refused port, a TLS handshake with a plain-HTTP server, a self-signed certificate, a proxy
that refuses), through httpx2 and the real huggingface_hub client. The DNS failure is real
httpx2 code over a resolver that fails (no query leaves the machine)."""

from __future__ import annotations

import http.server
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from licscan.sources.hints import network_hint, network_message
from tests.test_lockfile import licscan


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _failure(url: str, **client: object) -> BaseException:
    try:
        with httpx2.Client(timeout=5, **client) as http:  # type: ignore[arg-type]
            http.get(url)
    except httpx2.HTTPError as exc:
        return exc
    raise AssertionError(f"{url} answered")


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        return None

    def do_CONNECT(self) -> None:  # the proxy refuses every tunnel
        self.send_response(403)
        self.end_headers()


@pytest.fixture
def plain_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_proxy_or_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def test_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    cause, way_out = network_hint(_failure(f"http://127.0.0.1:{port}/api/models/a/b"))
    assert cause == "127.0.0.1 refused the connection (nothing listens there)"
    assert "--offline" in way_out and "HF_ENDPOINT" in way_out

    from huggingface_hub import HfApi

    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    with pytest.raises(Exception) as caught:  # whatever the client raises
        HfApi(endpoint=endpoint).model_info("acme/model")
    cause, way_out = network_hint(caught.value)
    assert "refused the connection" in cause
    assert f"check HF_ENDPOINT={endpoint}" in way_out and "--offline" in way_out


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*_args: object, **_kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    cause, way_out = network_hint(_failure("https://hub.example.invalid/api/models/a/b"))
    assert cause.startswith("the name hub.example.invalid could not be resolved (DNS failure")
    assert "--offline" in way_out and "DNS" in way_out


def test_tls_failures(plain_server: int, tmp_path: Path) -> None:
    cause, way_out = network_hint(_failure(f"https://127.0.0.1:{plain_server}/"))
    assert cause.startswith("TLS: the secure connection to 127.0.0.1 failed")
    assert "speaks https" in way_out

    openssl = shutil.which("openssl")
    if openssl is None:  # the handshake failure above is the TLS case without a certificate
        return
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cause, way_out = network_hint(_failure(f"https://127.0.0.1:{server.server_address[1]}/"))
    finally:
        server.shutdown()
        server.server_close()
    assert cause.startswith("TLS: the certificate of 127.0.0.1 was not accepted: ")
    assert "self-signed" in cause or "self signed" in cause
    assert "SSL_CERT_FILE" in way_out


def test_proxy_failures(plain_server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = f"http://127.0.0.1:{plain_server}"
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "localhost")
    cause, way_out = network_hint(_failure("https://hub.example.invalid/", proxy=proxy))
    assert cause == f"the proxy {proxy} refused or failed the connection to hub.example.invalid"
    assert "HTTPS_PROXY" in way_out and "--offline" in way_out

    refused = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HTTPS_PROXY", refused)
    cause, _ = network_hint(_failure("https://hub.example.invalid/", proxy=refused))
    assert cause.startswith(f"the proxy {refused} refused")


def test_the_chain_is_walked_through_causes_contexts_and_args() -> None:
    class Wrapped(Exception):
        pass

    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as inner:
            raise Wrapped("outer") from Wrapped(inner)
    except Wrapped as exc:
        assert "refused the connection" in network_hint(exc)[0]
    unknown = RuntimeError("odd")
    assert network_hint(unknown)[0] == "the connection to huggingface.co failed (RuntimeError)"
    assert network_message(unknown).endswith("--offline")


def test_a_hub_scan_that_cannot_connect_says_why(tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    done = licscan(tmp_path, "scan", "acme/model", "--no-cache", "--no-config", "--timeout", "3",
                   env={"HF_ENDPOINT": endpoint})
    assert done.returncode == 1
    shown = " ".join(done.stdout.split())  # the explanation wraps to the terminal's width
    assert "refused the connection" in shown and "--offline" in shown
