"""Container health check: ``python /app/healthcheck.py http://127.0.0.1:8000/readyz``.

Exit 0 when the URL answers 2xx within the timeout (default 3 s), else 1 with the reason on stderr.
The service image has no curl; this needs nothing but the standard library.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/readyz"


def check(url: str, timeout: float) -> str | None:
    """None when healthy, else why not."""
    if not url.startswith(("http://", "https://")):
        return f"not an http(s) URL: {url}"
    # No proxy from the environment may see (or break) a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}"
    except (OSError, ValueError) as error:
        return f"{url}: {error}"
    return None if 200 <= status < 300 else f"{url} answered {status}"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    timeout = float(argv[2]) if len(argv) > 2 else 3.0
    problem = check(url, timeout)
    if problem is not None:
        sys.stderr.write(f"unhealthy: {problem}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
