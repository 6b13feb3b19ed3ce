"""Django settings for HUSK, read from the environment (see the README's table)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from husk.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Development gets a throwaway key; anything else must be given a real one.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-development-only" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Synthetic national ids (month + 80) are accepted only where this is on:
# demo installations and tests, never production.
ALLOW_SYNTHETIC_IDS = env_bool("ALLOW_SYNTHETIC_IDS", False)
# `/reference/`, the yardstick `make bench` compares pages with: on where the bench serves
# the app, and in tests (its access policy is in the matrix); a deployment has no use for it.
BENCH_REFERENCE_PAGE = env_bool("BENCH_REFERENCE_PAGE", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "bootstrap",  # Bootstrap 5 from django-bootstrap-static: served by us, no CDN
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "django_tasks_db",
    # HUSK's own apps; dependencies point down this list, never up (tests/test_import_layers.py).
    "core",
    "husk",
    "organisation",
    "audit",
    "codelists",
    "clients",
    "followup",
    "families",
    "casefile",
    "dashboards",
    "research",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): a second factor given in this session, or single sign-on.
    "organisation.two_factor.HuskOTPMiddleware",
    "organisation.middleware.AbsoluteSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # One save per form: a second POST of a form's one-time token saves nothing (audit.submissions).
    "audit.submissions.OneSubmissionMiddleware",
    "organisation.access.AccessPolicyMiddleware",
    # A read that cannot be logged is answered 503, without the data (audit.middleware).
    "audit.middleware.FailClosedMiddleware",
    # A write to a merged client is refused at the model layer; this shows why (clients.readonly).
    "clients.middleware.MergedClientMiddleware",
    # Axes must come last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "husk.urls"
WSGI_APPLICATION = "husk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisation.context_processors.navigation",
            ],
            # {% submission_token %} in every form that creates, without a {% load %} each.
            "builtins": ["audit.templatetags.submission_tags"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A database restart must not need an application restart.
        conn_health_checks=True,
    ),
}
# An optional streaming read replica. Only code that asks for it reads there
# (dashboards, research exports; see core.db_router); everything else, and every
# write, stays on the primary. The name is lower case so that the URL, which holds
# a password, does not become a setting shown in error reports.
if replica_url := env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        replica_url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
        # Tests have no replica: the alias reads the test database of "default".
        test_options={"MIRROR": "default"},
    )
# No JIT compilation: the dashboards run a dozen mid-sized aggregates whose plans
# cost enough to trigger it, and compiling took ~0.6 s each on the national
# dataset, longer than running them (docs/performance.md). The bench's psql
# reference runs with the same options. Added to any the URL gives (?options=...).
for _database in DATABASES.values():
    _options = _database.setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".lstrip()
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    },
}

# A dashboard scope whose counting takes this long (the national dashboard) is kept and
# refreshed by a worker instead of counted on every visit: see dashboards.snapshots.
DASHBOARD_SNAPSHOT_AFTER_MS = env_int("DASHBOARD_SNAPSHOT_AFTER_MS", 1000)

AUTH_USER_MODEL = "organisation.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("FAST_PASSWORD_HASHING", False):
    # Test suites only: PBKDF2's deliberate slowness would dominate their run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on through OpenID Connect (organisation.sso), the production option: on when
# OIDC_ISSUER is set. The endpoints come from the issuer's discovery document.
OIDC_ISSUER = env_str("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "") if OIDC_ISSUER else ""
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "") if OIDC_ISSUER else ""
if OIDC_ISSUER and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set with OIDC_ISSUER."
    )
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "SSO")
OIDC_RP_SCOPES = " ".join(env_list("OIDC_SCOPES", ["openid", "email", "profile"]))
# The claim that names the person, and the HUSK user field it must equal (email or username).
OIDC_USER_CLAIM = env_str("OIDC_USER_CLAIM", "email")
OIDC_USER_FIELD = env_choice("OIDC_USER_FIELD", "email", ("email", "username"))
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGORITHM", "RS256")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_CLOCK_LEEWAY = env_int("OIDC_CLOCK_LEEWAY_SECONDS", 60)
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_CREATE_USER = False
# Kept in the session for the provider's logout (id_token_hint).
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("organisation.sso.HuskOIDCBackend")

# Two-factor login (organisation.two_factor): every password account gives a TOTP code after
# its password; single sign-on sessions are exempt (the identity provider asks for two factors).
# The name an authenticator app shows beside the code.
OTP_TOTP_ISSUER = env_str("TWO_FACTOR_ISSUER", "HUSK")
# Seconds between the password and the code before the password must be given again.
TWO_FACTOR_LOGIN_TIMEOUT = env_int("TWO_FACTOR_LOGIN_TIMEOUT_SECONDS", 600)
# No "remember this browser": the code is asked for at every login.
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathImage"
# Wrong codes make the next try wait 1, 2, 4 ... seconds (django-otp's throttle).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Login throttling: per account and, separately, per address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password"]

# Sessions: 30 minutes idle, 12 hours absolute. In use, a session is renewed (saved with a
# new expiry) at most once a minute, not on every request: see organisation.middleware.
SESSION_COOKIE_AGE = 30 * 60
SESSION_RENEW_INTERVAL = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Transport security; off only for plain-http development on loopback.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
# Load balancers probe /health/ over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every script and style is served by the app itself; inline code needs the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Bootstrap draws form controls with data: SVGs from its stylesheet.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["husk.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Research export archives: written by a worker, downloaded through the web tier,
    # so with workers on other machines this must be a shared volume.
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("RESEARCH_EXPORT_DIR", str(BASE_DIR / "var" / "exports"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env_bool("STATIC_MANIFEST", not DEBUG)

# Break-the-glass: how long a stated reason opens a client of another office (audit.emergency).
EMERGENCY_ACCESS_HOURS = env_int("EMERGENCY_ACCESS_HOURS", 2)

# How long a finished research export can be downloaded.
RESEARCH_EXPORT_TTL_HOURS = env_int("RESEARCH_EXPORT_TTL_HOURS", 7 * 24)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines carry paths only; HUSK never puts personal data in a URL.
        "django.request": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
