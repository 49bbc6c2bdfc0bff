"""Account reads."""

from django.db.models import Q, QuerySet

from accounts.models import User

USER_SEARCH_LIMIT = 20


def user_search(*, text: str, limit: int = USER_SEARCH_LIMIT) -> QuerySet[User]:
    """Active users whose username or display name starts with the text, ignoring case."""
    text = text.strip()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(username__istartswith=text) | Q(display_name__istartswith=text))
        .order_by("username")[:limit]
    )
