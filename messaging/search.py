"""Message search: messages of the caller's groups, newest first, deleted ones left out.

On PostgreSQL a message matches when either
- its words match the query as full text (words in any order; websearch syntax: "a phrase",
  `or`, `-word`), on the GIN index over `to_tsvector('simple', body)`; or
- it contains the query as a case-insensitive substring ("deplo" finds "deployment"), on the
  pg_trgm GIN index over `UPPER(body)`, which serves Django's `icontains` (and the admin's search).
Both indexes come from migration 0002_search_indexes; the expressions below must stay identical
to theirs, or PostgreSQL scans the table instead.

The 'simple' configuration lowercases words and nothing else: messages are written in any
language, and an English stemmer would mangle other languages' words and drop English stop words
("who", "it") that matter in short chat queries. Partial words are the substring's job.

Newest first in two steps. Asked for "matches ORDER BY id DESC LIMIT 50" at once, PostgreSQL
walks the primary key backwards and tests every row, hoping to meet 50 matches early: instant for
a common word, a scan of the whole table for a rare one. So the first step collects the ids of
at most MATCH_PROBE_CAP matches in no order, which lets the GIN indexes answer; under the cap
those are all the matches, and the newest are fetched by id. At the cap the words are common in
the caller's groups, and the walk from the newest message meets enough of them soon.

Elsewhere (SQLite) a message matches when it contains the query as a case-insensitive substring.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet

from groups.models import Membership

from .models import Message

SEARCH_CONFIG = "simple"
SEARCH_MAX_LIMIT = 100
QUERY_MAX_LENGTH = 200
# pg_trgm cannot narrow a pattern shorter than one trigram: below this, full text only.
SUBSTRING_MIN_LENGTH = 3
MATCH_PROBE_CAP = 1_000

QUERY_TOO_LONG = f"A search has at most {QUERY_MAX_LENGTH} characters."
QUERY_INVALID = "A search cannot contain null characters."


def search_messages(*, user, q: str, group_id: int | None = None, limit: int = 50) -> list[Message]:
    """The newest `limit` (at most 100) matching messages in groups the user is a member of,
    optionally in one of them; senders are loaded. An empty query finds nothing."""
    q = q.strip()
    if len(q) > QUERY_MAX_LENGTH:
        raise ValidationError({"q": QUERY_TOO_LONG})
    if "\x00" in q:
        raise ValidationError({"q": QUERY_INVALID})
    limit = min(limit, SEARCH_MAX_LIMIT)
    if not q or limit < 1:
        return []
    memberships = Membership.objects.filter(user=user)
    if group_id is not None:
        memberships = memberships.filter(group_id=group_id)
    # The ids themselves, not a subquery: with them PostgreSQL can tell a search in small groups
    # from one in a million-message group, and picks the index that fits.
    group_ids = list(memberships.values_list("group_id", flat=True))
    if not group_ids:
        return []
    messages = Message.objects.filter(group_id__in=group_ids, deleted=False)
    if connection.vendor != "postgresql":
        return _newest(messages.filter(body__icontains=q), limit)
    matching = _matching_postgresql(messages, q)
    probe = list(matching.values_list("id", flat=True)[:MATCH_PROBE_CAP])
    if len(probe) == MATCH_PROBE_CAP:
        return _newest(matching, limit)
    return _newest(Message.objects.filter(id__in=sorted(probe)[-limit:]), limit)


def _matching_postgresql(messages: QuerySet[Message], q: str) -> QuerySet[Message]:
    matches = Q(document=SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch"))
    if len(q) >= SUBSTRING_MIN_LENGTH:
        matches |= Q(body__icontains=q)
    return messages.alias(document=SearchVector("body", config=SEARCH_CONFIG)).filter(matches)


def _newest(messages: QuerySet[Message], limit: int) -> list[Message]:
    return list(messages.select_related("sender").order_by("-id")[:limit])
