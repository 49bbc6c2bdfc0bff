"""The only settings module. Everything that differs between a laptop and production comes
from environment variables, documented in README.md and .env.example.

Embedded defaults (nothing set): debug on, SQLite file in the project folder, in-memory
channel layer, local-memory cache. Production: DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DATABASE_URL,
REDIS_URL, DJANGO_ALLOWED_HOSTS.
"""

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DJANGO_DEBUG", True)


def _development_secret_key() -> str:
    """A key generated once per checkout and kept in a git-ignored file."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "accounts",
    "groups",
    "attachments",
    "messaging",
    "notifications",
    "chat",
]

# `Server-Timing` tells anyone how long each request took: for debugging and the benchmarks
# (which set DJANGO_SERVER_TIMING=1), not for a production site's visitors.
SERVER_TIMING = env_bool("DJANGO_SERVER_TIMING", DEBUG)

# Every middleware here is sync and async capable (config/middleware.py says why).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
]
if SERVER_TIMING:  # outermost, so it covers every other middleware
    MIDDLEWARE.insert(0, "config.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
    DB_POOL_MAX = env_int("DJANGO_DB_POOL_MAX", 20)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX > 0:
        # Under ASGI every request runs in a thread of its own: a pool per process (psycopg_pool)
        # bounds the connections and reuses them, where persistent per-thread connections would
        # pile up past PostgreSQL's max_connections under load.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "pool": {
                "min_size": env_int("DJANGO_DB_POOL_MIN", 2),
                "max_size": DB_POOL_MAX,
                # Seconds a request waits for a connection: then 503 with Retry-After (the
                # contract: a database that does not answer is said so within 2 s).
                "timeout": env_int("DJANGO_DB_POOL_TIMEOUT", 2),
            },
            "connect_timeout": env_int("DJANGO_DB_CONNECT_TIMEOUT", 2),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": {
                # Writers queue instead of failing with "database is locked".
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs (jobs/, `python manage.py worker`) ----------------------------------------
# Jobs live in the site's own database (django-tasks-db): nothing more to run than the workers.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOBS_WORKER_LOST_AFTER = env_int("JOBS_WORKER_LOST_AFTER", 30)  # s without a heartbeat: gone
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 5)  # runs of one job, retries included

AUTH_USER_MODEL = "accounts.User"

# --- Redis: channel layer and cache -----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Each server process owns one channel of the layer and subscribes it to the groups its
    # sockets need (chat/hub.py); for that shape pub/sub costs less CPU per delivery than the
    # core layer (docs/performance.md). Redis pub/sub channels are shared by every database
    # of a server, so the prefix names the database: two sites on one Redis never hear each
    # other.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 100),
                    }
                ],
                "prefix": os.environ.get(
                    "CHANNEL_LAYER_PREFIX", f"chat{urlparse(REDIS_URL).path.strip('/') or 0}"
                ),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CHANNEL_LAYER_PREFIX", "chat"),
        }
    }
else:
    # One process: the hub's channel takes every event of the process, so it holds many.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 100_000, "group_expiry": 10 * 365 * 86400},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"


# The site's mail: EMAIL_URL is smtp://user:password@host:port (plain), smtp+tls:// (STARTTLS),
# smtp+ssl:// (TLS from the start), console: (printed: the default), or file:///folder (one
# file per e-mail). The older DJANGO_EMAIL_HOST and friends still work when it is unset.
def _email_settings(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parsed.path,
        }
    if parsed.scheme not in ("smtp", "smtp+tls", "smtp+ssl"):
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {parsed.scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[parsed.scheme],
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parsed.scheme == "smtp+ssl",
        "EMAIL_TIMEOUT": 10,
    }


EMAIL_URL = os.environ.get("EMAIL_URL", "")
if not EMAIL_URL and os.environ.get("DJANGO_EMAIL_HOST"):
    EMAIL_URL = "{}://{}:{}@{}:{}".format(
        "smtp+tls" if env_bool("DJANGO_EMAIL_TLS", True) else "smtp",
        quote(os.environ.get("DJANGO_EMAIL_USER", ""), safe=""),
        quote(os.environ.get("DJANGO_EMAIL_PASSWORD", ""), safe=""),
        os.environ["DJANGO_EMAIL_HOST"],
        env_int("DJANGO_EMAIL_PORT", 587),
    )
globals().update(_email_settings(EMAIL_URL or "console:"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "chat@localhost")


# Web Push (RFC 8030/8291/8292): the VAPID key pair's private half, base64url of its 32 bytes
# (`manage.py vapid_keys` makes a pair). In debug one is made once and kept in the git-ignored
# file .vapid_key; without one in production nothing is pushed. PUSH_INSECURE_HOSTS: push
# services on these hosts may be plain http:// (for tests).
def _development_vapid_key() -> str:
    path = BASE_DIR / ".vapid_key"
    if not path.exists():
        from py_vapid import Vapid02, b64urlencode

        vapid = Vapid02()
        vapid.generate_keys()
        raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        path.write_text(b64urlencode(raw))
        path.chmod(0o600)
    return path.read_text().strip()


VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "") or (
    _development_vapid_key() if DEBUG else ""
)
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:admin@localhost")
PUSH_INSECURE_HOSTS = env_list("PUSH_INSECURE_HOSTS")

# Where the site is reached, for the links of what leaves it without a request (e-mails).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Throttles (rates are "N/s", "N/min", "N/hour", "N/day") ---------------------------------
RATE_LIMITS_ENABLED = os.environ.get("DJANGO_RATE_LIMITS", "on").strip().lower() not in {
    "off",
    "0",
    "false",
    "no",
}
THROTTLE_RATES = {
    "login_user": os.environ.get("DJANGO_THROTTLE_LOGIN_USER", "10/min"),
    "login_ip": os.environ.get("DJANGO_THROTTLE_LOGIN_IP", "30/min"),
    "register_ip": os.environ.get("DJANGO_THROTTLE_REGISTER_IP", "20/hour"),
    "password_reset": os.environ.get("DJANGO_THROTTLE_PASSWORD_RESET", "5/hour"),
    "writes": os.environ.get("DJANGO_THROTTLE_WRITES", "600/min"),
    "uploads": os.environ.get("DJANGO_THROTTLE_UPLOADS", "60/min"),
}

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "EXCEPTION_HANDLER": "config.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chat API",
    "DESCRIPTION": "REST API of the messaging site. The websocket protocol is in docs/realtime.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Internationalization ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Attachments ------------------------------------------------------------------------------
# Uploaded files: in MEDIA_ROOT/attachments by default, served by the app after the access
# check; ATTACHMENTS_SERVE=x-accel hands the sending to nginx (X-Accel-Redirect to
# ATTACHMENTS_X_ACCEL_PREFIX, an `internal` location aliased to that folder). docs/deployment.md.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 25)
UPLOAD_QUOTA_MB = env_int("UPLOAD_QUOTA_MB", 1024)
ATTACHMENTS_SERVE = os.environ.get("ATTACHMENTS_SERVE", "app")
ATTACHMENTS_X_ACCEL_PREFIX = os.environ.get("ATTACHMENTS_X_ACCEL_PREFIX", "/protected-files/")
STORAGES["attachments"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT / "attachments", "base_url": None},
}
# S3 or an S3-compatible store (MinIO...) instead, when S3_BUCKET is set: the bucket stays
# private; after the access check a file's answer is a redirect to a presigned URL that works
# for S3_URL_EXPIRES_SECONDS (attachments/serving.py). Without S3_ACCESS_KEY_ID boto3 finds
# credentials its own way (AWS_* variables, ~/.aws, an instance role).
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
S3_REGION = os.environ.get("S3_REGION", "us-east-1")
S3_URL_EXPIRES_SECONDS = env_int("S3_URL_EXPIRES_SECONDS", 300)
# Path style (https://host/bucket/key) on an S3-compatible endpoint, which seldom has a name
# per bucket; AWS's own names one per bucket (https://bucket.s3.region.amazonaws.com/key).
S3_ADDRESSING_STYLE = os.environ.get(
    "S3_ADDRESSING_STYLE", "path" if S3_ENDPOINT_URL else "virtual"
)


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str,
    region: str,
    access_key: str | None,
    secret_key: str | None,
    addressing_style: str,
    expires: int,
) -> dict[str, Any]:
    """The `attachments` storage on this bucket (the tests make theirs with it too)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "addressing_style": addressing_style,
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": expires,
            "default_acl": None,  # the bucket's own: private
            "file_overwrite": False,
            # Stored as opaque downloads whatever the client claimed; each presigned URL names
            # the type and disposition the site would send (attachments/serving.py).
            "object_parameters": {
                "ContentType": "application/octet-stream",
                "ContentDisposition": "attachment",
            },
        },
    }


def s3_origins(*, bucket: str, endpoint_url: str, region: str, addressing_style: str) -> list[str]:
    """The origins the presigned URLs point to: pages may show images from there (img-src)."""
    if not endpoint_url:
        return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]
    endpoint = urlparse(endpoint_url)
    host = f"{bucket}.{endpoint.netloc}" if addressing_style == "virtual" else endpoint.netloc
    return [f"{endpoint.scheme}://{host}"]


ATTACHMENTS_ORIGINS: list[str] = []
if S3_BUCKET:
    STORAGES["attachments"] = s3_storage(
        bucket=S3_BUCKET,
        endpoint_url=S3_ENDPOINT_URL,
        region=S3_REGION,
        access_key=os.environ.get("S3_ACCESS_KEY_ID"),
        secret_key=os.environ.get("S3_SECRET_ACCESS_KEY"),
        addressing_style=S3_ADDRESSING_STYLE,
        expires=S3_URL_EXPIRES_SECONDS,
    )
    ATTACHMENTS_ORIGINS = s3_origins(
        bucket=S3_BUCKET,
        endpoint_url=S3_ENDPOINT_URL,
        region=S3_REGION,
        addressing_style=S3_ADDRESSING_STYLE,
    )
# An upload over this size streams to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- HTTPS and cookies (on by default when debug is off) --------------------------------------
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from the site's files (no inline ones); config/csp.py adds the
# websocket schemes of the request's host to connect-src.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # The site's own images only: a message's Markdown image is a link (messaging.rendering),
    # so no reader's browser loads a picture from a host that would log who read what, when.
    "img-src": ["'self'", "data:", *ATTACHMENTS_ORIGINS],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# --- Real-time --------------------------------------------------------------------------------
WEBSOCKET_MAX_FRAME_BYTES = 64 * 1024
# Frames a connection may send: a sustained rate and a burst (off with DJANGO_RATE_LIMITS=off).
WEBSOCKET_FRAMES_PER_SECOND = env_int("DJANGO_WS_FRAMES_PER_SECOND", 20)
WEBSOCKET_FRAME_BURST = env_int("DJANGO_WS_FRAME_BURST", 100)
# Threads per server process for the sockets' database work (never the one thread that
# Django's sync views share).
WEBSOCKET_DB_THREADS = env_int("DJANGO_WS_DB_THREADS", 8)
# Handshakes a server process works on at once; one more is closed at once with 4013 (the
# client retries after a random delay) rather than left waiting behind the others. A process
# on 2 cores completes about 300 handshakes and resumes a second, so 1,000 in flight finish
# in about 3.5 s, within daphne's 5 s handshake timeout; 500 shed half of a 1,000-socket
# storm and made it slower (docs/reliability.md, R6).
WEBSOCKET_MAX_CONNECTING = env_int("DJANGO_WS_MAX_CONNECTING", 1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
