"""Starting the web tier for a benchmark: a free port, and waiting until it answers."""

from __future__ import annotations

import http.client
import socket
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(port: int) -> None:
    """Return once GET /healthz reaches the server on `port` (at most about 20 s)."""
    for _ in range(400):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.05)
