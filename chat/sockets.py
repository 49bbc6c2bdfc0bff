"""What the hub may call on a socket: the `Socket` protocol.

The hub and its parts hold the process's sockets through this protocol only, so they never
import the consumer: `ChatConsumer` (chat/consumers.py) is the real socket, and
chat/tests/doubles.py has a double that drives the hub without one.

Everything here is called on the hub's event loop, for every local socket an event concerns,
and returns at once: a socket queues what it is handed (its outbox, its group streams); it
never waits for its client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .frames import MessageFrame
    from .handshake import Identity


@runtime_checkable
class Socket(Protocol):
    @property
    def user_id(self) -> int | None:
        """The signed-in user (None only before the handshake found one)."""

    @property
    def identity(self) -> Identity | None:
        """The credentials the socket was opened with (revoking them closes it)."""

    def message_frame(self, frame: MessageFrame) -> None:
        """A `message.new` or `message.updated` of a group the socket is subscribed to. The
        hot path: once per event and local socket of its group."""

    def group_frame(self, group_id: int, text: str) -> None:
        """An encoded frame about a group that needs no ordering (`typing`, `presence`)."""

    def user_frame(self, text: str) -> None:
        """An encoded frame for the user alone (`notification.new`)."""

    def joining(self, group_id: int) -> bool:
        """The user joined the group: hold its frames until `joined`. False when the socket
        carries the group already, or is closing: then the hub leaves it out of the join."""

    def joined(self, group_id: int, joined: tuple[dict[str, Any], int] | None) -> None:
        """The socket is subscribed: the group's payload and last seq, for `group.added`
        (None: the user is no longer a member)."""

    def group_removed(self, group_id: int) -> None:
        """The user left the group, was removed, or it was deleted: `group.removed`."""

    def close(self, code: int) -> None:
        """Close with this code after the frames already queued."""
