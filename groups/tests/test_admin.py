"""The groups admin: lists, filters, searches, and shows a group with its members inline."""

import pytest
from django.urls import reverse

from groups.models import Group
from groups.services import direct_get_or_create

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:groups_group_changelist")


def test_the_group_list_answers_a_superuser(admin_client, make_group):
    # given
    make_group(name="Platform")
    make_group(name="Design", is_public=True)

    # when
    response = admin_client.get(CHANGELIST)

    # then
    assert response.status_code == 200
    assert {g.name for g in response.context["cl"].result_list} == {"Platform", "Design"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"is_public__exact": "1"}, {"Design"}),
        ({"kind__exact": "direct"}, {"a, b"}),
        ({"q": "plat"}, {"Platform"}),
    ],
)
def test_the_group_list_filters_by_kind_and_visibility_and_searches_names(
    admin_client, make_user, make_group, query, expected
):
    # given
    make_group(name="Platform")
    make_group(name="Design", is_public=True)
    direct_get_or_create(user=make_user("a"), other=make_user("b"))

    # when
    response = admin_client.get(CHANGELIST, query)

    # then
    assert response.status_code == 200
    assert {g.name for g in response.context["cl"].result_list} == expected


def test_the_group_page_shows_its_members_inline(admin_client, make_user, make_group):
    # given
    owner, member = make_user("olivia"), make_user("mark")
    group = make_group(owner=owner, members=[member])

    # when
    response = admin_client.get(reverse("admin:groups_group_change", args=[group.id]))

    # then
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0].formset
    assert {(form.instance.user.username, form.instance.role) for form in inline} == {
        ("olivia", "owner"),
        ("mark", "member"),
    }


def test_the_new_group_page_answers_a_superuser(admin_client):
    # when
    response = admin_client.get(reverse("admin:groups_group_add"))

    # then
    assert response.status_code == 200


def test_the_group_list_counts_members(admin_client, make_user, make_group):
    # given
    make_group(name="Trio", members=[make_user(), make_user()])

    # when
    response = admin_client.get(CHANGELIST)

    # then
    [group] = response.context["cl"].result_list
    assert isinstance(group, Group)
    assert group.member_count == 3
