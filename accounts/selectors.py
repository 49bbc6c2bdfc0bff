"""Account reads."""

from django.db.models import Q, QuerySet

from accounts.models import User
from groups.models import Membership

USER_SEARCH_LIMIT = 20


def user_search(*, text: str, limit: int = USER_SEARCH_LIMIT) -> QuerySet[User]:
    """Active users whose username or display name starts with the text, ignoring case."""
    text = text.strip()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(username__istartswith=text) | Q(display_name__istartswith=text))
        .order_by("username")[:limit]
    )


def home_memberships(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with their groups, the group with the latest activity first."""
    return (
        Membership.objects.filter(user=user)
        .select_related("group")
        .order_by("-group__last_activity_at", "-group_id")
    )
