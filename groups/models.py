from django.conf import settings
from django.db import models


class Group(models.Model):
    """A conversation with members: a named group (public or private) or a direct one."""

    class Kind(models.TextChoices):
        GROUP = "group", "Group"
        DIRECT = "direct", "Direct"

    class MentionAllBy(models.TextChoices):
        MEMBERS = "members", "Every member"
        ADMINS = "admins", "Owners and admins"

    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GROUP)
    is_public = models.BooleanField(default=False)
    # Who may notify everyone with `@all` (an owner's choice); from others it stays text.
    mention_all_by = models.CharField(
        max_length=10, choices=MentionAllBy.choices, default=MentionAllBy.MEMBERS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Denormalized by messaging.services.send_message, under the group's row lock:
    # the sequence counter, and what the group list shows without a subquery.
    last_seq = models.PositiveBigIntegerField(default=0)
    last_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # "<smaller user id>:<larger user id>" for direct conversations: one group per pair.
    direct_key = models.CharField(max_length=50, null=True, blank=True, unique=True, editable=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="chat_groups"
    )

    class Meta:
        indexes = [models.Index(fields=["is_public", "kind"], name="group_public_idx")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Read marker: every message with an id up to this one is read.
    last_read_id = models.PositiveBigIntegerField(default=0)
    # Muted: `@all` notifies this member no more (a mention by name still does).
    muted = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="membership_unique_user_group")
        ]
        indexes = [models.Index(fields=["group", "role"], name="membership_group_role_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role})"
