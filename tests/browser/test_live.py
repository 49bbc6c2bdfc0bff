"""Two people in two browsers: what one does, the other sees without reloading."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def send(page: Page, text: str) -> None:
    page.fill("textarea[name=body]", text)
    page.press("textarea[name=body]", "Enter")


def message(page: Page, text: str):
    return page.locator("[data-message-id]", has_text=text)


@pytest.fixture
def pair(site, make_user, make_group):
    """Alice and Bob, each on the conversation page of their group, sockets live."""
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    group = make_group(owner=alice, name="Team", members=[bob])
    path = f"/groups/{group.id}/"
    return site.open(alice, path), site.open(bob, path)


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
