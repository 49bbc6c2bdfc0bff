"""What every app shares and nothing of theirs: the event contract (`core.events`), id bounds
(`core.ids`) and the REST error shapes (`core.api`). The bottom floor: it imports no app of the
project."""
