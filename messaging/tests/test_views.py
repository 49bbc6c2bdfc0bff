"""The message pages through Django's test client, as a browser without JavaScript uses them:
home (the conversations), the conversation (history, unread divider, paging), sending by form
POST, search."""

import re

import pytest
from django.urls import reverse

from groups.models import Membership
from messaging.models import Message
from messaging.search import QUERY_TOO_LONG
from messaging.selectors import HISTORY_DEFAULT_LIMIT
from messaging.services import BODY_REQUIRED, mark_read, reaction_add

pytestmark = pytest.mark.django_db

OVERFLOWING_ID = 10**30


def conversation_url(group, **query) -> str:
    url = reverse("conversation", args=[group.id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def message_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-message-id="(\d+)"', response.content.decode())]


def send_form(client, group, body: str, client_id: str = ""):
    return client.post(
        reverse("message_send", args=[group.id]), {"body": body, "client_id": client_id}
    )


@pytest.fixture
def chatty_group(make_cast, make_message):
    """A group with a page and a half of messages after the cast's first one."""
    cast = make_cast()
    for number in range(HISTORY_DEFAULT_LIMIT + HISTORY_DEFAULT_LIMIT // 2):
        make_message(group=cast.group, sender=cast.sender, body=f"message {number}")
    return cast


# --- Home -------------------------------------------------------------------------------------


def test_home_lists_my_conversations_latest_activity_first_with_unread_and_last_message(
    client, make_user, make_group, make_message
):
    # given
    me, friend = make_user("me"), make_user("friend", display_name="Friend")
    quiet = make_group(owner=me, name="quiet", members=[friend])
    busy = make_group(owner=me, name="busy", members=[friend])
    make_message(group=quiet, sender=friend, body="old news")
    make_message(group=busy, sender=friend, body="first")
    make_message(group=busy, sender=friend, body="latest <b>news</b>")
    make_group(owner=friend, name="not-mine")
    client.force_login(me)

    # when
    response = client.get(reverse("home"))

    # then
    html = response.content.decode()
    conversations = response.context["conversations"]
    assert [(g["name"], g["unread_count"]) for g in conversations] == [("busy", 2), ("quiet", 1)]
    assert f'href="/groups/{busy.id}/"' in html
    assert "latest &lt;b&gt;news&lt;/b&gt;" in html
    assert "not-mine" not in html


def test_home_offers_public_groups_i_have_not_joined(client, make_user, make_group):
    # given
    me = make_user()
    joined = make_group(name="joined", is_public=True, members=[me])
    open_group = make_group(name="open", is_public=True)
    make_group(name="secret")
    client.force_login(me)

    # when
    response = client.get(reverse("home"))

    # then
    assert [g["id"] for g in response.context["discover"]] == [open_group.id]
    assert f'action="{reverse("group_join", args=[open_group.id])}"' in response.content.decode()
    assert joined.id not in [g["id"] for g in response.context["discover"]]


def test_home_costs_a_fixed_number_of_queries(
    client, make_user, make_group, make_message, django_assert_num_queries
):
    # given
    me = make_user()
    for number in range(5):
        group = make_group(name=f"g{number}", members=[me], is_public=number % 2 == 0)
        make_message(group=group, sender=me)
    make_group(name="to-discover", is_public=True)
    client.force_login(me)

    # when
    # session, user; the conversations and their memberships, member counts, unread counts,
    # last messages, reactions, attachments; the public groups and their member counts and
    # last messages
    with django_assert_num_queries(12):
        response = client.get(reverse("home"))

    # then
    assert len(response.context["conversations"]) == 5


def test_home_needs_a_signed_in_user(client):
    # when
    response = client.get(reverse("home"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Reading ----------------------------------------------------------------------------------


def test_the_conversation_has_the_contracts_hooks(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.member)

    # when
    response = client.get(conversation_url(cast.group))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert message_ids(response) == [cast.message.id]
    form = re.search(r"<form[^>]*id=\"composer\".*?</form>", html, flags=re.S)[0]
    assert f'action="{reverse("message_send", args=[cast.group.id])}"' in form
    assert re.search(r'<textarea[^>]*name="body"', form)
    assert 'name="csrfmiddlewaretoken"' in form
    assert re.search(r'<script type="module" src="[^"]*js/conversation\.js"></script>', html)


def test_the_newest_page_comes_first_with_a_link_to_older_messages(client, chatty_group):
    # given
    cast = chatty_group
    client.force_login(cast.member)
    newest = list(Message.objects.filter(group=cast.group).order_by("-id")[:HISTORY_DEFAULT_LIMIT])

    # when
    response = client.get(conversation_url(cast.group))

    # then
    ids = message_ids(response)
    assert ids == sorted(m.id for m in newest)
    assert f'href="?before={ids[0]}"' in response.content.decode()


def test_older_and_newer_pages_follow_the_links(client, chatty_group):
    # given
    cast = chatty_group
    client.force_login(cast.member)
    all_ids = list(
        Message.objects.filter(group=cast.group).order_by("id").values_list("id", flat=True)
    )
    first_page = message_ids(client.get(conversation_url(cast.group)))

    # when
    older = client.get(conversation_url(cast.group, before=first_page[0]))
    newer = client.get(conversation_url(cast.group, after=all_ids[0]))

    # then
    assert message_ids(older) == all_ids[: len(all_ids) - HISTORY_DEFAULT_LIMIT]
    assert "?before=" not in older.content.decode()  # the oldest message is on it
    assert f'href="?after={message_ids(older)[-1]}"' in older.content.decode()
    assert message_ids(newer) == all_ids[1 : 1 + HISTORY_DEFAULT_LIMIT]


@pytest.mark.parametrize(
    "query",
    ["before=abc", f"before={OVERFLOWING_ID}", "after=-1", "before=5&after=1"],
    ids=["not-a-number", "overflowing", "negative", "both"],
)
def test_a_bad_history_cursor_is_a_bad_request(client, make_cast, query):
    # given
    cast = make_cast()
    client.force_login(cast.member)

    # when
    response = client.get(f"{conversation_url(cast.group)}?{query}")

    # then
    assert response.status_code == 400


def test_the_unread_divider_comes_before_the_first_message_from_others_i_have_not_read(
    client, make_cast, make_message
):
    # given
    cast = make_cast()
    membership = Membership.objects.get(user=cast.member, group=cast.group)
    mark_read(membership=membership, message_id=cast.message.id)
    mine = make_message(group=cast.group, sender=cast.member, body="mine")
    unread = make_message(group=cast.group, sender=cast.sender, body="new")
    client.force_login(cast.member)

    # when
    html = client.get(conversation_url(cast.group)).content.decode()

    # then
    divider = html.index('id="unread-divider"')
    assert html.index(f'data-message-id="{mine.id}"') < divider
    assert divider < html.index(f'data-message-id="{unread.id}"')


def test_messages_show_their_reactions_and_tombstones(client, make_cast, make_message):
    # given
    cast = make_cast()
    sender_membership = Membership.objects.get(user=cast.sender, group=cast.group)
    reaction_add(actor=cast.sender, membership=sender_membership, message=cast.message, emoji="🎉")
    deleted = make_message(group=cast.group, sender=cast.sender, body="oops")
    Message.objects.filter(pk=deleted.pk).update(deleted=True, body="", html="")
    client.force_login(cast.sender)

    # when
    html = client.get(conversation_url(cast.group)).content.decode()

    # then
    assert re.search(r'class="reaction reaction--mine" data-emoji="🎉" aria-pressed="true"', html)
    # the tombstone is the deleted message's own (the page's <template> has one too)
    tombstone = re.search(
        rf'<li class="message[^"]* message--deleted"[^>]* data-message-id="{deleted.id}"', html
    )
    assert tombstone
    assert "oops" not in html


def test_what_users_typed_is_escaped_and_sanitized(client, make_cast, make_message):
    # given
    cast = make_cast()
    cast.sender.display_name = "<img src=x onerror=alert(1)>"
    cast.sender.save()
    make_message(
        group=cast.group,
        sender=cast.sender,
        body="<script>alert(1)</script> [x](javascript:alert(1))",
    )
    client.force_login(cast.member)

    # when
    html = client.get(conversation_url(cast.group)).content.decode()

    # then
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html
    assert not re.search(r"href=\"\s*javascript:", html, flags=re.I)


def test_the_conversation_costs_a_fixed_number_of_queries(
    client, chatty_group, django_assert_num_queries
):
    # given
    cast = chatty_group
    client.force_login(cast.member)

    # when
    # session, user, membership with group, messages with senders, reactions, attachments
    with django_assert_num_queries(6):
        response = client.get(conversation_url(cast.group))

    # then
    assert len(message_ids(response)) == HISTORY_DEFAULT_LIMIT


def test_a_public_group_is_read_only_for_a_non_member_with_a_join_button(client, make_cast):
    # given
    cast = make_cast(is_public=True)
    client.force_login(cast.outsider)

    # when
    response = client.get(conversation_url(cast.group))

    # then
    html = response.content.decode()
    assert message_ids(response) == [cast.message.id]
    assert 'name="body"' not in html
    assert f'action="{reverse("group_join", args=[cast.group.id])}"' in html


@pytest.mark.parametrize("group_id", ["private", 10**6, OVERFLOWING_ID])
def test_a_group_i_may_not_see_is_not_found(client, make_cast, group_id):
    # given
    cast = make_cast()
    client.force_login(cast.outsider)
    group_id = cast.group.id if group_id == "private" else group_id

    # when
    response = client.get(f"/groups/{group_id}/")

    # then
    assert response.status_code == 404


def test_the_conversation_needs_a_signed_in_user(client, make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    response = client.get(conversation_url(cast.group))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Sending without JavaScript ---------------------------------------------------------------


def test_sending_by_form_stores_the_message_and_shows_it(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.member)

    # when
    response = send_form(client, cast.group, "  Hello *there*  ")

    # then
    message = Message.objects.latest("id")
    assert (message.sender, message.body) == (cast.member, "Hello *there*")
    assert response.status_code == 302
    assert response.url == f"{conversation_url(cast.group)}#message-{message.id}"
    assert message.id in message_ids(client.get(conversation_url(cast.group)))


def test_a_form_sent_twice_stores_one_message(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.member)
    client_id = re.search(
        r'name="client_id" value="([^"]+)"',
        client.get(conversation_url(cast.group)).content.decode(),
    )[1]

    # when
    first = send_form(client, cast.group, "once", client_id)
    second = send_form(client, cast.group, "once", client_id)

    # then
    assert first.url == second.url
    assert Message.objects.filter(body="once").count() == 1


def test_an_empty_message_shows_the_form_again_with_the_reason(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.member)

    # when
    response = send_form(client, cast.group, "   ")

    # then
    assert response.status_code == 400
    assert BODY_REQUIRED in response.content.decode()
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("is_public", "status"), [(True, 403), (False, 404)], ids=["public", "private"]
)
def test_a_non_member_cannot_send(client, make_cast, is_public, status):
    # given
    cast = make_cast(is_public=is_public)
    client.force_login(cast.outsider)

    # when
    response = send_form(client, cast.group, "let me in")

    # then
    assert response.status_code == status
    assert not Message.objects.filter(body="let me in").exists()


# --- Search -----------------------------------------------------------------------------------


def test_search_finds_messages_of_my_groups_only(client, make_cast, make_message):
    # given
    mine, theirs = make_cast(), make_cast()
    found = make_message(group=mine.group, sender=mine.sender, body="the deployment is done")
    make_message(group=theirs.group, sender=theirs.sender, body="another deployment")
    client.force_login(mine.member)

    # when
    response = client.get(reverse("search"), {"q": "deployment"})

    # then
    assert message_ids(response) == [found.id]
    link = f"{conversation_url(mine.group)}?after={found.id - 1}#message-{found.id}"
    assert f'href="{link}"' in response.content.decode()


def test_search_within_one_group(client, make_cast, make_message, make_group):
    # given
    cast = make_cast()
    other = make_group(owner=cast.member, name="Other")
    make_message(group=other, sender=cast.member, body="needle elsewhere")
    wanted = make_message(group=cast.group, sender=cast.sender, body="needle here")
    client.force_login(cast.member)

    # when
    response = client.get(reverse("search"), {"q": "needle", "group": cast.group.id})

    # then
    assert message_ids(response) == [wanted.id]


def test_a_search_too_long_says_so(client, user):
    # given
    client.force_login(user)

    # when
    response = client.get(reverse("search"), {"q": "x" * 500})

    # then
    assert response.status_code == 200
    assert QUERY_TOO_LONG in response.content.decode()


# --- Every page -------------------------------------------------------------------------------


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, make_cast):
    # given
    cast = make_cast()
    client.force_login(cast.owner)
    paths = [
        reverse("home"),
        conversation_url(cast.group),
        reverse("group_settings", args=[cast.group.id]),
        reverse("search") + "?q=hello",
    ]

    # when
    responses = [client.get(path) for path in paths]

    # then
    for response in responses:
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy
        assert "unsafe-inline" not in policy
        assert "connect-src 'self' ws://testserver wss://testserver;" in policy
        html = response.content.decode()
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
        assert " style=" not in html


# --- Public groups --------------------------------------------------------------------------


def test_the_public_groups_page_lists_every_public_group_a_page_at_a_time(
    client, make_user, make_group, django_assert_num_queries
):
    # given: 51 public groups (one of them mine) and a private one
    me = make_user()
    groups = [make_group(name=f"club {n}", is_public=True) for n in range(50)]
    groups.append(make_group(name="mine", is_public=True, members=[me]))
    make_group(name="secret")
    client.force_login(me)

    # when
    # session, user; the page of groups; my memberships in them, their member counts (no
    # messages yet: nothing to count as unread, no last message): the same for any page size
    with django_assert_num_queries(5):
        first = client.get(reverse("public_groups"))
    second = client.get(reverse("public_groups"), {"after": first.context["next_after"]})

    # then: by id, 50 and then the last, which is mine (to open, not to join)
    assert [g["id"] for g in first.context["groups"]] == [g.id for g in groups[:50]]
    assert [g["id"] for g in second.context["groups"]] == [groups[50].id]
    assert second.context["next_after"] is None
    assert f'?after={groups[49].id}"' in first.content.decode()
    assert 'aria-label="Open mine"' in second.content.decode()
    assert 'aria-label="Join club 0"' in first.content.decode()


def test_the_public_groups_page_finds_groups_by_name(client, make_user, make_group):
    # given
    me = make_user()
    chess = make_group(name="Chess club", is_public=True)
    make_group(name="Book club", is_public=True)
    make_group(name="Chess in secret")
    client.force_login(me)

    # when
    response = client.get(reverse("public_groups"), {"q": "CHESS"})

    # then
    assert [g["id"] for g in response.context["groups"]] == [chess.id]


@pytest.mark.parametrize("query", [{"after": "x"}, {"after": OVERFLOWING_ID}, {"q": "x" * 101}])
def test_the_public_groups_page_refuses_bad_input_with_400(client, make_user, query):
    # given
    client.force_login(make_user())

    # when
    response = client.get(reverse("public_groups"), query)

    # then
    assert response.status_code == 400
    assert response.context["groups"] == []


def test_home_links_to_every_public_group(client, make_user):
    # given
    client.force_login(make_user())

    # when
    response = client.get(reverse("home"))

    # then
    assert f'href="{reverse("public_groups")}"' in response.content.decode()
