"""messaging.seeding through manage.py seed_demo: the demo data, idempotence, progress, and the
bulk loader's invariants."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import PASSWORD
from groups.models import Group, Membership
from messaging import seeding
from messaging.models import Message, Reaction

pytestmark = pytest.mark.django_db

User = get_user_model()


def seed(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every row the command may write, field by field."""
    models = {"users": User, "groups": Group, "memberships": Membership}
    models |= {"messages": Message, "reactions": Reaction}
    return {name: list(model.objects.order_by("pk").values()) for name, model in models.items()}


def test_seed_demo_makes_users_who_sign_in_with_the_printed_password():
    # when
    out, _ = seed()

    # then
    assert seeding.DEMO_PASSWORD in out
    users = User.objects.filter(username__in=seeding.DEMO_USERS)
    assert users.count() == len(seeding.DEMO_USERS)
    assert all(user.check_password(seeding.DEMO_PASSWORD) for user in users)


def test_seed_demo_makes_public_and_private_groups_and_direct_conversations():
    # when
    seed()

    # then
    groups = Group.objects.filter(kind=Group.Kind.GROUP)
    assert {g.name for g in groups.filter(is_public=True)} == {"general", "random"}
    assert {g.name for g in groups.filter(is_public=False)} == {"engineering", "design"}
    assert Group.objects.filter(kind=Group.Kind.DIRECT).count() == len(seeding.DEMO_DIRECTS)
    general = groups.get(name="general")
    assert dict(general.memberships.values_list("user__username", "role")) == {
        "alice": "owner",
        "bob": "admin",
        "carol": "member",
        "dave": "member",
    }


def test_seed_demo_sends_messages_through_the_services():
    # when
    seed()

    # then: rendered, numbered, and the groups' last messages kept
    general = Group.objects.get(name="general")
    messages = list(general.messages.order_by("seq"))
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
    assert "<strong>Markdown</strong>" in messages[0].html
    assert (general.last_seq, general.last_message_id) == (messages[-1].seq, messages[-1].id)
    assert Reaction.objects.filter(message=messages[0]).count() == 2


def test_seed_demo_twice_changes_nothing_the_second_time():
    # given
    seed()
    before = snapshot()

    # when
    out, _ = seed()

    # then
    assert snapshot() == before
    assert "nothing to add" in out


def test_seed_demo_refuses_a_site_with_real_users(make_user):
    # given: someone signed up for real
    make_user("bob")

    # when
    with pytest.raises(CommandError, match="--with-real-users"):
        seed()

    # then
    assert list(User.objects.values_list("username", flat=True)) == ["bob"]
    assert not Group.objects.exists()


def test_seed_demo_never_touches_real_accounts_even_when_told_to_run(make_user):
    # given: a real bob, with his own password
    bob = make_user("bob")

    # when: told to run anyway, twice
    seed("--with-real-users", "--password", "another-long-passphrase-19")
    before = snapshot()
    seed("--with-real-users")

    # then: the demo's bob is another account; the real one is in nothing and said nothing
    demo_bob = User.objects.get(username="bob-demo")
    assert demo_bob.is_demo and not User.objects.get(pk=bob.pk).is_demo
    assert not Membership.objects.filter(user=bob).exists()
    assert not Message.objects.filter(sender=bob).exists()
    assert Membership.objects.filter(user=demo_bob).exists()
    assert User.objects.get(pk=bob.pk).check_password(PASSWORD)
    assert demo_bob.check_password("another-long-passphrase-19")
    assert snapshot() == before


def test_seed_demo_shows_its_progress_on_stderr():
    # when
    _, err = seed()

    # then
    assert "demo data" in err
    assert "100%" in err


def test_seed_demo_can_keep_quiet():
    # when
    _, err = seed("--no-progress", "--messages", "5")

    # then
    assert err == ""


def test_the_bulk_load_fills_a_group_with_gapless_seqs_in_id_order():
    # when
    out, err = seed("--messages", "30", "--group-name", "bench", "--batch-size", "7")

    # then
    group = Group.objects.get(name="bench")
    messages = list(group.messages.order_by("id"))
    assert [m.seq for m in messages] == list(range(1, 31))
    assert (group.last_seq, group.last_message_id) == (30, messages[-1].id)
    assert group.last_activity_at == messages[-1].created_at
    times = [m.created_at for m in messages]
    assert times == sorted(times) and times[-1] <= timezone.now()
    assert {m.sender_id for m in messages} <= set(
        group.memberships.values_list("user_id", flat=True)
    )
    assert all(m.html.startswith("<p>") for m in messages)
    assert "30 messages added" in out
    assert "bench" in err and "100%" in err


def test_the_bulk_load_tops_up_and_adds_nothing_when_the_group_is_full():
    # given
    seed("--messages", "20", "--group-name", "bench")
    before = snapshot()

    # when
    seed("--messages", "20", "--group-name", "bench")
    unchanged = snapshot() == before
    out, _ = seed("--messages", "25", "--group-name", "bench")

    # then
    assert unchanged
    group = Group.objects.get(name="bench")
    assert list(group.messages.order_by("id").values_list("seq", flat=True)) == list(range(1, 26))
    assert "5 messages added" in out


def test_the_bulk_load_continues_after_messages_sent_by_the_site(make_message):
    # given
    seed()
    group = seeding.bench_group(name="bench")
    alice = User.objects.get(username="alice")
    first = make_message(group=group, sender=alice, body="the first message")

    # when
    seeding.load_messages(group=group, total=10, batch_size=4)

    # then
    group.refresh_from_db()
    messages = list(group.messages.order_by("id"))
    assert messages[0] == first
    assert [m.seq for m in messages] == list(range(1, 11))
    assert all(m.created_at >= first.created_at for m in messages)
    assert group.last_message_id == messages[-1].id


@pytest.mark.parametrize(
    "args",
    [["--messages", "-1"], ["--batch-size", "0"], ["--messages", "5", "--group-name", "x" * 101]],
)
def test_seed_demo_refuses_bad_arguments(args):
    # when / then
    with pytest.raises(CommandError):
        seed(*args)
