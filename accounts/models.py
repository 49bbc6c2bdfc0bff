from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

USERNAME_TAKEN = "That username is taken."


class User(AbstractUser):
    """The site's user: Django's own, plus the name shown in conversations."""

    display_name = models.CharField(max_length=100, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Made by seed_demo: demo data touches only these accounts."
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # "Alice" and "alice" are one name: sign-in and mentions must not be ambiguous.
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message=USERNAME_TAKEN,
            )
        ]

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def __str__(self) -> str:
        return self.username
