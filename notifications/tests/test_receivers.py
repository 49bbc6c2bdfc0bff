"""Who a stored message notifies (notifications.receivers, on messaging's signals): names,
direct messages, `@all` through a job, edits and deletes."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from groups import services as group_services
from groups.models import Membership
from messaging import services as messaging_services
from notifications.models import Notification
from notifications.tasks import notify_everyone

pytestmark = pytest.mark.django_db

EVERYONE = "notifications.tasks.notify_everyone"


def _notified(message) -> dict[int, str]:
    return dict(Notification.objects.filter(message=message).values_list("user_id", "kind"))


def _jobs() -> list[list]:
    return [job.args_kwargs["args"] for job in DBTaskResult.objects.filter(task_path=EVERYONE)]


def _run_everyone_jobs() -> None:
    for args in _jobs():
        notify_everyone.call(*args)


def test_a_member_named_is_notified_but_not_the_sender_nor_a_non_member(make_cast, make_message):
    # given
    cast = make_cast()
    body = f"@{cast.owner.username} @{cast.member.username} @{cast.outsider.username}"

    # when
    message = make_message(group=cast.group, sender=cast.member, body=body)

    # then
    assert _notified(message) == {cast.owner.id: "mention"}
    assert _jobs() == []


def test_a_plain_message_notifies_nobody(make_cast, make_message):
    # given
    cast = make_cast()

    # when
    message = make_message(group=cast.group, sender=cast.member, body="no names here")

    # then
    assert _notified(message) == {}


def test_a_direct_message_notifies_the_other_person(make_user, make_message):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = group_services.direct_get_or_create(user=alice, other=bob)
    notes, _ = group_services.direct_get_or_create(user=alice, other=alice)

    # when
    to_bob = make_message(group=direct, sender=alice, body="hi")
    to_self = make_message(group=notes, sender=alice, body="note to self")

    # then
    assert _notified(to_bob) == {bob.id: "direct"}
    assert _notified(to_self) == {}


def test_at_all_notifies_every_member_but_the_sender_and_the_muted_through_a_job(
    make_cast, make_message
):
    # given: the admin muted the group; the owner is also named
    cast = make_cast()
    Membership.objects.filter(user=cast.admin, group=cast.group).update(muted=True)

    # when
    message = make_message(
        group=cast.group, sender=cast.member, body=f"@all and @{cast.owner.username}"
    )
    before_the_job = _notified(message)
    _run_everyone_jobs()
    _run_everyone_jobs()  # a retry notifies nobody twice

    # then
    assert before_the_job == {cast.owner.id: "mention"}
    assert _jobs() == [[message.id]]
    assert _notified(message) == {cast.owner.id: "mention", cast.sender.id: "mention"}


def test_a_rolled_back_send_leaves_no_notification_and_no_job(make_cast):
    # given
    cast = make_cast()

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        messaging_services.send_message(
            sender=cast.member, group_id=cast.group.id, body=f"@all @{cast.owner.username}"
        )
        raise RuntimeError("rolled back")

    # then
    assert Notification.objects.count() == 0
    assert _jobs() == []


def _edit(cast, message, body: str) -> None:
    messaging_services.message_edit(
        actor=cast.member,
        membership=Membership.objects.get(user=cast.member, group=cast.group),
        message=message,
        body=body,
    )


def test_an_edit_notifies_the_names_it_adds_and_withdraws_the_unread_it_removes(
    make_cast, make_message
):
    # given: the owner and the admin are named; the admin read theirs
    cast = make_cast()
    message = make_message(
        group=cast.group,
        sender=cast.member,
        body=f"@{cast.owner.username} @{cast.admin.username}",
    )
    Notification.objects.filter(user=cast.admin).update(read=True)

    # when: the edit names the sender instead
    _edit(cast, message, f"@{cast.sender.username}")

    # then
    assert _notified(message) == {cast.admin.id: "mention", cast.sender.id: "mention"}


def test_an_edit_that_adds_at_all_enqueues_the_job_once(make_cast, make_message):
    # given
    cast = make_cast()
    message = make_message(group=cast.group, sender=cast.member, body="soon")

    # when
    _edit(cast, message, "soon, @all")
    _edit(cast, message, "soon, @all!")

    # then
    assert _jobs() == [[message.id]]


def test_a_deleted_message_withdraws_its_unread_notifications(make_user, make_message):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = group_services.direct_get_or_create(user=alice, other=bob)
    message = make_message(group=direct, sender=alice, body="oops")

    # when
    messaging_services.message_delete(
        actor=alice,
        membership=Membership.objects.get(user=alice, group=direct),
        message=message,
    )
    _run_everyone_jobs()

    # then
    assert _notified(message) == {}


def test_the_job_of_a_message_deleted_before_it_ran_notifies_nobody(make_cast, make_message):
    # given
    cast = make_cast()
    message = make_message(group=cast.group, sender=cast.member, body="@all")
    messaging_services.message_delete(
        actor=cast.member,
        membership=Membership.objects.get(user=cast.member, group=cast.group),
        message=message,
    )

    # when
    _run_everyone_jobs()

    # then
    assert _notified(message) == {}
