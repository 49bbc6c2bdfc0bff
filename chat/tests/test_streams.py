"""GroupStream, the per-socket ordering rule, on its own: what goes out, what waits, and when
a completion from the database is asked for."""

from chat.streams import COMPLETION, HOLD, MAX_HELD_FRAMES, GroupStream


class Owner:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.completions = 0

    def push(self, text: str) -> None:
        self.sent.append(text)

    def complete(self, stream: GroupStream) -> None:
        self.completions += 1
        stream.wait(COMPLETION)


def _stream(last_seq: int = 0, waiting: int = 0) -> tuple[Owner, GroupStream]:
    owner = Owner()
    return owner, GroupStream(owner, 1, last_seq=last_seq, waiting=waiting)


def test_the_next_seq_goes_out_at_once_and_repeats_are_dropped():
    # given
    owner, stream = _stream(last_seq=4)

    # when
    for seq in (5, 5, 4, 6):
        stream.message_new(seq, f"m{seq}")

    # then
    assert owner.sent == ["m5", "m6"]
    assert owner.completions == 0


def test_a_gap_holds_later_frames_until_the_completion_fills_it():
    # given
    owner, stream = _stream(last_seq=1)

    # when: 4 and 3 arrive, 2 was lost
    stream.message_new(4, "m4")
    stream.message_new(3, "m3")

    # then: one completion asked for, nothing sent yet
    assert owner.sent == []
    assert owner.completions == 1

    # when: the completion brings 2 and 3 from the database
    stream.sent(2, "db2")
    stream.sent(3, "db3")
    stream.last_seq = 3
    stream.release(COMPLETION)

    # then: the held 4 follows, the held 3 is not sent twice
    assert owner.sent == ["db2", "db3", "m4"]


def test_while_waiting_updates_wait_and_follow_the_new_messages():
    # given
    owner, stream = _stream(last_seq=1, waiting=HOLD)

    # when
    stream.message_updated(1, "edit1")
    stream.message_new(2, "m2")
    stream.message_updated(2, "edit2")
    stream.release(HOLD)

    # then
    assert owner.sent == ["m2", "edit1", "edit2"]


def test_an_update_of_a_message_not_sent_yet_asks_for_a_completion():
    # given
    owner, stream = _stream(last_seq=1)

    # when
    stream.message_updated(3, "edit3")

    # then
    assert owner.sent == []
    assert (owner.completions, stream.seen_seq) == (1, 3)


def test_frames_beyond_the_bound_are_only_noted_and_completed_from_the_database():
    # given
    owner, stream = _stream(last_seq=0, waiting=HOLD)

    # when
    for seq in range(1, MAX_HELD_FRAMES + 11):
        stream.message_new(seq, f"m{seq}")
    stream.release(HOLD)

    # then: the held ones went out, the rest is for a completion
    assert len(owner.sent) == MAX_HELD_FRAMES
    assert stream.last_seq == MAX_HELD_FRAMES
    assert stream.seen_seq == MAX_HELD_FRAMES + 10
    assert owner.completions == 1
