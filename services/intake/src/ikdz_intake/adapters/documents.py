"""Documents live with the service that issued them; intake fetches one over that service's internal API."""

from __future__ import annotations

import httpx
from ikdz_contracts.services import ServiceId


class HttpDocumentSource:
    """``GET <base>/internal/v1/cases/<case>/documents/<doc>`` with the shared service token.

    Only trade-registration issues citizen documents today; other services answer None.
    """

    def __init__(self, base_urls: dict[ServiceId, str], token: str, *, timeout: float = 10.0) -> None:
        self._base_urls = {service: url.rstrip("/") for service, url in base_urls.items()}
        self._token = token
        self._timeout = timeout

    async def fetch(self, service: ServiceId, case_id: str, document_id: str) -> bytes | None:
        base = self._base_urls.get(service)
        if base is None:
            return None
        url = f"{base}/internal/v1/cases/{case_id}/documents/{document_id}"
        async with httpx.AsyncClient(timeout=self._timeout, trust_env=False) as client:
            response = await client.get(url, headers={"Authorization": f"Bearer {self._token}"})
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        response.raise_for_status()
        return response.content
