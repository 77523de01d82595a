"""The one place siyu's WeCom code opens a URL (stdlib urllib: a JSON call needs nothing more)."""

from __future__ import annotations

import urllib.request


def request(
    url: str, *, data: bytes | None, method: str, content_type: str, timeout: float
) -> tuple[int, bytes]:
    """(status, body) of one HTTP request; only http(s) URLs, never file: or custom schemes."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"refusing to open {url!r}")
    headers = {"Content-Type": content_type}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
        return response.status, response.read()
