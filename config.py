"""Settings, all from the environment. PORTAL_ENV picks the class: development (default), test, production."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _dev_secret_key() -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'berkane.sqlite'}"
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    BABEL_DEFAULT_LOCALE = "ar"
    BABEL_DEFAULT_TIMEZONE = "Africa/Casablanca"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("ar", "fr")

    SESSION_COOKIE_NAME = "brk_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_NAME = "brk_remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOCALE_COOKIE_NAME = "brk_lang"

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # A form may carry several photos of up to 10 MB each; larger bodies get a clear 413 page.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024

    # Failed sign-ins: per account and per client address (Flask-Limiter syntax).
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    REGISTER_LIMIT_PER_ADDRESS = os.environ.get("REGISTER_LIMIT_PER_ADDRESS", "10 per hour")
    # Tracking lookups by number and secret that fail, per client address.
    LOOKUP_LIMIT_PER_ADDRESS = os.environ.get("LOOKUP_LIMIT_PER_ADDRESS", "10 per 15 minutes")
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    SEED_DEMO_ALLOWED = True

    # Absolute address of the portal, for links in emails and QR codes (no request to read it from).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")

    # Outgoing email (the outbox worker, `flask notifications send`, delivers through it).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SECURITY = os.environ.get("MAIL_SECURITY", "none")  # none | starttls | ssl
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Commune de Berkane <no-reply@berkane.example>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "20"))

    # Citizens' attachments: outside the web root, served only through access-checked views.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))

    # Ed25519 private key (PEM) that signs issued certificates; `flask certificates keygen` makes one.
    SIGNING_KEY_FILE = os.environ.get("SIGNING_KEY_FILE", str(INSTANCE_DIR / "signing_key.pem"))

    # Street-lighting energy estimates: the commune's electricity tariff (MAD per kWh, taxes included) and the
    # grid's emission factor (kg CO2 per kWh); the LED-retrofit scenario's defaults, which staff may vary.
    LIGHTING_TARIFF_MAD_PER_KWH = float(os.environ.get("LIGHTING_TARIFF_MAD_PER_KWH", "1.30"))
    LIGHTING_CO2_KG_PER_KWH = float(os.environ.get("LIGHTING_CO2_KG_PER_KWH", "0.70"))
    LED_EQUIVALENT_RATIO = float(os.environ.get("LED_EQUIVALENT_RATIO", "0.5"))
    LED_UNIT_COST_MAD = float(os.environ.get("LED_UNIT_COST_MAD", "2500"))

    # The city map's base layer: a tile URL template ({z}/{x}/{y}) and its attribution; none by default, and the
    # map then shows the districts and streets alone (nothing is fetched from outside the portal).
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL") or None
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

    @classmethod
    def init_app(cls, app) -> None:
        """Hook for settings that need the environment at start-up time."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    @classmethod
    def init_app(cls, app) -> None:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _dev_secret_key()


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 (tests only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite:///:memory:"
    RATELIMIT_STORAGE_URI = "memory://"
    LOG_LEVEL = "WARNING"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SEED_DEMO_ALLOWED = _env_bool("ALLOW_DEMO_SEED", False)
    REQUIRED = ("SECRET_KEY", "DATABASE_URL")

    @classmethod
    def init_app(cls, app) -> None:
        missing = [name for name in cls.REQUIRED if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"Refusing to start in production without {', '.join(missing)} in the environment.")
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def config_from_env() -> type[Config]:
    name = os.environ.get("PORTAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
