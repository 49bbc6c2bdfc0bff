"""A websocket fuzz: thousands of generated frames (well-formed frames with wrong fields, JSON of
any shape, text that is not JSON, binary, lone surrogates, deep nesting) sent to a member's
socket. The socket answers each with its frames or an `error` of a documented code, never
`server_error`; it is never closed; nothing is logged at ERROR (no tracebacks)."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat import db, frames
from chat.handlers import ClientFrames

BATCHES = 250
FRAMES_PER_BATCH = 20  # 5,000 frames per run, on a new socket every 20
REFUSALS = {
    frames.INVALID_JSON,
    frames.UNKNOWN_TYPE,
    frames.INVALID,
    frames.NOT_A_MEMBER,
    frames.TOO_LARGE,
}
ANSWERS = {"error", "pong", "message.ack", "message.new", "resume.done", "presence.state"}

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["\ud800", "a\udfffb", "\x00", "‮", "<script>alert(1)</script>"])
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


def _frames(group_id: int):
    ids = st.just(group_id) | st.integers(min_value=-1, max_value=3) | _json
    fields = {
        "group": ids,
        "body": st.text(max_size=80) | _json,
        "client_id": st.text(max_size=70) | _json,
        "message_id": ids,
        "groups": st.dictionaries(st.just(str(group_id)) | st.text(max_size=4), ids) | _json,
    }
    kinds = st.sampled_from([*ClientFrames.HANDLERS, "", "message.SEND", "pong", "x" * 300])
    frame = st.fixed_dictionaries({"type": kinds | _json}, optional=fields)
    deep = st.integers(min_value=900, max_value=3000).map(lambda n: "[" * n + "]" * n)
    return st.one_of(
        frame.map(json.dumps),  # surrogates are escaped: \ud800 in JSON text
        _json.map(json.dumps),
        st.text(max_size=200),
        deep,
        st.binary(max_size=64),
    )


async def _send(socket, item: str | bytes) -> None:
    if isinstance(item, bytes):
        await socket.communicator.send_input({"type": "websocket.receive", "bytes": item})
    else:
        await socket.send_text(item)


@pytest.fixture
async def member_and_group(transactional_db, make_user, make_group):
    member = await db.run(make_user)
    return member, await db.run(make_group, members=[member])


@settings(
    max_examples=BATCHES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_generated_frames_never_crash_the_socket(connect, member_and_group, caplog, data):
    # given
    member, group = member_and_group
    batch = data.draw(
        st.lists(_frames(group.id), min_size=FRAMES_PER_BATCH, max_size=FRAMES_PER_BATCH)
    )
    socket = await connect(member)
    caplog.clear()

    # when: the batch, then a send whose ack ends it
    with caplog.at_level(logging.WARNING):
        for item in batch:
            await _send(socket, item)
        end = f"fuzz-end-{uuid.uuid4()}"
        await socket.send(
            {"type": "message.send", "group": group.id, "body": ".", "client_id": end}
        )
        answers = []
        while not (
            (frame := await socket.receive())["type"] == "message.ack" and frame["client_id"] == end
        ):
            answers.append(frame)

    # then: documented answers only, the socket still open, nothing logged as a failure
    assert {frame["type"] for frame in answers} <= ANSWERS
    assert {frame["code"] for frame in answers if frame["type"] == "error"} <= REFUSALS
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    await socket.close()
