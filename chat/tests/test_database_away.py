"""PostgreSQL away under a running server: a websocket send is answered `unavailable` within
2 s (never a wait for the pool's whole patience, never `server_error`), and the same client_id
goes through once the database is back, without a restart. A real daphne process reaches the
test database through a TCP proxy that the test cuts, as a database restart would."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect

from chat import frames
from messaging.models import Message
from tests.servers import Servers, TcpProxy, database_url

pytestmark = pytest.mark.slow

SECRET = "body-that-must-never-be-logged"


async def _frame(socket, *types: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if frame["type"] in types:
            return frame


def _history_status(url: str, token: str, group_id: int) -> int:
    request = Request(
        f"{url}/api/v1/groups/{group_id}/messages/", headers={"Authorization": f"Token {token}"}
    )
    try:
        with urlopen(request, timeout=10) as response:
            return response.status
    except HTTPError as error:
        return error.code


async def _send_while_away_then_again(url: str, token: str, group_id: int, proxy: TcpProxy):
    ws_url = url.replace("http", "ws") + f"/ws/?token={token}"
    send = {"type": "message.send", "group": group_id, "body": SECRET, "client_id": "away-1"}
    async with connect(ws_url, origin=url) as socket:
        await socket.send(json.dumps({"type": "ping"}))
        await _frame(socket, "pong")

        proxy.cut()
        started = time.monotonic()
        await socket.send(json.dumps(send))
        refused = await _frame(socket, "error", "message.ack")
        waited = time.monotonic() - started
        rest_away = await asyncio.to_thread(_history_status, url, token, group_id)

        proxy.restore()
        for _ in range(20):  # the client's retry: the same frame, the same client_id
            await socket.send(json.dumps(send))
            answer = await _frame(socket, "error", "message.ack")
            if answer["type"] == "message.ack":
                break
            await asyncio.sleep(0.5)
        rest_back = await asyncio.to_thread(_history_status, url, token, group_id)
    return refused, waited, rest_away, answer, rest_back


def test_a_send_while_postgresql_is_away_is_unavailable_then_goes_through_once_it_is_back(
    transactional_db, make_user, make_group
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's own failure: runs on the PostgreSQL configuration")
    # given: a server whose database connection goes through a proxy
    member = make_user()
    group = make_group(members=[member])
    token = Token.objects.create(user=member).key
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    server = Servers(1, database=database_url(port=proxy.port), DJANGO_LOG_LEVEL="INFO")

    # when
    try:
        with server:
            refused, waited, rest_away, answer, rest_back = asyncio.run(
                _send_while_away_then_again(server.http_url(), token, group.id, proxy)
            )
    finally:
        proxy.close()

    # then: refused at once as `unavailable`, stored exactly once after, and never logged
    assert (refused["type"], refused["code"], refused["client_id"]) == (
        "error",
        frames.UNAVAILABLE,
        "away-1",
    )
    assert waited < 3, waited
    assert rest_away == 503
    assert answer["type"] == "message.ack"
    assert rest_back == 200
    assert Message.objects.filter(group=group, client_id="away-1").count() == 1
    assert SECRET not in server.log_text()
