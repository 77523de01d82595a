"""The one place siyu's WeCom code opens a URL: HTTP/1.1 with a kept-alive connection per
thread and host (stdlib http.client; a JSON call needs nothing more).

WeCom's API is called in bursts (a batch of new friends, an import of every member's
friends); a new TCP and TLS handshake per call cost more than the call. Callers see
urllib's contract: (status, body), `urllib.error.HTTPError` for a 4xx/5xx answer,
`urllib.error.URLError` when the host cannot be reached, `TimeoutError` on a timeout.
"""

from __future__ import annotations

import http.client
import io
import threading
import urllib.error
import urllib.parse
import weakref

_local = threading.local()
_opened: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()  # every thread's
_opened_lock = threading.Lock()


def _pool() -> dict[tuple[str, str], http.client.HTTPConnection]:
    if not hasattr(_local, "pool"):
        _local.pool = {}
    return _local.pool


def close_all() -> None:
    """Close every kept-alive connection, whichever thread keeps it (a later request from
    that thread opens a new one). A server that keeps a thread per open connection — as
    Django's test server does, with its database connection — can then let them go."""
    with _opened_lock:
        conns = list(_opened)
    for conn in conns:
        conn.close()


def request(
    url: str, *, data: bytes | None, method: str, content_type: str, timeout: float
) -> tuple[int, bytes]:
    """(status, body) of one HTTP request; only http(s) URLs, never file: or custom schemes."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"refusing to open {url!r}")
    parts = urllib.parse.urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key, pool = (parts.scheme, parts.netloc), _pool()
    for attempt in (1, 2):
        conn = pool.get(key)
        reused = conn is not None
        if conn is None:
            kind = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = pool[key] = kind(parts.netloc, timeout=timeout)
            with _opened_lock:
                _opened.add(conn)
        elif conn.sock is not None:
            conn.sock.settimeout(timeout)
        try:
            conn.request(method, target, body=data, headers={"Content-Type": content_type})
            response = conn.getresponse()
            body = response.read()
        except TimeoutError:
            pool.pop(key, None).close()  # type: ignore[union-attr]
            raise
        except (OSError, http.client.HTTPException) as exc:
            pool.pop(key, None).close()  # type: ignore[union-attr]
            # A kept-alive connection the server has since closed fails before the request
            # is read: send it once more on a fresh connection.
            if (
                reused
                and attempt == 1
                and isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                )
            ):
                continue
            raise urllib.error.URLError(exc) from exc
        if response.will_close:
            pool.pop(key, None).close()  # type: ignore[union-attr]
        if response.status >= 400:
            raise urllib.error.HTTPError(
                url, response.status, response.reason, response.headers, io.BytesIO(body)
            )
        return response.status, body
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
