"""Forms of the message pages. They check input shapes; the rules live in messaging.services."""

from uuid import uuid4

from django import forms

from core.ids import MAX_ID

from .models import BODY_MAX_LENGTH


class MessageForm(forms.Form):
    """The composer. `client_id` is fresh on every rendering of the page, so a form sent twice
    (a double click, a reload that posts again) stores one message."""

    body = forms.CharField(
        label="Message",
        required=False,
        strip=False,
        help_text="Markdown: **bold**, _italic_, `code`, > quote, [link](https://…)",
        widget=forms.Textarea(
            attrs={"rows": 2, "maxlength": BODY_MAX_LENGTH, "placeholder": "Write a message"}
        ),
    )
    client_id = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def fresh(cls) -> "MessageForm":
        return cls(initial={"client_id": uuid4().hex})


class HistoryForm(forms.Form):
    """Which page of the conversation: the newest (no cursor), before or after a message id."""

    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    after = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID)


class PublicGroupsForm(forms.Form):
    """The public groups page's search: a part of a name (the page's `after` is HistoryForm's)."""

    q = forms.CharField(
        label="Find public groups",
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search messages",
        required=False,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    group = forms.TypedChoiceField(label="In", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, groups: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.TypedChoiceField)
        group_field.choices = [("", "All my conversations")] + [
            (group["id"], group["title"]) for group in groups
        ]
