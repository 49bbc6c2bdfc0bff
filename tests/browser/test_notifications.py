"""Mentions and notifications in the browser: the bell, the tab title and icon count, a desktop
notification while the tab is hidden, the mention badge on home, the reader's own mentions
highlighted, and the desktop permission asked for on a click only."""

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from tests.servers import Workers

pytestmark = pytest.mark.browser

# Watches the browser's own Notification API: each desktop notification the page creates, and
# each permission request, is recorded (the real API is still called). `hidden` makes the tab
# look hidden, as it is when the user is in another tab.
WATCH_NOTIFICATIONS = """
window.__desktop = [];
window.__asked = 0;
const Real = window.Notification;
class Watched extends Real {
  constructor(title, options) { super(title, options); window.__desktop.push({title, ...options}); }
}
Watched.requestPermission = (...args) => {
  window.__asked += 1;
  return Real.requestPermission(...args);
};
Object.defineProperty(Watched, "permission", { get: () => Real.permission });
window.Notification = Watched;
"""
HIDDEN = "Object.defineProperty(document, 'hidden', { get: () => true });"


def test_a_mention_rings_the_bell_and_the_desktop_of_a_hidden_tab(site, make_user, make_group):
    # given: Bob is on home, in a tab he is not looking at, with desktop notifications allowed
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    group = make_group(owner=alice, name="Team", members=[bob])
    context = site.context(bob)
    context.grant_permissions(["notifications"])
    context.add_init_script(WATCH_NOTIFICATIONS + HIDDEN)
    home = context.new_page()
    home.goto("/")
    expect(home.locator("#connection")).to_have_text("Live")
    chat = site.open(alice, f"/groups/{group.id}/")

    # when Alice mentions him
    chat.fill("textarea[name=body]", "@bob can you review?")
    chat.press("textarea[name=body]", "Enter")

    # then: the bell, the title, the mention badge, and a desktop notification
    expect(home.locator("#bell-count")).to_have_text("1")
    expect(home).to_have_title("(1) Your conversations · Chat")
    icon = home.locator("link#favicon")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/svg\+xml,"))
    assert ">1</text>" in unquote(icon.get_attribute("href"))
    item = home.locator("#conversations li", has_text="Team")
    expect(item.locator(".badge--mention .badge__count")).to_have_text("1")
    expect(item.locator(".badge--unread .badge__count")).to_have_text("1")
    home.wait_for_function("window.__desktop.length === 1")
    desktop = home.evaluate("window.__desktop[0]")
    assert desktop["title"] == "Alice mentioned you"
    assert desktop["body"] == "@bob can you review?"


def test_the_reader_sees_their_own_mentions_highlighted(site, make_user, make_group):
    # given
    alice, bob = make_user("alice"), make_user("bob")
    group = make_group(owner=alice, members=[bob])
    bob_chat = site.open(bob, f"/groups/{group.id}/")
    alice_chat = site.open(alice, f"/groups/{group.id}/")

    # when
    alice_chat.fill("textarea[name=body]", "@bob and @alice, see `@bob`")
    alice_chat.press("textarea[name=body]", "Enter")

    # then: live and after a reload, his own mention stands out, hers does not, code is text
    for page in (bob_chat, site.open(bob, f"/groups/{group.id}/")):
        message = page.locator(".message", has_text="see").last
        expect(message.locator(".mention--me")).to_have_text("@bob")
        expect(message.locator(".mention")).to_have_count(2)
        expect(message.locator("code")).to_have_text("@bob")


def test_desktop_notifications_are_asked_for_on_a_click_never_on_load(site, user):
    # given
    context = site.context(user)
    context.add_init_script(WATCH_NOTIFICATIONS)
    page = context.new_page()

    # when
    for path in ("/", "/notifications/", "/settings/notifications/"):
        page.goto(path)
    asked_on_load = page.evaluate("window.__asked")
    page.get_by_role("button", name="Turn on desktop notifications").click()

    # then
    assert asked_on_load == 0
    page.wait_for_function("window.__asked === 1")


def test_typing_at_lists_matching_members_and_the_keyboard_picks_one(site, make_user, make_group):
    # given
    alice = make_user("alice", display_name="Alice")
    group = make_group(
        owner=alice,
        members=[make_user("bob", display_name="Bob"), make_user("bobby", display_name="Rob")],
    )
    make_user("boris")  # not a member
    page = site.open(alice, f"/groups/{group.id}/")
    box = page.locator("textarea[name=body]")

    # when
    box.press_sequentially("thanks @bo")
    options = page.get_by_role("option")

    # then: the members whose names start so; Down and Enter take the second, not send
    expect(options).to_have_text(["@bob Bob", "@bobby Rob"])
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("thanks @bobby ")
    expect(page.get_by_role("listbox")).to_be_hidden()

    # and Escape closes the list without taking anyone; @a offers @all
    box.press_sequentially("and @a")
    expect(options).to_have_text(["@alice Alice", "@all Everyone in this conversation"])
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("thanks @bobby and @a")


def test_the_service_worker_registers_for_the_whole_site(site, user):
    # given
    page = site.open(user, "/settings/notifications/")

    # when
    scope = page.evaluate(
        "navigator.serviceWorker.register('/sw.js').then((registration) => registration.scope)"
    )

    # then: its scope is the site's root, and the page offers push
    assert scope == site.url + "/"
    expect(page.get_by_role("button", name="Push to this browser")).to_be_visible()


def test_at_all_rings_the_bell_through_a_worker_process(site, make_user, make_group):
    # given: Bob on home; a worker makes @all's notifications (in another process: without
    # Redis its frame cannot reach the page, which then reads the count from the database)
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    group = make_group(owner=alice, name="Team", members=[bob])
    home = site.open(bob, "/")
    expect(home.locator("#connection")).to_have_text("Live")
    chat = site.open(alice, f"/groups/{group.id}/")

    with Workers(1) as workers:
        # when
        chat.fill("textarea[name=body]", "@all standup in five")
        chat.press("textarea[name=body]", "Enter")

        # then
        try:
            expect(home.locator("#bell-count")).to_have_text("1", timeout=15_000)
        except AssertionError:
            raise AssertionError(workers.log_text()) from None
    item = home.locator("#conversations li", has_text="Team")
    expect(item.locator(".badge--mention .badge__count")).to_have_text("1")
