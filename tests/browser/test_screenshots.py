"""Screenshots of the main pages for the README (docs/screenshots/), at desktop and phone width,
in light and dark, of the real site with a small conversation in it. Times are fixed and the
browser's clock is UTC, so a run that changes nothing on the site rewrites the same pictures."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from groups import services as group_services
from groups.models import Membership
from messaging.models import Message
from messaging.services import mark_read, message_edit, reaction_add
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CONVERSATION = [
    ("maria", "Morning! The **release candidate** is up on staging."),
    ("jonas", "Great. I'll run the smoke tests after stand-up."),
    ("ana", "Found one thing: the search page times out on `deploy` with 10k results."),
    (
        "maria",
        "Good catch. Probably the sort, see the query:\n\n"
        "```sql\nSELECT id FROM messages ORDER BY id DESC LIMIT 50;\n```",
    ),
    ("jonas", "> the search page times out\n\nConfirmed here too. I'll open an issue."),
    ("ana", "Thanks! Release notes are in [the wiki](https://example.com/wiki/release)."),
    ("maria", "Let's ship on Thursday then."),
]
PAGES = [
    ("home", "/"),
    ("conversation", None),
    ("settings", None),
    ("search", "/search/?q=release"),
]


@pytest.fixture
def team(make_user, make_group, make_message):
    """Maria's workspace: a busy public group with reactions, a direct conversation, a private
    group with unread messages and a public group she has not joined."""
    maria = make_user("maria", display_name="Maria Lopez")
    jonas = make_user("jonas", display_name="Jonas Berg")
    ana = make_user("ana", display_name="Ana Silva")
    people = {"maria": maria, "jonas": jonas, "ana": ana}
    release = make_group(
        owner=maria, name="release-2.4", is_public=True, admins=[jonas], members=[ana]
    )
    group_services.group_update(
        actor=maria, group=release, description="Shipping version 2.4: blockers, notes, go/no-go."
    )
    messages = [
        make_message(group=release, sender=people[name], body=body) for name, body in CONVERSATION
    ]
    membership = {m.user_id: m for m in Membership.objects.filter(group=release)}
    for name, emoji in (("jonas", "🎉"), ("ana", "🎉"), ("maria", "👍")):
        reaction_add(
            actor=people[name],
            membership=membership[people[name].id],
            message=messages[0],
            emoji=emoji,
        )
    message_edit(
        actor=jonas,
        membership=membership[jonas.id],
        message=messages[1],
        body="Great. I'll run the smoke tests right after stand-up.",
    )
    mark_read(membership=membership[maria.id], message_id=messages[4].id)
    direct, _ = group_services.direct_get_or_create(user=maria, other=ana)
    make_message(group=direct, sender=ana, body="Do you have a minute for the release notes?")
    design = make_group(owner=jonas, name="design", members=[maria])
    make_message(group=design, sender=jonas, body="New icons are in the shared folder.")
    make_group(owner=ana, name="random", is_public=True)
    for number, message in enumerate(Message.objects.order_by("id")):
        at = START + timedelta(minutes=7 * number)
        Message.objects.filter(pk=message.pk).update(created_at=at)
    return maria, release


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_main_pages_are_photographed(site, team, scheme, width, viewport):
    # given
    maria, release = team
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = {
        "conversation": f"/groups/{release.id}/",
        "settings": f"/groups/{release.id}/settings/",
    }
    context = site.context(
        maria, viewport=viewport, color_scheme=scheme, timezone_id="UTC", locale="en-GB"
    )
    page = context.new_page()

    # when
    shots = []
    for name, path in PAGES:
        page.goto(path or paths[name])
        if name in ("home", "conversation"):
            expect(page.locator("#connection")).to_have_text("Live")
        target = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
        # The conversation fits the window by design; the other pages are shown whole.
        whole = name != "conversation"
        page.screenshot(path=target, full_page=whole, animations="disabled", caret="hide")
        shots.append(target)

    # then
    assert all(shot.stat().st_size > 10_000 for shot in shots)
