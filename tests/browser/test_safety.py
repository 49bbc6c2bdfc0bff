"""Nothing a user typed ever runs; and the pages still work with JavaScript off."""

import re

import pytest
from playwright.sync_api import Page, expect

from messaging.selectors import HISTORY_DEFAULT_LIMIT

pytestmark = pytest.mark.browser

XSS_CORPUS = [
    "<script>window.__xss = 1; alert(1)</script>",
    '<img src=x onerror="window.__xss = 1; alert(1)">',
    "<svg/onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=alert(1)>open</details>",
    '"><script>alert(1)</script>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">plain link</a>',
    "[markdown link](javascript:alert(1))",
    "[mixed case](JaVaScRiPt:alert(1))",
    "[entity](&#106;avascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![image](x" onerror="alert(1))',
    "`<script>alert(1)</script>` in code",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<style>body { display: none }</style>",
]
HOSTILE_NAME = '<img src=x onerror="window.__xss = 1; alert(1)">'

UNSAFE_MARKUP = """() => {
  const list = document.getElementById("message-list");
  const found = [];
  for (const node of list.querySelectorAll("*")) {
    const tag = node.tagName.toLowerCase();
    if (["script", "style", "iframe", "object", "embed", "form", "svg", "math"].includes(tag)) {
      found.push(tag);
    }
    for (const attribute of node.attributes) {
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (attribute.name.startsWith("on") || attribute.name === "style") found.push(attribute.name);
      if (/^(javascript|vbscript|data):/.test(value)) found.push(`${attribute.name}=${value}`);
    }
  }
  return found;
}"""


def watch_for_script(page: Page) -> list[str]:
    """Every dialog the page opens, dismissed and recorded."""
    dialogs: list[str] = []

    def record(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return dialogs


def assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    assert page.evaluate(UNSAFE_MARKUP) == []


def test_an_xss_corpus_posted_through_the_page_never_runs(site, make_user, make_group):
    # given
    mallory = make_user("mallory", display_name=HOSTILE_NAME)
    victim = make_user("victim")
    group = make_group(owner=mallory, name=HOSTILE_NAME, members=[victim])
    path = f"/groups/{group.id}/"
    sender = site.open(mallory, path)
    reader = site.open(victim, path)
    sender_dialogs, reader_dialogs = watch_for_script(sender), watch_for_script(reader)

    # when: sent from the page, shown live, then rendered by the server
    for body in XSS_CORPUS:
        sender.fill("textarea[name=body]", body)
        sender.press("textarea[name=body]", "Enter")
    expect(reader.locator("[data-message-id]")).to_have_count(len(XSS_CORPUS))
    live = (reader.evaluate(UNSAFE_MARKUP), reader.evaluate("window.__xss"))
    reader.reload()
    expect(reader.locator("[data-message-id]")).to_have_count(len(XSS_CORPUS))
    home = site.open(victim, "/")
    home_dialogs = watch_for_script(home)

    # then
    assert live == ([], None)
    assert_nothing_ran(sender, sender_dialogs)
    assert_nothing_ran(reader, reader_dialogs)
    assert home_dialogs == [] and home.evaluate("window.__xss") is None
    expect(reader.locator(".message__sender").first).to_have_text(HOSTILE_NAME)
    expect(reader.get_by_role("heading", level=1)).to_have_text(re.compile(re.escape(HOSTILE_NAME)))


def test_without_javascript_the_history_reads_and_the_form_sends(
    site, make_user, make_group, make_message
):
    # given
    alice = make_user("alice", display_name="Alice")
    group = make_group(owner=alice, name="Plain")
    total = HISTORY_DEFAULT_LIMIT + 10
    for number in range(1, total + 1):
        make_message(group=group, sender=alice, body=f"Message number {number}")
    page = site.open(alice, f"/groups/{group.id}/", java_script_enabled=False)

    # when: reading
    expect(page.locator("[data-message-id]")).to_have_count(HISTORY_DEFAULT_LIMIT)
    page.get_by_role("link", name="Older messages").click()

    # then
    expect(page.locator("[data-message-id]")).to_have_count(total - HISTORY_DEFAULT_LIMIT)
    expect(page.locator("[data-message-id]").first).to_contain_text("Message number 1")

    # when: sending
    page.get_by_role("link", name="Newer messages").click()
    page.fill("textarea[name=body]", "Sent **without** JavaScript")
    page.get_by_role("button", name="Send").click()

    # then
    expect(page).to_have_url(re.compile(r"/groups/\d+/#message-\d+$"))
    sent = page.locator("[data-message-id]", has_text="Sent without JavaScript")
    expect(sent).to_have_count(1)
    expect(sent.locator("strong")).to_have_text("without")
    expect(page.locator("#connection")).to_be_hidden()
