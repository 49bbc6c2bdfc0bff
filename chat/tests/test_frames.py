"""chat.frames: what a client frame may be, and the codes of the refusals (docs/realtime.md)."""

import json

import pytest

from chat import frames
from chat.frames import FrameError


def refusal(text):
    with pytest.raises(FrameError) as refused:
        frames.decode(text)
    return refused.value.code


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"message.send","group":1,"body":"hi","client_id":"\\ud800"}',
        '{"type":"message.send","group":1,"body":"lone \\udfff low","client_id":"c"}',
        '{"type":"message.send","group":1,"body":["\\ud800"]}',
        '{"type":"message.send","\\ud800":1}',
    ],
)
def test_text_that_cannot_be_utf_8_is_invalid_input(text):
    assert refusal(text) == frames.INVALID


def test_an_escaped_pair_is_one_character_and_welcome():
    frame = frames.decode('{"type":"message.send","body":"\\ud83d\\ude00"}')

    assert frame["body"] == "😀"


@pytest.mark.parametrize("depth", [5_000, 30_000])
def test_deeply_nested_json_is_invalid_json_not_a_server_error(depth):
    # given: well under the 64 KiB frame limit, deeper than Python recurses
    text = '{"type":"ping","x":' + "[" * depth + "]" * depth + "}"
    assert len(text) < 64 * 1024

    # then
    assert refusal(text) == frames.INVALID_JSON


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (None, frames.INVALID_JSON),
        ("not json", frames.INVALID_JSON),
        ("[1]", frames.INVALID_JSON),
        ('{"type": 3}', frames.INVALID_JSON),
        ("x" * (64 * 1024 + 1), frames.TOO_LARGE),
        ('{"type":"x","b":"' + "é" * (33 * 1024) + '"}', frames.TOO_LARGE),
    ],
)
def test_what_is_no_frame_is_refused_with_its_code(text, code):
    assert refusal(text) == code


def test_the_server_cannot_send_1013_so_try_again_is_4013():
    assert frames.CLOSE_TRY_AGAIN == 4013


def test_an_error_frame_names_the_client_id_only_when_there_is_one():
    assert json.loads(frames.error(frames.INVALID, "no", "c-1"))["client_id"] == "c-1"
    assert "client_id" not in json.loads(frames.error(frames.INVALID, "no"))
