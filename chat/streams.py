"""What one socket has sent of one group, and the rule that keeps it whole.

The contract: per group, `message.new` frames leave in ascending id order (= ascending `seq`,
as both grow in commit order), each once, with no gap the server could know of. The channel
layer may drop or reorder events, so the stream remembers the last `seq` it sent:

- a frame with a `seq` at or below it is a duplicate and is dropped;
- the next `seq` goes out at once;
- a frame further ahead is held, and the missing ones are fetched from the database
  ("completion") before the held frames follow in order. Every `seq` below one that was
  committed is committed too (the send holds the group's row lock until it commits), so a
  completion always finds them.

While the stream waits (the hold before the first client frame, a replay for `resume`, a
completion, or the socket joining the group), live frames are held and follow afterwards
without duplicates. Held frames are bounded: past the bound a frame is only noted by its
`seq`, and the completion fetches it from the database instead.
"""

from __future__ import annotations

from typing import Protocol

# Why a stream waits (bits of `GroupStream.waiting`).
HOLD = 1  # the socket's first client frame has not arrived (at most 1 s)
REPLAY = 2  # a `resume` replay of this group is under way (a has_more one included)
COMPLETION = 4  # missing messages are being fetched from the database
JOINING = 8  # the socket is joining the group; its position is not known yet

MAX_HELD_FRAMES = 1000


class Owner(Protocol):
    def push(self, text: str) -> None: ...

    def complete(self, stream: GroupStream) -> None: ...


class GroupStream:
    __slots__ = ("group_id", "owner", "last_seq", "seen_seq", "waiting", "held", "held_updates")

    def __init__(self, owner: Owner, group_id: int, *, last_seq: int, waiting: int = 0) -> None:
        self.owner = owner
        self.group_id = group_id
        self.last_seq = last_seq  # the last seq sent on the socket (or known to the client)
        self.seen_seq = last_seq  # the highest seq known to exist
        self.waiting = waiting
        self.held: dict[int, str] = {}  # seq -> message.new text
        self.held_updates: list[str] = []  # message.updated texts, in arrival order

    def message_new(self, seq: int, text: str) -> None:
        if seq <= self.last_seq:
            return
        if not self.waiting and seq == self.last_seq + 1:
            self.owner.push(text)
            self.last_seq = seq
            self.seen_seq = max(self.seen_seq, seq)
            return
        self.seen_seq = max(self.seen_seq, seq)
        if len(self.held) < MAX_HELD_FRAMES:
            self.held[seq] = text
        self.flush()

    def message_updated(self, seq: int, text: str) -> None:
        """An edit, delete or reaction change of the message at `seq`."""
        if not self.waiting and seq <= self.last_seq:
            self.owner.push(text)
            return
        self.seen_seq = max(self.seen_seq, seq)
        if len(self.held_updates) < MAX_HELD_FRAMES:
            self.held_updates.append(text)
        self.flush()

    def wait(self, reason: int) -> None:
        self.waiting |= reason

    def release(self, reason: int) -> None:
        self.waiting &= ~reason
        self.flush()

    def sent(self, seq: int, text: str) -> None:
        """A message of a completion: sent unless the socket already has it."""
        if seq > self.last_seq:
            self.owner.push(text)
            self.last_seq = seq

    def position(self, seq: int) -> None:
        """The client has every message up to `seq` (a replay or a join just said so)."""
        self.last_seq = seq
        self.seen_seq = max(self.seen_seq, seq)

    def send_held(self) -> None:
        """Send the held frames that follow on from the last one sent, in order."""
        held = self.held
        while held and (text := held.pop(self.last_seq + 1, None)) is not None:
            self.owner.push(text)
            self.last_seq += 1

    def flush(self) -> None:
        """Send what is held, in order; start a completion for what is missing."""
        if self.waiting:
            return
        self.send_held()
        if self.seen_seq > self.last_seq:
            self.owner.complete(self)  # sets COMPLETION; flushes again when done
            return
        self.held.clear()
        for text in self.held_updates:
            self.owner.push(text)
        self.held_updates.clear()
