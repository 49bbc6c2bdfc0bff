"""The typing throttle: one `typing` event per user and group per TYPING_INTERVAL."""

from types import SimpleNamespace

import pytest

from chat import typists
from chat.typists import TYPING_INTERVAL, Typists
from core import events


@pytest.fixture
def clock(monkeypatch):
    now = SimpleNamespace(value=1000.0)
    monkeypatch.setattr(typists.time, "monotonic", lambda: now.value)
    return now


@pytest.fixture
def published():
    return []


@pytest.fixture
def throttle(published):
    return Typists(lambda target, event: published.append((target, event)))


def _user(user_id: int):
    return SimpleNamespace(id=user_id, username=f"u{user_id}", display_name="")


def test_one_typing_event_per_user_and_group_per_interval(throttle, published, clock):
    # when: keystrokes of one user in group 4, and of another user, and in another group
    for _ in range(3):
        throttle.typing(user=_user(1), group_id=4)
    throttle.typing(user=_user(2), group_id=4)
    throttle.typing(user=_user(1), group_id=5)
    clock.value += TYPING_INTERVAL
    throttle.typing(user=_user(1), group_id=4)

    # then
    assert [(target, event["user"]["id"]) for target, event in published] == [
        (events.group_channel(4), 1),
        (events.group_channel(4), 2),
        (events.group_channel(5), 1),
        (events.group_channel(4), 1),
    ]
    assert published[0][1] == {
        "type": events.TYPING,
        "group": 4,
        "user": {"id": 1, "username": "u1", "display_name": ""},
    }


def test_forget_drops_only_the_throttles_that_ran_out(throttle, published, clock):
    # given
    throttle.typing(user=_user(1), group_id=4)
    clock.value += TYPING_INTERVAL - 1
    throttle.typing(user=_user(2), group_id=4)
    clock.value += 1

    # when
    throttle.forget()

    # then
    assert list(throttle._last) == [(2, 4)]
