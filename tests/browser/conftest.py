"""The real site in a real browser: a daphne process serving config.asgi on the test database,
and Debian's Chromium driven by Playwright's sync API.

Data made by the test's factories is committed (transactional_db), so the server sees it; the
browser signs in with a session made here. Each test module here is marked `browser`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.servers import Servers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def site_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A daphne process serving the site on the test database, for the whole folder (DEBUG:
    static files from the finders)."""
    with django_db_blocker.unblock(), Servers(1, DJANGO_DEBUG="1") as site:
        yield site.http_url()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium, for the whole folder. Playwright's sync API keeps an event loop on the test's
    thread, which Django takes for an async context: the tests' own database work (factories,
    the flush after each test) runs between Playwright's calls, never inside its loop.

    Without Debian's Chromium the tests are skipped on a laptop, and fail in CI (CI=true)."""
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    """Opens pages of the site as a user, each person in a browser context of their own."""

    url: str
    browser: Browser
    contexts: list[BrowserContext]

    def context(self, user=None, **options) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        context = self.browser.new_context(base_url=self.url, **options)
        self.contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"].value
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": self.url}])
        return context

    def open(self, user, path: str, **options) -> Page:
        """A page of the site as the user, in a new context; on a conversation, once the
        socket is live."""
        page = self.context(user, **options).new_page()
        page.goto(path)
        if options.get("java_script_enabled", True) and page.locator("#connection").count():
            expect(page.locator("#connection")).to_have_text("Live")
        return page


@pytest.fixture
def site(site_url, browser, transactional_db) -> Iterator[Site]:
    site = Site(url=site_url, browser=browser, contexts=[])
    yield site
    for context in site.contexts:
        context.close()


@pytest.fixture
def people(make_user):
    """Alice and Bob (tests/browser/test_markup.py has people of its own)."""
    return make_user("alice", display_name="Alice"), make_user("bob", display_name="Bob")


@pytest.fixture
def group(people, make_group):
    alice, bob = people
    return make_group(owner=alice, name="Team", members=[bob])


@pytest.fixture
def pair(site, people, group):
    """Alice and Bob, each on the conversation page of their group, sockets live."""
    path = f"/groups/{group.id}/"
    return tuple(site.open(person, path) for person in people)
