"""Submitting cases over HTTP and waiting for their status, as a portal would."""

from __future__ import annotations

import time
from typing import Any

import httpx
from ikdz_contracts.testing import gewerbe_payload


def gewerbe_case(n: int = 0, **payload: Any) -> dict[str, Any]:
    """A permit-free Gewerbeanmeldung in Wurzen; ``n`` picks the house number, so each n is another business."""
    fields = gewerbe_payload(**payload)
    fields["establishment"]["address"]["house_number"] = str(n + 1)
    return {
        "service": "trade-registration",
        "owner_ags": "14729410",
        "applicant": {"kind": "natural_person", "name": "Erika Mustermann", "email": "erika@example.org"},
        "payload": fields,
    }


WURZEN_CASE = gewerbe_case()
SECURITY = [{"description": "Objektschutz und Veranstaltungsschutz", "wz_code": "80.10.0"}]
"""A § 34a GewO security business: receipt at once, then a permit task for a clerk."""


def submit(client: httpx.Client, body: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    response = client.post("/api/v1/cases", json=body or WURZEN_CASE, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def wait_for_state(client: httpx.Client, created: dict[str, Any], state: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll the status API until the case has passed through ``state`` (it may have moved on since)."""
    deadline = time.monotonic() + timeout
    path = "/" + str(created["status_url"]).split("/", 3)[3]
    while True:
        status: dict[str, Any] = client.get(path).json()
        if state in [entry["state"] for entry in status["history"]]:
            return status
        if time.monotonic() > deadline:
            msg = f"case {created['file_number']} still {status['state']} after {timeout}s: {status['history']}"
            raise AssertionError(msg)
        time.sleep(0.05)
