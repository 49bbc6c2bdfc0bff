"""The notification settings page's form (the rules are the model's, checked by the service)."""

from django import forms

from .models import EMAIL_DELAY_MAX_MINUTES, Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["email", "email_delay_minutes", "push", "dnd_until"]
        labels = {
            "email": "E-mail me",
            "email_delay_minutes": "After (minutes unread)",
            "push": "Push notifications to this browser's devices",
            "dnd_until": "Do not disturb until",
        }
        help_texts = {
            "email_delay_minutes": f"0 to {EMAIL_DELAY_MAX_MINUTES}: nothing is mailed that "
            "you read in that time.",
            "dnd_until": "Nothing is mailed or pushed before then; what is still unread goes "
            "out afterwards.",
        }
        widgets = {
            "email": forms.RadioSelect,
            "dnd_until": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }
