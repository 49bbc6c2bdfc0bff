"""Two people in two browsers: what one does, the other sees without reloading."""

import time

import pytest
from playwright.sync_api import Page, expect

from groups.models import Membership
from messaging.selectors import HISTORY_DEFAULT_LIMIT

pytestmark = pytest.mark.browser


def send(page: Page, text: str) -> None:
    page.fill("textarea[name=body]", text)
    page.press("textarea[name=body]", "Enter")


def message(page: Page, text: str):
    return page.locator("[data-message-id]", has_text=text)


def read_marker(user) -> int:
    return Membership.objects.get(user=user).last_read_id


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_message_sent_by_one_appears_live_for_the_other(pair):
    # given
    alice, bob = pair

    # when
    send(alice, "Hello **Bob**")

    # then
    expect(message(bob, "Hello Bob")).to_have_count(1)
    expect(message(bob, "Hello Bob").locator("strong")).to_have_text("Bob")
    expect(message(alice, "Hello Bob")).to_have_count(1)
    expect(alice.locator(".message--pending")).to_have_count(0)


def test_edits_reactions_and_deletes_appear_live_for_the_other(pair):
    # given
    alice, bob = pair
    send(alice, "First draft")
    expect(message(bob, "First draft")).to_have_count(1)

    # when Alice edits her message
    mine = message(alice, "First draft")
    mine.hover()
    mine.get_by_role("button", name="Edit this message").click()
    editor = mine.locator(".editor textarea")
    expect(editor).to_have_value("First draft")
    editor.fill("Final _words_")
    editor.press("Enter")

    # then
    edited = message(bob, "Final words")
    expect(edited).to_have_count(1)
    expect(edited.locator("em")).to_have_text("words")
    expect(edited.locator(".message__edited")).to_have_text("(edited)")

    # when Bob reacts
    edited.hover()
    edited.get_by_role("button", name="Add a reaction").click()
    edited.get_by_role("button", name="React with 🎉").click()

    # then
    reaction = message(alice, "Final words").locator(".reaction", has_text="🎉")
    expect(reaction.locator(".reaction__count")).to_have_text("1")
    expect(reaction).to_have_attribute("aria-pressed", "false")
    expect(edited.locator(".reaction", has_text="🎉")).to_have_attribute("aria-pressed", "true")

    # when Alice deletes it
    mine = message(alice, "Final words")
    mine.hover()
    mine.get_by_role("button", name="Delete this message").click()
    mine.get_by_role("button", name="Yes, delete this message").click()

    # then
    expect(message(bob, "This message was deleted.")).to_have_count(1)
    expect(message(bob, "Final words")).to_have_count(0)
    expect(bob.locator(".reaction")).to_have_count(0)


def test_messages_sent_while_offline_appear_once_each_after_reconnecting(pair):
    # given
    alice, bob = pair
    bob.context.set_offline(True)
    expect(bob.locator("#connection")).to_have_text("Offline")

    # when
    texts = [f"While you were away {n}" for n in range(1, 6)]
    for text in texts:
        send(alice, text)
    expect(alice.locator(".message--pending")).to_have_count(0)
    expect(message(bob, "While you were away")).to_have_count(0)
    bob.context.set_offline(False)

    # then
    expect(bob.locator("#connection")).to_have_text("Live")
    for text in texts:
        expect(message(bob, text)).to_have_count(1)
    ids = bob.locator("[data-message-id]").evaluate_all(
        "items => items.map(item => item.dataset.messageId)"
    )
    assert len(ids) == len(set(ids)) == 5


def test_typing_shows_who_is_typing_to_the_other(pair):
    # given
    alice, bob = pair

    # when
    alice.type("textarea[name=body]", "Hel")

    # then
    expect(bob.locator("#typing")).to_have_text("Alice is typing…")


def test_a_message_sent_while_offline_waits_as_pending_and_is_sent_once_back_online(pair):
    # given
    alice, bob = pair
    alice.context.set_offline(True)
    expect(alice.locator("#connection")).to_have_text("Offline")

    # when
    send(alice, "Written on the train")

    # then
    pending = alice.locator(".message--pending", has_text="Written on the train")
    expect(pending.locator(".message__status")).to_have_text("Sending…")
    alice.context.set_offline(False)
    expect(message(alice, "Written on the train")).to_have_count(1)
    expect(alice.locator(".message--pending")).to_have_count(0)
    expect(message(bob, "Written on the train")).to_have_count(1)


def test_the_read_marker_follows_what_the_reader_has_seen(pair, people):
    # given
    alice, bob = pair
    reader = people[1]

    # when
    send(alice, "Read me")
    expect(message(bob, "Read me")).to_have_count(1)

    # then
    newest = int(message(bob, "Read me").get_attribute("data-message-id"))
    wait_until(lambda: read_marker(reader) == newest)


def test_older_messages_load_when_scrolling_up(site, people, group, make_message):
    # given
    alice = people[0]
    total = HISTORY_DEFAULT_LIMIT + 15
    for number in range(1, total + 1):
        make_message(group=group, sender=alice, body=f"Old message {number}")
    page = site.open(alice, f"/groups/{group.id}/")
    expect(page.locator("[data-message-id]")).to_have_count(HISTORY_DEFAULT_LIMIT)

    # when
    page.locator("#scroller").evaluate(
        "scroller => { scroller.scrollTop = -scroller.scrollHeight }"
    )

    # then
    expect(page.locator("[data-message-id]")).to_have_count(total)
    expect(page.locator("#older")).to_have_count(0)
    expect(page.locator("[data-message-id]").first).to_contain_text("Old message 1")
