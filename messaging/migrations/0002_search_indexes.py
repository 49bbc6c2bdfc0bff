"""The PostgreSQL indexes behind messaging.search: full text over the body, and trigrams over the
upper-cased body for substring search (which Django's `icontains` compiles to
`UPPER(body) LIKE UPPER(...)`). They are not model indexes, since SQLite cannot build them: on
other databases this migration does nothing. Keep the expressions identical to messaging.search.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models.functions import Upper

SEARCH_INDEXES = [
    GinIndex(SearchVector("body", config="simple"), name="message_body_fts_idx"),
    GinIndex(OpClass(Upper("body"), name="gin_trgm_ops"), name="message_body_trgm_idx"),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    message = apps.get_model("messaging", "Message")
    for index in SEARCH_INDEXES:
        schema_editor.add_index(message, index)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    message = apps.get_model("messaging", "Message")
    for index in SEARCH_INDEXES:
        schema_editor.remove_index(message, index)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [
        TrigramExtension(),  # a no-op on databases other than PostgreSQL
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
