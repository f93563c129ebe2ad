"""Why the Hub could not be reached, and the way out: a pure function over an exception chain.

`network_hint(exc)` walks `__cause__` / `__context__` (and exceptions carried in `args`, as
httpcore does) for the socket, TLS and proxy errors below an httpx or huggingface_hub error,
and returns (cause, way out) in words, e.g.

    ("the name huggingface.co could not be resolved (DNS failure)",
     "check the network or DNS, or scan offline from the cache with --offline; ...")
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

DEFAULT_ENDPOINT = "https://huggingface.co"
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
               "all_proxy")
_OFFLINE = "scan offline from the licscan cache with --offline"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and exceptions held in `args`; each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
        for link in (item.__cause__, item.__context__):
            if link is not None:
                todo.append(link)


def _endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _host(exc: BaseException) -> str:
    """The host of the failed request (httpx errors carry it), else the endpoint's."""
    for item in _chain(exc):
        try:
            request = getattr(item, "request", None)  # httpx raises when it has none
        except RuntimeError:
            request = None
        url = getattr(request, "url", None)
        host = getattr(url, "host", None)
        if isinstance(host, str) and host:
            return host
    return urlsplit(_endpoint()).hostname or "huggingface.co"


def _proxy_for(host: str) -> str | None:
    """The proxy a request to `host` goes through (the environment's variables), if any."""
    if not any(os.environ.get(v) for v in _PROXY_VARS):
        return None
    scheme = urlsplit(_endpoint()).scheme or "https"
    proxies = getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or proxy_bypass(host):
        return None
    parts = urlsplit(proxy)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _names(exc: BaseException) -> set[str]:
    return {type(item).__name__ for item in _chain(exc)}


def _first(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    return next((item for item in _chain(exc) if isinstance(item, kind)), None)


def network_hint(exc: BaseException) -> tuple[str, str]:
    """(cause, way out) for a failed connection to the Hub, from the exception chain. Never
    includes headers or credentials (a proxy is named by scheme, host and port only)."""
    host = _host(exc)
    endpoint = _endpoint()
    custom = "HF_ENDPOINT" in os.environ
    where = f"HF_ENDPOINT={endpoint}" if custom else f"{endpoint} or set HF_ENDPOINT to a mirror"
    proxy = _proxy_for(host)
    names = _names(exc)

    if "ProxyError" in names or (proxy and _first(exc, ConnectionRefusedError) is not None):
        return (f"the proxy {proxy or '(from the environment)'} refused or failed the "
                f"connection to {host}",
                "check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY (or add the host to NO_PROXY), "
                f"or {_OFFLINE}")
    certificate = _first(exc, ssl.SSLCertVerificationError)
    if certificate is not None:
        detail = getattr(certificate, "verify_message", None) or "verification failed"
        via = f" (through the proxy {proxy})" if proxy else ""
        return (f"TLS: the certificate of {host} was not accepted: {detail}{via}",
                "a proxy that inspects TLS needs its CA in SSL_CERT_FILE or REQUESTS_CA_BUNDLE; "
                f"check {where}, or {_OFFLINE}")
    tls = _first(exc, ssl.SSLError)
    if tls is not None:
        reason = getattr(tls, "reason", None) or type(tls).__name__
        return (f"TLS: the secure connection to {host} failed ({str(reason).lower()})",
                f"check that {endpoint} speaks https and any proxy, or {_OFFLINE}")
    if _first(exc, socket.gaierror) is not None:
        return (f"the name {host} could not be resolved (DNS failure: no network, or no DNS)",
                f"check the network and DNS, check {where}, or {_OFFLINE}")
    if _first(exc, ConnectionRefusedError) is not None:
        return (f"{host} refused the connection (nothing listens there)",
                f"check {where}, or {_OFFLINE}")
    if names & {"ConnectTimeout", "TimeoutError", "timeout", "ReadTimeout", "PoolTimeout",
                "ConnectTimeoutError"}:
        return (f"{host} did not answer in time (a firewall that drops packets, or a slow "
                "network)", f"raise --timeout, check {where} and any proxy, or {_OFFLINE}")
    unreachable = _first(exc, OSError)
    if unreachable is not None and getattr(unreachable, "errno", None) in (
            errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
        return (f"{host} is unreachable (no route: the network is down)",
                f"connect to a network, or {_OFFLINE}")
    if unreachable is not None and isinstance(unreachable, ConnectionResetError):
        return (f"{host} closed the connection (reset: a proxy or firewall in between?)",
                f"check any proxy or firewall, check {where}, or {_OFFLINE}")
    return (f"the connection to {host} failed ({type(exc).__name__})",
            f"check the network and the proxy variables, check {where}, or {_OFFLINE}")


def network_message(exc: BaseException) -> str:
    """One line for a report or an error: `cause; way out`."""
    cause, way_out = network_hint(exc)
    return f"{cause}; {way_out}"
