"""What every page that takes a form needs: a post from another site refused."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from shared.pages.signin import PageRefused


def refuse_foreign_origin(request: Request) -> None:
    """A state-changing post whose ``Origin`` names another site is refused with a 403 page
    (``foreign_origin``). The session cookies are SameSite=Strict, so a browser would not send
    them from another site anyway; this also stops one that ignores it. A post without
    ``Origin`` (older browsers, API clients) or with ``null`` is let through: it carries no
    cookie of ours from another site either. Host and port are compared, not the scheme, so a
    TLS proxy in front of the service changes nothing."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    host = request.headers.get("host", request.url.netloc)
    if urlsplit(origin).netloc != host:
        raise PageRefused("foreign_origin", "foreign_origin")
