"""One definition of each piece of markup: what arrives live is built from the <template> the
server renders with the same include as its own items, so a message or a conversation that
arrived over the socket is the same markup as one that came with the page."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MESSAGES = """list => [...list.querySelectorAll(".message")].map(item => item.outerHTML)"""


def send(page: Page, text: str) -> None:
    page.fill("textarea[name=body]", text)
    page.press("textarea[name=body]", "Enter")


def message(page: Page, text: str):
    return page.locator("[data-message-id]", has_text=text)


def messages_markup(page: Page) -> list[str]:
    return page.locator("#message-list").evaluate(MESSAGES)


@pytest.fixture
def people(make_user):
    return make_user("alice", display_name="Alice"), make_user("bob", display_name="Bob")


def test_messages_that_arrived_live_have_the_markup_of_messages_loaded_with_the_page(
    site, people, make_group, make_message
):
    # given: a message from before, and both on the conversation page
    alice_user, bob_user = people
    group = make_group(owner=alice_user, name="Team", members=[bob_user])
    make_message(group=group, sender=bob_user, body="From *before*")
    path = f"/groups/{group.id}/"
    alice, bob = site.open(alice_user, path), site.open(bob_user, path)

    # when: new messages arrive (Bob: message.new; Alice: the ack of her own), one is edited,
    # one deleted, and reactions come to a new message and to the one from before
    send(alice, "Hello **Bob**, see `code` and https://example.com")
    send(alice, "Typo heer")
    send(alice, "Going away")
    for page in (alice, bob):
        expect(message(page, "Going away")).to_have_count(1)
    expect(alice.locator(".message--pending")).to_have_count(0)

    typo = message(alice, "Typo heer")
    typo.hover()
    typo.get_by_role("button", name="Edit this message").click()
    typo.locator(".editor textarea").fill("Fixed _here_")
    typo.locator(".editor textarea").press("Enter")
    for page in (alice, bob):
        expect(message(page, "Fixed here").locator(".message__edited")).to_have_count(1)

    for text in ("Hello Bob", "From before"):
        item = message(bob, text)
        item.hover()
        item.get_by_role("button", name="Add a reaction").click()
        item.get_by_role("button", name="React with 🎉").click()
        for page in (alice, bob):
            expect(message(page, text).locator(".reaction__count")).to_have_text("1")

    going = message(alice, "Going away")
    going.hover()
    going.get_by_role("button", name="Delete this message").click()
    going.get_by_role("button", name="Yes, delete this message").click()

    for page in (alice, bob):
        expect(message(page, "This message was deleted.")).to_have_count(1)
    live = {"alice": messages_markup(alice), "bob": messages_markup(bob)}

    # then: the same page loaded afresh holds the same markup, to the character
    loaded = {
        "alice": messages_markup(site.open(alice_user, path)),
        "bob": messages_markup(site.open(bob_user, path)),
    }
    assert len(live["bob"]) == 4
    assert live == loaded
    assert 'class="message message--mine message--deleted"' in live["alice"][-1]
    assert 'class="reaction reaction--mine"' in live["bob"][1]


def test_a_conversation_that_appeared_live_has_the_markup_of_one_loaded_with_the_page(
    site, people, make_group
):
    # given: Bob on his home page, not yet in Alice's group
    alice_user, bob_user = people
    group = make_group(owner=alice_user, name="Book club")
    bob_home = site.open(bob_user, "/")
    alice = site.open(alice_user, f"/groups/{group.id}/")
    send(alice, "Welcome <b>aboard</b>")
    expect(message(alice, "Welcome")).to_have_count(1)

    # when: Alice adds him (group.added), then writes again (message.new)
    alice.goto(f"/groups/{group.id}/settings/")
    alice.get_by_label("Find people").fill("bo")
    alice.get_by_label("Find people").press("Enter")
    alice.get_by_role("button", name="Add Bob").click()
    expect(alice.locator(".member-list")).to_contain_text("Bob")
    item = bob_home.locator(f'#conversations [data-group-id="{group.id}"]')
    expect(item.locator(".group-list__preview")).to_have_text("Welcome <b>aboard</b>")
    alice.goto(f"/groups/{group.id}/")
    expect(alice.locator("#connection")).to_have_text("Live")
    send(alice, "Glad you are here")

    # then
    expect(item.locator(".group-list__preview")).to_have_text("Glad you are here")
    live = item.evaluate("item => item.outerHTML")
    loaded = site.open(bob_user, "/").locator(f'#conversations [data-group-id="{group.id}"]')
    assert live == loaded.evaluate("item => item.outerHTML")
    assert "Private · 2 members" in live
