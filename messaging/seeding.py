"""Demo data for a fresh site, and a bulk loader of message history for the benchmarks.

The demo data (users, public and private groups, direct conversations, messages, reactions) goes
through the services, so it is exactly what the site itself would have stored. Running it again
changes nothing: users, groups and memberships are looked up before they are made, and every
demo message carries a fixed client_id, which the send service answers with the original.

It touches only the demo accounts it made (`User.is_demo`): on a site with real users it
refuses to run unless told to (`with_real_users`), and then a demo name that a real account
holds becomes `<name>-demo` for the demo account.

The bulk loader writes rows directly (COPY on PostgreSQL, bulk_create elsewhere) and keeps the
send service's guarantees by doing what it does: each batch holds the group's row lock, numbers
seq on from Group.last_seq without gaps (so ids grow with seq), and moves last_seq, last_message
and last_activity_at in the same transaction. It tops a group up to a number of messages, so
running it again adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from groups import services as group_services
from groups.models import Group, Membership
from groups.selectors import get_membership

from . import services as message_services
from .models import Message
from .rendering import render_markdown

Role = Membership.Role
Progress = Callable[[int], None]  # called with the number of steps just done

DEMO_PASSWORD = "lantern-orbit-meadow-73"
BENCH_GROUP_NAME = "bench-history"
BULK_BATCH_SIZE = 20_000
BODY_POOL_SIZE = 10_000  # distinct bulk bodies, each rendered once


def _ignore(done: int) -> None:
    pass


# --- The demo -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoGroup:
    name: str
    description: str
    is_public: bool
    owner: str
    members: dict[str, str]  # username -> role, the owner left out
    messages: list[tuple[str, str]]  # (sender, body), in order
    reactions: list[tuple[int, str, str]] = field(default_factory=list)  # (message, user, emoji)


@dataclass(frozen=True)
class DemoDirect:
    pair: tuple[str, str]
    messages: list[tuple[str, str]]


DEMO_USERS = {
    "alice": "Alice Archer",
    "bob": "Bob Baker",
    "carol": "Carol Chen",
    "dave": "Dave Diaz",
    "erin": "Erin Evans",
    "frank": "Frank Fischer",
}

DEMO_GROUPS = [
    DemoGroup(
        name="general",
        description="Everyone, everything. Say hello!",
        is_public=True,
        owner="alice",
        members={"bob": Role.ADMIN, "carol": Role.MEMBER, "dave": Role.MEMBER},
        messages=[
            (
                "alice",
                "Welcome to the demo! Messages are **Markdown**: try `code`, _emphasis_ "
                "and [links](https://www.djangoproject.com/).",
            ),
            ("bob", "Hi all :wave: the deployment to staging went fine."),
            ("carol", "Nice. Anything I should check before Friday's release?"),
            ("bob", "- the search page\n- the new reactions\n- websocket reconnects"),
            ("dave", "I'll take the reconnects."),
        ],
        reactions=[(1, "bob", "👍"), (1, "carol", "🎉"), (4, "carol", "👍")],
    ),
    DemoGroup(
        name="random",
        description="Off-topic chatter.",
        is_public=True,
        owner="carol",
        members={"alice": Role.MEMBER, "erin": Role.MEMBER, "frank": Role.MEMBER},
        messages=[
            ("erin", "Who's up for lunch at noon?"),
            ("frank", "Count me in."),
            ("carol", "Same. The new place on the corner?"),
        ],
        reactions=[(1, "alice", "🍜")],
    ),
    DemoGroup(
        name="engineering",
        description="Private: deployments, incidents, code review.",
        is_public=False,
        owner="bob",
        members={"alice": Role.ADMIN, "dave": Role.MEMBER},
        messages=[
            ("bob", "Deployment checklist:\n\n1. migrate\n2. collectstatic\n3. restart workers"),
            ("alice", "```\nmake test\n```\npasses on both databases now."),
            ("dave", "Reviewing the search indexes this afternoon."),
        ],
    ),
    DemoGroup(
        name="design",
        description="Private: mock-ups and feedback.",
        is_public=False,
        owner="erin",
        members={"carol": Role.MEMBER},
        messages=[
            ("erin", "New mock-ups for the group page are in the shared folder."),
            ("carol", "Love the darker sidebar."),
        ],
    ),
]

DEMO_DIRECTS = [
    DemoDirect(
        pair=("alice", "bob"),
        messages=[
            ("alice", "Can you look at my pull request today?"),
            ("bob", "Sure, after standup."),
        ],
    ),
    DemoDirect(pair=("carol", "dave"), messages=[("carol", "Thanks for the help yesterday!")]),
]


def demo_step_count() -> int:
    """How many steps `seed_demo` reports, for a progress display."""
    return (
        len(DEMO_USERS)
        + sum(1 + len(g.members) + len(g.messages) + len(g.reactions) for g in DEMO_GROUPS)
        + sum(1 + len(d.messages) for d in DEMO_DIRECTS)
    )


class RealUsersPresent(Exception):
    """The site has accounts that seed_demo did not make."""


def seed_demo(
    *, password: str = DEMO_PASSWORD, progress: Progress = _ignore, with_real_users: bool = False
) -> dict[str, int]:
    """Create whatever of the demo data is missing; returns how many of each thing it made.
    Raises RealUsersPresent on a site with real accounts, unless `with_real_users`."""
    if not with_real_users and get_user_model().objects.filter(is_demo=False).exists():
        raise RealUsersPresent
    made = {"users": 0, "groups": 0, "memberships": 0, "messages": 0, "reactions": 0}
    users = {}
    for username, display_name in DEMO_USERS.items():
        users[username], created = _demo_user(username, display_name, password)
        made["users"] += created
        progress(1)
    for demo in DEMO_GROUPS:
        group, created = _demo_group(demo, users)
        made["groups"] += created
        progress(1)
        for username, role in demo.members.items():
            made["memberships"] += _demo_member(group, users[demo.owner], users[username], role)
            progress(1)
        messages = _demo_messages(group, f"g{group.id}", demo.messages, users, made, progress)
        for position, username, emoji in demo.reactions:
            made["reactions"] += _demo_reaction(messages[position - 1], users[username], emoji)
            progress(1)
    for direct in DEMO_DIRECTS:
        first, second = (users[name] for name in direct.pair)
        group, created = group_services.direct_get_or_create(user=first, other=second)
        made["groups"] += created
        progress(1)
        _demo_messages(group, f"d{group.id}", direct.messages, users, made, progress)
    return made


def _demo_user(username: str, display_name: str, password: str):
    """The demo account of that demo name, made if missing, under the first of `alice`,
    `alice-demo`, `alice-demo-2`, ... that no real account holds."""
    user, free_name = _find_demo_user(username)
    if user is not None:
        return user, False
    return get_user_model().objects.create_user(
        username=free_name,
        email=f"{free_name}@example.com",
        password=password,
        display_name=display_name,
        is_demo=True,
    ), True


def _find_demo_user(username: str):
    """(the demo account of that demo name or None, the first name free for it)."""
    user_model = get_user_model()
    for suffix in ["", "-demo", *(f"-demo-{n}" for n in range(2, 100))]:
        candidate = username + suffix
        user = user_model.objects.filter(username__iexact=candidate).first()
        if user is None:
            return None, candidate
        if user.is_demo:
            return user, candidate
    raise RealUsersPresent


def _demo_group(demo: DemoGroup, users) -> tuple[Group, bool]:
    owner = users[demo.owner]
    group = Group.objects.filter(kind=Group.Kind.GROUP, name=demo.name, created_by=owner).first()
    if group is not None:
        return group, False
    return group_services.group_create(
        creator=owner, name=demo.name, description=demo.description, is_public=demo.is_public
    ), True


def _demo_member(group: Group, owner, user, role: str) -> bool:
    if Membership.objects.filter(group=group, user=user).exists():
        return False
    group_services.membership_add(actor=owner, group=group, user=user, role=role)
    return True


def _demo_messages(group, key, lines, users, made, progress) -> list[Message]:
    messages = []
    for position, (username, body) in enumerate(lines, start=1):
        message, created = message_services.send_message(
            sender=users[username], group_id=group.id, body=body, client_id=f"demo:{key}:{position}"
        )
        messages.append(message)
        made["messages"] += created
        progress(1)
    return messages


def _demo_reaction(message: Message, user, emoji: str) -> bool:
    membership = get_membership(user=user, group_id=message.group_id)
    return message_services.reaction_add(
        actor=user, membership=membership, message=message, emoji=emoji
    )


# --- The bulk loader ------------------------------------------------------------------------


def bench_group(*, name: str = BENCH_GROUP_NAME) -> Group:
    """The public group the bulk loader fills, owned by alice, with every demo user a member
    (the demo users must exist: run `seed_demo` first)."""
    users = {demo_name: _find_demo_user(demo_name)[0] for demo_name in DEMO_USERS}
    owner = users["alice"]
    group = Group.objects.filter(kind=Group.Kind.GROUP, name=name, created_by=owner).first()
    if group is None:
        group = group_services.group_create(creator=owner, name=name, is_public=True)
    for username in DEMO_USERS:
        if username != "alice":
            _demo_member(group, owner, users[username], Role.MEMBER)
    return group


def messages_missing(*, group: Group, total: int) -> int:
    """How many messages `load_messages` would add to reach `total`."""
    group.refresh_from_db(fields=["last_seq"])
    return max(0, total - group.last_seq)


def load_messages(
    *, group: Group, total: int, batch_size: int = BULK_BATCH_SIZE, progress: Progress = _ignore
) -> int:
    """Top the group up to `total` messages from its members, in batches of `batch_size`, one
    transaction each; returns how many messages were added. Their created_at times are spread
    evenly (at most a second apart) from after the group's last message up to now."""
    missing = messages_missing(group=group, total=total)
    if missing == 0:
        return 0
    sender_ids = list(group.memberships.order_by("user_id").values_list("user_id", flat=True))
    clock = _Clock.spreading(group=group, count=missing)
    write = _copy_rows if connection.vendor == "postgresql" else _bulk_create_rows
    added = 0
    while added < missing:
        count = min(batch_size, missing - added)
        with transaction.atomic():
            _load_batch(
                group_id=group.id, count=count, sender_ids=sender_ids, clock=clock, write=write
            )
        added += count
        progress(count)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, so the planner sees the rows
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Message._meta.db_table)}")
    return added


@dataclass(frozen=True)
class _Clock:
    """created_at for each new seq: evenly spaced, after the group's last message, up to now."""

    start: datetime
    step: timedelta
    first_seq: int

    @classmethod
    def spreading(cls, *, group: Group, count: int) -> _Clock:
        last_seq, last_sent_at = (
            Group.objects.filter(pk=group.pk)
            .values_list("last_seq", "last_message__created_at")
            .get()
        )
        now = timezone.now()
        start = now - timedelta(seconds=count)
        if last_sent_at is not None and last_sent_at > start:
            start = min(last_sent_at, now)
        return cls(start=start, step=(now - start) / count, first_seq=last_seq + 1)

    def at(self, seq: int) -> datetime:
        return self.start + self.step * (seq - self.first_seq + 1)


Row = tuple[int, int, int, str, str, datetime, bool]
ROW_FIELDS = ("group_id", "seq", "sender_id", "body", "html", "created_at", "deleted")


def _load_batch(*, group_id: int, count: int, sender_ids: list[int], clock: _Clock, write) -> None:
    """Append `count` messages under the group's row lock, as send_message does."""
    group = Group.objects.select_for_update().get(pk=group_id)
    seqs = range(group.last_seq + 1, group.last_seq + 1 + count)
    write(_rows(group_id=group_id, seqs=seqs, sender_ids=sender_ids, clock=clock))
    last = Message.objects.only("id", "created_at").get(group_id=group_id, seq=seqs[-1])
    Group.objects.filter(pk=group_id).update(
        last_seq=seqs[-1], last_message=last, last_activity_at=last.created_at
    )


def _rows(*, group_id: int, seqs: range, sender_ids: list[int], clock: _Clock) -> Iterator[Row]:
    bodies = _body_pool()
    for seq in seqs:
        body, html = bodies[seq % len(bodies)]
        yield group_id, seq, sender_ids[seq % len(sender_ids)], body, html, clock.at(seq), False


def _copy_rows(rows: Iterator[Row]) -> None:
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(Message._meta.db_table), ", ".join(quote(name) for name in ROW_FIELDS)
    )
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _bulk_create_rows(rows: Iterator[Row]) -> None:
    Message.objects.bulk_create(
        (Message(**dict(zip(ROW_FIELDS, row, strict=True))) for row in rows), batch_size=1000
    )


VOCABULARY = (
    "the a to and of in is it for on with that this we I you they can will should be not "
    "deployment deploy release build test tests staging production database migration index "
    "query search message group channel socket websocket reconnect latency benchmark server "
    "review merge branch commit fix bug issue ticket sprint standup meeting lunch coffee "
    "today tomorrow friday morning afternoon later soon now done ready blocked waiting "
    "looks good great thanks please check update rollback incident alert metrics dashboard "
    "cache redis postgres python django frontend backend api endpoint token login page"
)

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "nu",
    "pe",
    "ra",
    "si",
    "to",
    "vu",
    "ze",
    "bri",
    "dax",
    "fen",
    "gor",
    "hul",
    "jin",
    "kov",
    "lem",
    "mor",
    "nix",
]


@cache
def _body_pool() -> list[tuple[str, str]]:
    """Distinct message bodies with their rendered html: each is rendered once, not per row."""
    rng = random.Random(20_000)
    vocabulary = VOCABULARY.split()
    pool = []
    for _ in range(BODY_POOL_SIZE):
        words = rng.choices(vocabulary, k=rng.randint(3, 24))
        if rng.random() < 0.3:  # the long tail real chats have: names, hosts, jargon
            words.insert(rng.randrange(len(words)), "".join(rng.choices(SYLLABLES, k=3)))
        if rng.random() < 0.1:
            words[0] = f"**{words[0]}**"
        if rng.random() < 0.1:
            words[-1] = f"`{words[-1]}`"
        body = " ".join(words).capitalize()
        pool.append((body, render_markdown(body)))
    return pool
