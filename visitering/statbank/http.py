"""A small, honest HTTP client for the StatBank API: timeouts, bounded retries, clear errors.

Only the standard library is used (``urllib``): the API takes one JSON POST per table, so a
third-party client would add a dependency without removing any code worth having.

What is retried, and why: a connection that cannot be made, times out or breaks off, HTTP 5xx
and HTTP 429 are transient on a public API, so they are tried again after a growing pause
(``backoff``, ``2·backoff``, ``4·backoff`` …; a numeric ``Retry-After`` header lengthens the pause).
A 4xx answer means the request itself is wrong (a table, variable or value the API does not
know), so it is reported at once with the API's own message.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """Retrieval from StatBank failed; the message says what happened and what to do."""


@dataclass(frozen=True)
class StatbankClient:
    """POSTs JSON requests to the StatBank API.

    Parameters
    ----------
    base_url:
        The API root; tests point it at a server on the loopback interface.
    timeout:
        Seconds to wait for the connection and for each read.
    attempts:
        How many times a request is tried in all (the first try plus the retries).
    backoff:
        Seconds before the first retry; doubled for each further retry.
    sleep:
        The pause function (injectable so tests need not wait).
    """

    base_url: str
    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def url(self, endpoint: str) -> str:
        """The address of ``endpoint`` (a trailing ``/`` on the root is not doubled)."""
        return f"{self.base_url.rstrip('/')}/{endpoint}"

    def post(self, endpoint: str, body: dict[str, Any]) -> bytes:
        """The response body of ``POST {base_url}/{endpoint}`` with ``body`` as JSON.

        Raises
        ------
        FetchError
            When the API cannot be reached after every attempt, or refuses the request.
        """
        url = self.url(endpoint)
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        last = ""
        for attempt in range(self.attempts):
            request = urllib.request.Request(
                url,
                data=data,
                method="POST",
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            pause = self.backoff * 2**attempt
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    payload: bytes = response.read()
                    return payload
            except urllib.error.HTTPError as exc:
                text = exc.read().decode("utf-8", "replace")
                if exc.code not in RETRY_STATUS:
                    raise FetchError(_refused(url, exc.code, text, body)) from None
                last = f"HTTP {exc.code}"
                pause = max(pause, _retry_after(exc.headers.get("Retry-After")))
            except (
                urllib.error.URLError,
                TimeoutError,
                ConnectionError,
                http.client.HTTPException,  # e.g. the answer broke off half-way
            ) as exc:
                last = _reason(exc, self.timeout)
            if attempt + 1 < self.attempts:
                self.sleep(pause)
        hint = (
            "The service is down or overloaded; try again later."
            if last.startswith("HTTP")
            else "Are you offline? Without a network, write the inputs file by hand (see "
            "README, 'Your own figures')."
        )
        raise FetchError(
            f"cannot retrieve {body.get('table', endpoint)} from the StatBank API at {url}: "
            f"{last} (tried {self.attempts} times). {hint}"
        )


def _reason(exc: BaseException, timeout: float) -> str:
    inner = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(inner, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(inner, socket.gaierror):
        return "the host name cannot be resolved"
    if isinstance(inner, ConnectionRefusedError):
        return "the connection was refused"
    return str(inner)


def _retry_after(value: str | None) -> float:
    try:
        return min(float(value), 60.0) if value is not None else 0.0
    except ValueError:
        return 0.0


def _refused(url: str, status: int, text: str, body: dict[str, Any]) -> str:
    """The API's own error (``{"errorTypeCode": ..., "message": ...}``) in one sentence."""
    try:
        parsed = json.loads(text)
        detail = f"{parsed['errorTypeCode']}: {parsed['message']}"
    except (ValueError, KeyError, TypeError):
        detail = " ".join(text.split())[:200] or "no message"
    return (
        f"the StatBank API refused the request for {body.get('table', '?')} (HTTP {status}, "
        f"{detail}) at {url}. The API or the table may have changed; check the table at "
        "https://www.statistikbanken.dk/ and report it."
    )
