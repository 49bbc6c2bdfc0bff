"""PostgreSQL away while a conversation is open: the page says "Reconnecting…" instead of
failing silently, keeps the message, and sends it (once) when the database is back. The site
reaches the test database through a proxy the test cuts (tests/servers.py)."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from messaging.models import Message
from tests.browser.conftest import Site
from tests.servers import Servers, TcpProxy, database_url

pytestmark = pytest.mark.browser


@pytest.fixture
def proxied_site(browser, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's own failure: runs on the PostgreSQL configuration")
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    server = Servers(1, database=database_url(port=proxy.port), DJANGO_DEBUG="1")
    with server:
        site = Site(url=server.http_url(), browser=browser, contexts=[])
        yield site, proxy
        for context in site.contexts:
            context.close()
    proxy.close()


def test_a_message_sent_while_the_database_is_away_waits_then_goes_through(
    proxied_site, make_user, make_group
):
    # given: Alice on her group's page
    site, proxy = proxied_site
    alice = make_user("alice", display_name="Alice")
    group = make_group(owner=alice, name="Team")
    page = site.open(alice, f"/groups/{group.id}/")

    # when: she sends while PostgreSQL is away
    proxy.cut()
    page.fill("textarea[name=body]", "Sent in the outage")
    page.press("textarea[name=body]", "Enter")

    # then: the page says so, and does not give the message up
    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    expect(page.locator(".message--failed")).to_have_count(0)

    # when: the database is back
    proxy.restore()

    # then: it is sent, once, and the page is live again
    expect(page.locator("#connection")).to_have_text("Live", timeout=30_000)
    expect(page.locator("[data-message-id]", has_text="Sent in the outage")).to_have_count(1)
    assert Message.objects.filter(group=group, body="Sent in the outage").count() == 1
