"""core.ids: what an id the database can hold is, at its bounds and for values that only look
like one."""

import pytest
from django.db import connection

from core.ids import MAX_ID, is_valid_id


def test_max_id_is_the_largest_value_of_a_bigautofield():
    # when
    _, high = connection.ops.integer_field_range("BigAutoField")

    # then
    assert MAX_ID == high == 2**63 - 1


@pytest.mark.parametrize("value", [1, 2, 10**6, MAX_ID])
def test_positive_integers_up_to_max_id_are_ids(value):
    assert is_valid_id(value) is True


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(MAX_ID + 1, id="max-plus-one"),
        pytest.param(10**30, id="overflowing"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param("1", id="text"),
        pytest.param(1.0, id="float"),
        pytest.param(None, id="none"),
        pytest.param([1], id="list"),
    ],
)
def test_anything_else_is_not_an_id(value):
    assert is_valid_id(value) is False
