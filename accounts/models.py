from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The site's user: Django's own, plus the name shown in conversations."""

    display_name = models.CharField(max_length=100, blank=True)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def __str__(self) -> str:
        return self.username
