"""What messaging tells the floors above it (the notifications), inside the write's
transaction, so that they act in it without messaging importing them. Receivers must not
fail the write for their own reasons: they run where the send or edit runs."""

from django.dispatch import Signal

# A message was stored, edited or deleted, and it may concern someone: it names members or
# `@all`, did so before the edit, or was sent in a direct conversation. Arguments:
# `message`; `created` (a send, not an edit or delete); `group_kind` (known at a send, else
# None); `mentioned_before` and `all_before` (what an edit or delete changed).
message_stored = Signal()

# A member's read marker moved: `user_id`, `group_id`, `up_to` (a message id).
read_up_to = Signal()
