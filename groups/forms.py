"""Forms of the group pages. They check input shapes; the rules live in groups.services."""

from django import forms

from core.ids import MAX_ID

from .models import Group, Membership

ROLE_CHOICES = Membership.Role.choices


class GroupForm(forms.Form):
    name = forms.CharField(
        max_length=Group._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        required=False,
        max_length=Group._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_public = forms.BooleanField(
        required=False,
        label="Public",
        help_text="Anyone signed in can find, read and join a public group.",
    )


class GroupSettingsForm(GroupForm):
    """The settings page's form; `mention_all_by` only for owners (the view drops it for
    others)."""

    mention_all_by = forms.TypedChoiceField(
        choices=Group.MentionAllBy.choices,
        required=False,
        empty_value=None,  # not sent: unchanged
        label="Who may notify everyone with @all",
        help_text="From anyone else, <code>@all</code> stays plain text.",
    )

    def __init__(self, *args, is_owner: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not is_owner:
            del self.fields["mention_all_by"]


class UserChoiceForm(forms.Form):
    """A user picked from a search result."""

    user_id = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class MemberAddForm(UserChoiceForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label="Find people",
        max_length=150,
        required=False,
        widget=forms.SearchInput(attrs={"autocomplete": "off", "placeholder": "Name or username"}),
    )
