"""Middleware that keeps every request on Django's async path under ASGI.

Django adapts a sync-only middleware with a thread hop in and an event-loop hop out, on every
request; with WhiteNoise's sync-only middleware in the stack, a REST send spent most of its
time waiting on those hops. Everything in settings.MIDDLEWARE is sync and async capable.
"""

from __future__ import annotations

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpResponse
from django.utils.deprecation import MiddlewareMixin
from whitenoise.middleware import WhiteNoiseMiddleware

from core.database import database_unavailable

from .exceptions import RETRY_AFTER_SECONDS, UNAVAILABLE


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, also callable on the async path (finding a file is a dict lookup)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, *args, **kwargs) -> None:
        super().__init__(get_response, *args, **kwargs)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        static_file = (
            self.find_file(request.path_info)
            if self.autorefresh
            else self.files.get(request.path_info)
        )
        if static_file is not None:
            return self.serve(static_file, request)
        return await self.get_response(request)


class ServerTimingMiddleware(MiddlewareMixin):
    """`Server-Timing: app;dur=<ms>`: the time Django spent on the request, for benchmarks and
    browser dev tools. Outermost, so it covers every other middleware."""

    def process_request(self, request) -> None:
        request._server_timing_start = time.perf_counter()

    def process_response(self, request, response):
        start = getattr(request, "_server_timing_start", None)
        if start is not None:
            response["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.2f}"
        return response


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """A page whose database cannot be reached answers 503 with Retry-After, not 500 (the REST
    API does the same in config.exceptions)."""

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        response = HttpResponse(UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
