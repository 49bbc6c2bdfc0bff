"""Forms of the account pages. They check input shapes; the rules live in accounts.services."""

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from accounts.models import User

PASSWORDS_DIFFER = "The two passwords differ."


class SignupForm(forms.Form):
    username = forms.CharField(
        max_length=User._meta.get_field("username").max_length,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text="The name others see. Optional.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        required=False,
        help_text="Only used to reset a forgotten password. Optional.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        strip=False,
        help_text=password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        password, password2 = cleaned_data.get("password"), cleaned_data.get("password2")
        if password and password2 and password != password2:
            self.add_error("password2", PASSWORDS_DIFFER)
        return cleaned_data

    def registration_data(self) -> dict[str, str]:
        """The cleaned fields, as accounts.services.user_register takes them."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "password2"}


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text="The name others see. Your username is shown when this is empty.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        required=False,
        help_text="Only used to reset a forgotten password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
