"""What every door asks of a database error: could trying again later work?"""

from django.db import InterfaceError, OperationalError


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached (refused, timed out, no pooled connection, locked):
    trying again later may work, unlike a query it refused. REST answers 503 with Retry-After,
    the websocket an `unavailable` error frame."""
    return isinstance(exc, OperationalError | InterfaceError)
