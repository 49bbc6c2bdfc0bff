"""The database side of bench.seed: run only as `python -m bench.seeder` in the site's
environment, never imported by the harness (it sets Django up on import)."""

import json
import sqlite3
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, cast

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench.seed import Plan, Seeded  # noqa: E402
from groups.models import Group, Membership  # noqa: E402

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper

RUN_GROUP_PREFIX = "bench-run"
USERNAME = "bench{:05d}"


def ensure_users(count: int) -> tuple[list[int], list[str]]:
    """Users bench00000... with an unusable password and an API token, created when missing."""
    user_model = get_user_model()
    names = [USERNAME.format(index) for index in range(count)]
    unusable = make_password(None)
    user_model.objects.bulk_create(
        [user_model(username=name, display_name=name.title(), password=unusable) for name in names],
        ignore_conflicts=True,
        batch_size=1000,
    )
    ids = dict(user_model.objects.filter(username__in=names).values_list("username", "id"))
    user_ids = [ids[name] for name in names]
    Token.objects.bulk_create(
        [Token(user_id=user_id, key=Token.generate_key()) for user_id in user_ids],
        ignore_conflicts=True,
        batch_size=1000,
    )
    keys = dict(Token.objects.filter(user_id__in=user_ids).values_list("user_id", "key"))
    return user_ids, [keys[user_id] for user_id in user_ids]


def create_group(name: str, member_ids: list[int]) -> int:
    """A private group whose first member is its owner (no events: nobody is connected yet)."""
    group = Group.objects.create(name=name, created_by_id=member_ids[0])
    Membership.objects.bulk_create(
        [
            Membership(
                group=group,
                user_id=user_id,
                role=Membership.Role.OWNER if index == 0 else Membership.Role.MEMBER,
            )
            for index, user_id in enumerate(member_ids)
        ],
        batch_size=1000,
    )
    return group.id


def describe_backends() -> tuple[str, str]:
    if connection.vendor == "postgresql":
        version = cast("PostgreSQLWrapper", connection).pg_version
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        database = f"SQLite {sqlite3.sqlite_version}"
    # str(): mypy infers the setting from both of its branches, as a Collection[str]
    return database, str(settings.CHANNEL_LAYERS["default"]["BACKEND"])


@transaction.atomic
def run_plan(plan: Plan) -> Seeded:
    Group.objects.filter(name__startswith=RUN_GROUP_PREFIX).delete()
    user_ids, tokens = ensure_users(plan.users)
    prefix = f"{RUN_GROUP_PREFIX} {plan.run_id}"
    home_groups = [
        create_group(f"{prefix} home {start // plan.group_size}", user_ids[start:stop])
        for start in range(0, plan.users, plan.group_size)
        if (stop := start + plan.group_size) <= plan.users
    ]
    large_group = (
        create_group(f"{prefix} large", user_ids[: plan.large_group]) if plan.large_group else None
    )
    database, channel_layer = describe_backends()
    return Seeded(user_ids, tokens, home_groups, large_group, database, channel_layer)


if __name__ == "__main__":
    json.dump(asdict(run_plan(Plan(**json.load(sys.stdin)))), sys.stdout)
