"""core.api: the strict DRF fields every app's serializers share (wrong types are a 400, never
coerced; ids beyond the database's range are a 400, never an overflow) and the documented
error answers of the OpenAPI document."""

import pytest
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.api import (
    ERROR_DESCRIPTIONS,
    WRITE_ERRORS,
    StrictBooleanField,
    StrictCharField,
    error_responses,
    id_field,
)
from core.ids import MAX_ID


class Form(serializers.Serializer):
    name = StrictCharField(max_length=10, required=False)
    flag = StrictBooleanField(required=False)
    target = id_field(required=False)


def errors_of(data: dict) -> dict:
    form = Form(data=data)
    assert not form.is_valid()
    return form.errors


# --- StrictCharField --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [5, 0, 1.5, True, ["a"], {"a": 1}])
def test_a_strict_char_field_refuses_what_is_not_text(value):
    # when
    errors = errors_of({"name": value})

    # then
    assert [error.code for error in errors["name"]] == ["invalid"]


def test_a_strict_char_field_keeps_the_rules_of_a_char_field():
    # when
    trimmed = Form(data={"name": "  Ops  "})
    too_long = Form(data={"name": "x" * 11})

    # then
    assert trimmed.is_valid(), trimmed.errors
    assert trimmed.validated_data == {"name": "Ops"}
    assert not too_long.is_valid()
    assert [error.code for error in too_long.errors["name"]] == ["max_length"]


# --- StrictBooleanField -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "true", "on", "1", 1, 0, "", None])
def test_a_strict_boolean_field_refuses_what_drf_would_take_as_a_boolean(value):
    # when
    errors = errors_of({"flag": value})

    # then
    assert "flag" in errors


@pytest.mark.parametrize("value", [True, False])
def test_a_strict_boolean_field_takes_json_true_and_false(value):
    # when
    form = Form(data={"flag": value})

    # then
    assert form.is_valid(), form.errors
    assert form.validated_data == {"flag": value}


# --- id_field ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, MAX_ID])
def test_an_id_field_takes_the_ids_the_database_holds(value):
    # when
    form = Form(data={"target": value})

    # then
    assert form.is_valid(), form.errors
    assert form.validated_data == {"target": value}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (MAX_ID + 1, "max_value"),
        (10**30, "max_value"),
        (0, "min_value"),
        (-1, "min_value"),
        ("abc", "invalid"),
        (1.5, "invalid"),
    ],
)
def test_an_id_field_refuses_what_is_no_id_with_a_field_error(value, code):
    # when
    errors = errors_of({"target": value})

    # then
    assert [error.code for error in errors["target"]] == [code]


def test_an_id_field_takes_a_lower_bound_of_its_own():
    # given
    field = id_field(min_value=0)

    # when / then
    assert field.run_validation(0) == 0
    assert field.max_value == MAX_ID


# --- error_responses --------------------------------------------------------------------------


def test_error_responses_describe_each_code_asked_for_and_no_other():
    # when
    responses = error_responses(401, 404)

    # then
    assert list(responses) == [401, 404]
    assert all(isinstance(response, OpenApiResponse) for response in responses.values())
    assert responses[404].description == ERROR_DESCRIPTIONS[404]
    assert "the same body either way" in responses[404].description


def test_every_write_error_has_a_description():
    # when
    responses = error_responses(*WRITE_ERRORS)

    # then
    assert list(responses) == [400, 401, 403, 404, 429]
    assert all(response.description for response in responses.values())


def test_error_responses_refuse_a_code_they_do_not_describe():
    with pytest.raises(KeyError):
        error_responses(418)
