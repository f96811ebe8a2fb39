"""Where a citizen's phone is sent to follow a dossier: the kiosk's QR code, the poster's web
QR code and the SMS help reply all point to the same page.

By default that is the gateway's own lookup page (``/tra-cuu``) at ``[gateway] public_url``,
the address phones reach it by; a unit that has no such key (a kiosk or SMS box, whose
configuration names the gateway only as ``[backend] url``) uses that address. A province that
prefers its own portal sets ``[kiosk] lookup_url``, and links add ``?mahs=<code>`` to it, the
query its receipts' QR codes carry.

A page at an address of this machine or of the office's network (the demo default
``127.0.0.1``, a gateway on the LAN) is one no citizen's phone on mobile data can open: what is
handed to citizens outside the lobby (the SMS help reply, the poster) leaves it out.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from onestop.config import Config

LOOKUP_PAGE_PATH = "/tra-cuu"
"""The gateway's lookup page; a dossier's own page is ``/tra-cuu/{code}``."""


def lookup_page(config: Config) -> str:
    """The lookup page a citizen types a code into."""
    if config.kiosk.lookup_url:
        return config.kiosk.lookup_url
    root = config.gateway.public_url or config.backend.url
    return root.rstrip("/") + LOOKUP_PAGE_PATH


def public_lookup_page(config: Config) -> str:
    """The lookup page when a phone on the mobile network can open it, else ""."""
    page = lookup_page(config)
    return page if reachable_from_phones(page) else ""


def reachable_from_phones(url: str) -> bool:
    """Whether ``url`` may open on a phone on the internet: not a loopback, private or
    link-local address, nor ``localhost`` (a name is taken at its word)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:  # a name
        return bool(host)


def follow_url(config: Config, code: str) -> str:
    """The page of one dossier, for links and QR codes."""
    if config.kiosk.lookup_url:
        return portal_link(config.kiosk.lookup_url, code)
    return f"{lookup_page(config)}/{path_segment(code)}"


def path_segment(code: str) -> str:
    """A dossier code as the last segment of its page's path (``/tra-cuu/{code}``), spelled
    the same by the links handed out and by the page's own redirects and forms."""
    return quote(code, safe=".-+")


def portal_link(portal: str, code: str) -> str:
    """A province portal's lookup page for one dossier (``?mahs=<code>``)."""
    parts = urlsplit(portal)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"mahs": code})))
