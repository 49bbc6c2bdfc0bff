"""manage.py seed_demo: demo data, and optionally a long message history for the benchmarks."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from messaging import seeding
from messaging.management.progress import ProgressBar

REAL_USERS = (
    "This site has real accounts: demo data would sit beside them. "
    "Run with --with-real-users if that is what you want (demo data never touches them)."
)


class Command(BaseCommand):
    help = (
        "Create the demo data that is missing: users "
        f"({', '.join(seeding.DEMO_USERS)}; one shared password, printed), public and private "
        "groups, direct conversations, messages and reactions. Running it again changes nothing. "
        "With --messages N, also fill one public group (--group-name) until it holds N messages "
        "from the demo users: COPY on PostgreSQL (about a minute for a million messages), "
        "bulk inserts elsewhere; seq stays gapless and the group's last message up to date. "
        "Example: manage.py seed_demo --messages 1000000 --group-name bench-history. "
        "Progress goes to stderr; --no-progress hides it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=seeding.DEMO_PASSWORD,
            help="password of demo users created now (existing users keep theirs); "
            "default: %(default)s",
        )
        parser.add_argument(
            "--messages",
            type=int,
            default=0,
            metavar="N",
            help="fill the bulk group until it holds N messages (adds only what is missing)",
        )
        parser.add_argument(
            "--group-name",
            default=seeding.BENCH_GROUP_NAME,
            help="name of the public group that --messages fills; default: %(default)s",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=seeding.BULK_BATCH_SIZE,
            metavar="ROWS",
            help="messages per transaction in the bulk load; default: %(default)s",
        )
        parser.add_argument(
            "--with-real-users",
            action="store_true",
            help="run on a site that has real accounts too (demo data never touches them; a "
            "demo name a real account holds becomes <name>-demo)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress display")

    def handle(
        self,
        *args,
        password,
        messages,
        group_name,
        batch_size,
        with_real_users,
        no_progress,
        **options,
    ):
        if messages < 0 or batch_size < 1:
            raise CommandError("--messages must be 0 or more and --batch-size 1 or more.")
        progress = self._progress("demo data", seeding.demo_step_count(), no_progress)
        try:
            made = seeding.seed_demo(
                password=password, progress=progress, with_real_users=with_real_users
            )
        except seeding.RealUsersPresent:
            raise CommandError(REAL_USERS) from None
        progress.finish()
        created = ", ".join(f"{count} {name}" for name, count in made.items() if count)
        self.stdout.write(f"Demo data: {created or 'already there, nothing to add'}.")
        self.stdout.write(
            f"Demo users: {', '.join(seeding.DEMO_USERS)}; password for new ones: {password}"
        )
        if messages:
            self._load(
                messages=messages, group_name=group_name, batch_size=batch_size, quiet=no_progress
            )

    def _load(self, *, messages: int, group_name: str, batch_size: int, quiet: bool) -> None:
        try:
            group = seeding.bench_group(name=group_name)
        except ValidationError as error:
            raise CommandError(f"--group-name: {' '.join(error.messages)}") from None
        missing = seeding.messages_missing(group=group, total=messages)
        progress = self._progress(group_name, missing, quiet)
        added = seeding.load_messages(
            group=group, total=messages, batch_size=batch_size, progress=progress
        )
        seconds = progress.finish()
        rate = f" ({added / seconds:,.0f} messages/s)" if added else ""
        group.refresh_from_db(fields=["last_seq"])
        self.stdout.write(
            f"Group {group_name!r} (id {group.id}, {connection.vendor}): {added:,} messages "
            f"added in {seconds:.1f} s{rate}; it holds {group.last_seq:,}."
        )

    def _progress(self, label: str, total: int, quiet: bool) -> ProgressBar:
        return ProgressBar(self.stderr, label=label, total=total, enabled=not quiet)
