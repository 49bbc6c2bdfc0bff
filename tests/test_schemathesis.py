"""Property-based tests of the REST API from its own OpenAPI document.

schemathesis reads /api/schema/ from the app, in process through WSGI (no live server), and
sends generated requests, positive and negative, to every operation: signed in by token as the
owner of a group with messages, its ids in the paths. Every answer must be free of server errors
and match the schema. Bounded and derandomized, so a run is quick and repeatable.
"""

import json
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from groups.models import Membership
from messaging import services

EXAMPLES_PER_OPERATION = 12


def test_openapi_document_is_valid_and_complete(tmp_path):
    """drf-spectacular's own validation: a warning (say, an undocumented body) fails it."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "api.yml")


def _openapi_document() -> dict:
    """The document /api/schema/ serves (test_schema_endpoint_serves_this_document), made
    without a request: the schema is read when tests are collected, before any database exists
    to sign in with."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def test_schema_endpoint_serves_this_document(make_user, make_api_client):
    response = make_api_client(make_user()).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json() == _openapi_document()


def test_docs_page_works_offline(make_user, make_api_client):
    """Swagger UI's assets come from drf-spectacular-sidecar, served by the site itself."""
    response = make_api_client(make_user()).get("/api/docs/")

    assert response.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"//cdn" not in response.content


@pytest.fixture
def world(make_cast, make_message):
    """What the caller acts on, made anew for each operation: they own a public group with a
    message of theirs, which has a reaction, and `sender`, a member whom the paths name."""
    cast = make_cast(is_public=True)
    message = make_message(group=cast.group, sender=cast.owner, body="**hello**")
    services.reaction_add(
        actor=cast.owner,
        membership=Membership.objects.get(group=cast.group, user=cast.owner),
        message=message,
        emoji="👍",
    )
    return SimpleNamespace(
        token=Token.objects.create(user=cast.owner).key,
        path_ids={"group_id": cast.group.id, "message_id": message.id, "user_id": cast.sender.id},
    )


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, with the database connection left open around requests
    (as Django's test client leaves it), so that they run inside the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield application
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(_openapi_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_free_of_server_errors_and_matches_the_schema(
    case, world, wsgi_app, request
):
    # given: the ids of a world the caller can act in
    if case.path_parameters:
        case.path_parameters = {
            name: world.path_ids.get(name, value) for name, value in case.path_parameters.items()
        }

    # when / then
    case.call_and_validate(
        app=wsgi_app,
        headers={"Authorization": f"Token {world.token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
