"""accounts.payloads: a user as every payload carries it, from the model or from its columns,
and nothing more (no e-mail, no flags)."""

import pytest

from accounts.payloads import user_fields, user_payload


@pytest.mark.django_db
def test_a_user_is_carried_as_id_username_and_display_name_only(make_user):
    # given
    user = make_user("carol", display_name="Carol C.", email="carol@example.com", is_staff=True)

    # when
    payload = user_payload(user)

    # then
    assert payload == {"id": user.id, "username": "carol", "display_name": "Carol C."}


@pytest.mark.django_db
def test_the_payload_of_the_columns_is_the_payload_of_the_model(make_user):
    # given
    user = make_user("dan", display_name="")

    # when
    from_columns = user_fields(user.id, user.username, user.display_name)

    # then: an empty display name stays empty (the clients show the username)
    assert from_columns == user_payload(user)
    assert from_columns["display_name"] == ""
