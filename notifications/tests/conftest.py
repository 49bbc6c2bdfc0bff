import pytest

from tests.servers import SmtpListener


@pytest.fixture
def smtp(settings):
    """A real SMTP server the site mails through (its `messages`, parsed)."""
    with SmtpListener() as listener:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.SITE_URL = "https://chat.example.com"
        yield listener
