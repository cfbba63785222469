"""Settings from `PUHUI_` environment variables and an optional `puhui.toml`; none are required."""

from __future__ import annotations

from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource


class Settings(BaseSettings):
    """Platform configuration. The embedded default needs no configuration at all."""

    model_config = SettingsConfigDict(env_prefix="PUHUI_", toml_file="puhui.toml", extra="ignore")

    database_url: str = "sqlite:///./puhui-data/puhui.db"
    data_dir: str = "./puhui-data"
    host: str = "127.0.0.1"
    port: int = 8000
    #: Money-moving requests per second per API key, and the burst allowed above it.
    money_rate_per_second: float = 200.0
    money_rate_burst: float = 400.0
    #: Sign-in attempts (codes asked for or tried) per client address in the borrower's app.
    app_signin_rate_per_second: float = 0.5
    app_signin_burst: float = 20.0
    # lending api: the first business date, set once when the platform first opens the
    # database (afterwards only COB moves it; the clock is never read).
    lending_first_business_date: date = date(2026, 1, 1)

    # security: request limits (api.limits), checked before a route parses a body. Model
    # registrations (`upload_paths`) carry model files and get the larger cap.
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 33_554_432
    upload_paths: list[str] = ["/v1/governance/models"]
    max_json_depth: int = 32
    max_json_array: int = 10_000
    #: Every write (POST/PUT/PATCH/DELETE) per API key per second, and its burst.
    write_rate_per_second: float = 200.0
    write_rate_burst: float = 400.0
    #: /metrics and the ledger check of /healthz: "key" = only operator and admin keys;
    #: "open" = anyone who can reach the port (put it behind a separate bind, `ops_port`).
    ops_access: str = "key"
    #: If set, `puhui serve` also listens on ops_host:ops_port serving only /metrics and
    #: /healthz, open there (a bind reachable by the monitoring network only).
    ops_host: str = "127.0.0.1"
    ops_port: int = 0
    #: The HMAC key of customer references in URLs (`cu_...`); empty: one is made once and
    #: kept in the platform database.
    customer_ref_secret: str = ""
    #: The console is served over https (behind a TLS proxy too): session cookies are Secure.
    https: bool = False

    # ai: the large model behind the gateway (any OpenAI-compatible server). Empty = none.
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = ""
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    llm_backoff_s: float = 0.5
    llm_fallback_base_url: str = ""
    llm_fallback_api_key: str = ""
    llm_fallback_model: str = ""

    # assist: speech to text. Empty = faster-whisper in-process with the shipped weights;
    # else any OpenAI-compatible /v1/audio/transcriptions server (a stronger Mandarin model).
    asr_base_url: str = ""
    asr_api_key: str = ""
    asr_model: str = ""

    @classmethod
    def settings_customise_sources(  # type: ignore[no-untyped-def]
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def get_settings() -> Settings:
    return Settings()
