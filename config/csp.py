"""Content-Security-Policy on every response, from settings.CONTENT_SECURITY_POLICY.

Scripts and styles come only from the site's own files: no inline script can run, whatever a
page holds. `connect-src` also names the websocket schemes of the host the request came to, so
the page's socket (ws:// in development, wss:// behind TLS) may connect and no other.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

HEADER = "Content-Security-Policy"


def policy_for(request: HttpRequest) -> str:
    directives = {name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()}
    try:
        host = request.get_host()
    except DisallowedHost:
        host = None
    if host:
        directives.setdefault("connect-src", ["'self'"]).extend([f"ws://{host}", f"wss://{host}"])
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Sync and async capable (MiddlewareMixin): under ASGI a sync-only middleware costs every
    request two extra thread hops."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if HEADER not in response:
            response[HEADER] = policy_for(request)
        return response
