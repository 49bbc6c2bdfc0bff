"""The client frames the consumer handles are those of the protocol (docs/realtime.md). What each
one does is tested through real sockets: test_messages.py, test_resume.py, test_signals.py,
test_abuse.py (refusals)."""

import re
from pathlib import Path

from chat.consumers import ChatConsumer
from chat.handlers import ClientFrames

REALTIME = Path(__file__).resolve().parents[2] / "docs" / "realtime.md"


def _client_frame_types() -> set[str]:
    section = REALTIME.read_text().split("### Client to server")[1].split("### ")[0]
    return set(re.findall(r'^\| `\{"type": "([a-z.]+)"', section, flags=re.MULTILINE))


def test_every_client_frame_of_the_protocol_has_a_handler_and_no_other_does():
    assert set(ClientFrames.HANDLERS) == _client_frame_types()
    assert ChatConsumer.HANDLERS is ClientFrames.HANDLERS
