"""The users admin: lists, searches and adds users, and shows the display name. (Deactivating an
account there closes the user's sockets: accounts/tests/test_services.py, with the other
events that reach the channel layer.)"""

import pytest
from django.urls import reverse

from accounts.models import User

NEW_PASSWORD = "a-brand-new-passphrase-42"


@pytest.mark.django_db
def test_admin_lists_searches_and_adds_users(admin_client, make_user):
    # given
    make_user("gail", display_name="Gail Force")

    # when
    listing = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "Force"})
    added = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "hal",
            "display_name": "Hal",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    # then
    assert listing.status_code == 200
    assert "Gail Force" in listing.content.decode()
    assert added.status_code == 302
    assert User.objects.get(username="hal").display_name == "Hal"


@pytest.mark.django_db
def test_admin_change_page_shows_the_display_name(admin_client, user):
    # when
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    # then
    assert response.status_code == 200
    assert 'name="display_name"' in response.content.decode()
