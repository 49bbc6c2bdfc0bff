"""Whole journeys through the pages, as people click through them."""

import re

import pytest
from playwright.sync_api import expect

from groups.models import Group

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def test_sign_up_create_a_group_add_a_member_chat_and_leave(site, make_user):
    # given
    dave = make_user("dave", display_name="Dave")
    carol = site.context().new_page()

    # when Carol signs up
    carol.goto("/signup/")
    carol.fill("input[name=username]", "carol")
    carol.fill("input[name=password]", NEW_PASSWORD)
    carol.fill("input[name=password2]", NEW_PASSWORD)
    carol.locator("main form").get_by_role("button").click()
    expect(carol.get_by_role("heading", name="Your conversations")).to_be_visible()

    # and creates a group
    carol.get_by_label("Name", exact=True).fill("Book club")
    carol.get_by_role("button", name="Create group").click()
    expect(carol.get_by_role("heading", name="Book club")).to_be_visible()
    group = Group.objects.get(name="Book club")

    # and adds Dave from the people search of its settings
    carol.get_by_role("link", name="Settings").click()
    carol.get_by_label("Find people").fill("da")
    carol.get_by_label("Find people").press("Enter")
    carol.get_by_role("button", name="Add Dave").click()
    expect(carol.locator(".member-list")).to_contain_text("Dave")

    # and they chat
    dave_page = site.open(dave, f"/groups/{group.id}/")
    carol.goto(f"/groups/{group.id}/")
    expect(carol.locator("#connection")).to_have_text("Live")
    carol.fill("textarea[name=body]", "Welcome, Dave!")
    carol.press("textarea[name=body]", "Enter")
    expect(dave_page.locator("[data-message-id]", has_text="Welcome, Dave!")).to_have_count(1)
    dave_page.fill("textarea[name=body]", "Thanks!")
    dave_page.press("textarea[name=body]", "Enter")
    expect(carol.locator("[data-message-id]", has_text="Thanks!")).to_have_count(1)

    # and Dave leaves
    dave_page.get_by_role("link", name="Settings").click()
    dave_page.get_by_role("button", name="Leave the group").click()

    # then
    expect(dave_page).to_have_url(re.compile(r"/$"))
    expect(dave_page.locator("#conversations")).not_to_contain_text("Book club")
    assert list(group.members.values_list("username", flat=True)) == ["carol"]


def test_a_direct_conversation_starts_from_the_people_search(site, make_user):
    # given
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bobby")
    bob_home = site.open(bob, "/")
    page = site.open(alice, "/")

    # when
    page.get_by_label("Find people").fill("bo")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Message Bobby").click()
    expect(page.get_by_role("heading", name="Bobby")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Live")
    page.fill("textarea[name=body]", "Hi Bob, a word in private?")
    page.press("textarea[name=body]", "Enter")

    # then: Bob's home shows the new conversation, unread, without a reload
    item = bob_home.locator("#conversations li", has_text="Alice")
    expect(item.locator(".group-list__preview")).to_have_text("Hi Bob, a word in private?")
    expect(item.locator(".badge--unread .badge__count")).to_have_text("1")
