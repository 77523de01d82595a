"""Settings for siyu, read from the environment with defaults that just work.

The embedded default is a SQLite file under var/ (WAL mode, busy timeout), so a fresh
checkout runs with no server; DATABASE_URL switches to PostgreSQL.
"""

import os
import secrets
import time
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SIYU_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _kept_secret(name: str, filename: str) -> str:
    """The env var if set, else a random value generated once and kept under var/.

    This is what lets the demo run with no configuration while production sets
    real secrets in the environment.
    """
    if os.environ.get(name):
        return os.environ[name]
    path = VAR_DIR / filename
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several processes start at once, exactly one writes the secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    for _attempt in range(50):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)  # the writer has created the file but not yet written it
    raise RuntimeError(f"{path} is empty: delete it and start again")


SECRET_KEY = _kept_secret("SECRET_KEY", "secret_key")
# Encryption key for personal data (phone numbers). Losing it makes stored phones unreadable.
SIYU_FIELD_KEY = _kept_secret("SIYU_FIELD_KEY", "field_key")
# Where customers reach siyu's public pages (share links, posters, moments links).
SIYU_PUBLIC_URL = os.environ.get("SIYU_PUBLIC_URL", "http://127.0.0.1:8000")
# WeChat web OAuth for landing pages: "dev" (offline stand-in), "mp" (the real Official
# Account flow, with WECHAT_APPID / WECHAT_SECRET) or "off" (visitors stay anonymous).
WECHAT_OAUTH = os.environ.get("WECHAT_OAUTH", "dev")
WECHAT_APPID = os.environ.get("WECHAT_APPID", "")
WECHAT_SECRET = os.environ.get("WECHAT_SECRET", "")

DEBUG = envbool("DEBUG", "false")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "siyu.core",
    "siyu.org",
    "siyu.members",
    "siyu.wecom",
    "siyu.relations",
    "siyu.content",
    "siyu.tracking",
    "siyu.commerce",
    "siyu.guidetasks",
    "siyu.loyalty",
    "siyu.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "siyu.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "siyu.urls"
WSGI_APPLICATION = "siyu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "siyu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "siyu.org.context_processors.scope",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'siyu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_sqlite)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the writer work at once; IMMEDIATE transactions make writers
    # queue on the busy timeout instead of failing with "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # 64 MiB page cache per connection: indexes on hashed keys are written in random
        # order, and SQLite's 2 MiB default makes large imports slow down as tables grow.
        # The WAL is copied back into the database (a checkpoint, with an fsync) by the commit
        # that takes it past wal_autocheckpoint pages. At SQLite's default of 1,000 pages
        # (4 MiB) a batch of events or a chunk of POS orders checkpointed at nearly every
        # commit, rewriting the same hot index pages each time: 20–25 % of ingestion's time.
        # At 16,384 pages (64 MiB) a page dirtied by many commits is copied back once.
        # Temporary storage in memory: a multi-row statement inside a transaction keeps the
        # pages it changes in a statement journal (to undo that statement alone), which SQLite
        # spills to a temporary file past 64 KiB. A POS import of 20,000 orders made 93,000
        # writes to it, five sixths of its writes (system time 0.23 s → 0.12 s without them).
        # Large sorts and temporary indexes stay in memory too (this machine has plenty).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
            "PRAGMA wal_autocheckpoint=16384; PRAGMA temp_store=MEMORY;"
        ),
    }
# Keep each server thread's connection between requests: opening one (and, on SQLite,
# running the pragmas above) cost more than the work of a small request such as a callback.
DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Web processes `siyu run` starts on its port: one per core (Python's threads share one), up
# to four.
WEB_PROCESSES = envint("WEB_PROCESSES", min(os.cpu_count() or 1, 4))

# Event ingestion: batches a web process ingests at once; more wait this long, then get 429.
TRACKING_MAX_INFLIGHT = envint("TRACKING_MAX_INFLIGHT", 4)
TRACKING_ADMISSION_WAIT = float(os.environ.get("TRACKING_ADMISSION_WAIT", "2"))

# Payments: "dev" (an offline gateway that signs its notices with COMMERCE_PAY_KEY) until a
# real gateway adapter is configured (see siyu/commerce/payments.py).
COMMERCE_PAY_GATEWAY = os.environ.get("COMMERCE_PAY_GATEWAY", "dev")
COMMERCE_PAY_KEY = os.environ.get("COMMERCE_PAY_KEY", "") or f"pay:{SECRET_KEY}"
# A mall order not paid this many minutes after it was placed is cancelled (its coupon
# goes back to the member).
COMMERCE_PENDING_MINUTES = int(os.environ.get("COMMERCE_PENDING_MINUTES", "30"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "siyu" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise wants it even when serving from finders
STATICFILES_DIRS = [BASE_DIR / "node_modules" / "htmx.org" / "dist"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_phones": {"()": "siyu.members.pii.PhoneMaskingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_phones"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# WeCom (企业微信). The defaults are the local fake (`siyu fake-wecom`, started by `siyu run`);
# production sets the corp's real values, and WECOM_API_BASE to https://qyapi.weixin.qq.com/cgi-bin/.
WECOM_CORP_ID = os.environ.get("WECOM_CORP_ID", "wwsiyudemo00000001")
WECOM_SECRET = os.environ.get("WECOM_SECRET", "siyu-demo-contact-secret")
WECOM_TOKEN = os.environ.get("WECOM_TOKEN", "siyuDemoToken2026")
WECOM_AES_KEY = os.environ.get("WECOM_AES_KEY", "c2l5dS1kZW1vLWZha2Utd2Vjb20tYWVzLWtleS0zMmI")
WECOM_AGENT_ID = os.environ.get("WECOM_AGENT_ID", "1000002")
# The secret of that application (sends application messages: task reminders).
WECOM_APP_SECRET = os.environ.get("WECOM_APP_SECRET", "siyu-demo-app-secret")
WECOM_API_BASE = os.environ.get("WECOM_API_BASE", "http://127.0.0.1:8100/cgi-bin/")
WECOM_RETRY_BACKOFF = float(
    os.environ.get("WECOM_RETRY_BACKOFF", "0.5")
)  # seconds, doubled per retry
WECOM_OAUTH_URL = os.environ.get(
    "WECOM_OAUTH_URL", "http://127.0.0.1:8100/connect/oauth2/authorize"
)
