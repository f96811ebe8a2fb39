"""The province's usage report, fetched from the gateway's fleet (``onestop-usage-report
--fleet URL``): the same figures an office prints from its own SMS box, for every unit."""

from __future__ import annotations

import datetime as dt

import requests

from backend_client._errors import BackendUnavailable, BadResponse, Unauthorized

REPORT_PATH = "/fleet/report"


def fetch_usage_report(
    url: str,
    *,
    token: str | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    lang: str = "vi",
    csv: bool = False,
    timeout: float = 60.0,
) -> str:
    """The report from ``start`` to ``end`` as text (or CSV); an end not given is the
    gateway's default, the last full half-year. The token is a client of the gateway listed
    in ``[fleet_gateway] readers``."""
    address = f"{url.rstrip('/')}{REPORT_PATH}.{'csv' if csv else 'txt'}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"lang": lang}
    if start is not None:
        params["from"] = start.isoformat()
    if end is not None:
        params["to"] = end.isoformat()
    try:
        response = requests.get(
            address,
            params=params,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise BackendUnavailable(f"cannot reach {url}: {type(exc).__name__}") from exc
    if response.status_code in (401, 403) or response.is_redirect:
        raise Unauthorized(
            "the gateway wants a reader's token (--token-file; the client must be in "
            "[fleet_gateway] readers)"
        )
    if response.status_code == 404:
        raise BadResponse(f"{url} has no fleet report (is [fleet_gateway] enabled there?)")
    if response.status_code != 200:
        raise BadResponse(
            f"the gateway answered HTTP {response.status_code}: {response.text[:200]}"
        )
    response.encoding = "utf-8"
    return response.text
