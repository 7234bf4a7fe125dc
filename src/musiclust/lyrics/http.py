"""HTTP for the lyrics providers: one polite, retrying, rate-limited client.

- requests are spaced to at most ``rate_limit_per_s`` a second, per provider, **every attempt
  counted**: urllib3's ``Retry`` (mounted on a ``requests`` session) retries connection errors,
  read timeouts and 429/5xx answers, and each of its waits before another attempt goes through
  the provider's :class:`RateLimiter`;
- the wait before retry k (1, 2, …) is the server's ``Retry-After`` when it gives one (capped at
  ``max_retry_after_s``, so a server asking for an hour does not stall the job silently), else
  ``backoff_s · 2^(k−1)`` (1, 2, 4 s by default; urllib3's own formula would retry at once first),
  and never less than the limiter's interval since the previous request;
- a last answer that still carries ``Retry-After`` (retries exhausted) holds the provider's next
  request, of whatever track, back that long too;
- every request names the tool, its version and its homepage in ``User-Agent`` (LRCLIB asks);
- failures become :class:`ProviderError` with a message that names the status and the server,
  never a secret: the messages pass through :func:`redact` with every secret of the client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import takewhile

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from musiclust import __version__
from musiclust.data.download import redact_url
from musiclust.defaults import defaults
from musiclust.lyrics.types import ProviderError

_LYRICS = defaults("$defs", "lyrics")  # the config's defaults (the schema)

log = logging.getLogger("musiclust.lyrics")

HOMEPAGE = "https://github.com/musiclust/musiclust"
USER_AGENT = f"musiclust/{__version__} (+{HOMEPAGE})"
RETRY_STATUSES = (429, 500, 502, 503, 504)

# What Cloudflare's challenge and block pages contain ("Just a moment...", "Attention Required!").
_CLOUDFLARE_MARKERS = ("cf-chl", "challenge-platform", "just a moment...", "attention required! | cloudflare",
                       "cf-browser-verification", "cf_chl_opt")


@dataclass(frozen=True)
class HttpSettings:
    """Network behaviour of a provider (config: ``datasets.<name>.lyrics``)."""

    timeout_s: float = _LYRICS["timeout_s"]
    retries: int = _LYRICS["retries"]
    backoff_s: float = _LYRICS["backoff_s"]
    rate_limit_per_s: float = _LYRICS["rate_limit_per_s"]
    max_retry_after_s: float = _LYRICS["max_retry_after_s"]


DEFAULT_HTTP = HttpSettings()


class RateLimiter:
    """At most ``rate`` calls a second: each call waits until its slot (thread-safe)."""

    def __init__(self, rate_per_s: float) -> None:
        self.interval = 1.0 / rate_per_s if rate_per_s and rate_per_s > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def hold(self, seconds: float) -> None:
        """No slot before ``seconds`` from now (a server's Retry-After, a backoff)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + max(0.0, seconds))

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


class _PoliteRetry(Retry):
    """``Retry`` whose every wait before another attempt goes through the provider's limiter:
    ``Retry-After`` (capped at ``max_retry_after``) when the answer has one, else
    ``backoff_factor · 2^(k−1)`` before retry k."""

    max_retry_after: float = 120.0
    limiter: RateLimiter | None = None

    def new(self, **kw):  # urllib3 copies a Retry on every attempt; keep ours
        retry = super().new(**kw)
        retry.max_retry_after, retry.limiter = self.max_retry_after, self.limiter
        return retry

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)

    def get_backoff_time(self) -> float:
        errors = len(list(takewhile(lambda attempt: attempt.redirect_location is None, reversed(self.history))))
        return 0.0 if errors == 0 else float(min(self.backoff_max, self.backoff_factor * 2 ** (errors - 1)))

    def _wait(self, seconds: float) -> None:
        if self.limiter is None:
            time.sleep(seconds)
            return
        self.limiter.hold(seconds)
        self.limiter.wait()

    def sleep_for_retry(self, response) -> bool:  # (also before following a redirect)
        seconds = self.get_retry_after(response)
        self._wait(seconds or 0.0)
        return seconds is not None

    def sleep(self, response=None) -> None:
        seconds = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        self._wait(self.get_backoff_time() if seconds is None else seconds)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def is_cloudflare_challenge(response: requests.Response) -> bool:
    """A Cloudflare challenge or block page instead of the answer."""
    if response.status_code not in (403, 429, 503):
        return False
    if response.headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    head = response.text[:20000].lower()
    return any(marker in head for marker in _CLOUDFLARE_MARKERS)


class HttpClient:
    """GETs for one provider. ``secrets`` are redacted from every message it produces."""

    def __init__(self, settings: HttpSettings, secrets: Iterable[str | None] = ()) -> None:
        self.settings = settings
        self._secrets = [s for s in secrets if s]
        self.limiter = RateLimiter(settings.rate_limit_per_s)
        retry = _PoliteRetry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            backoff_factor=settings.backoff_s,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # hand back the last answer, so its status can be reported
        )
        retry.max_retry_after, retry.limiter = settings.max_retry_after_s, self.limiter
        self._retry = retry
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_sent = 0

    def get(self, url: str, params: Mapping[str, object] | None = None,
            headers: Mapping[str, str] | None = None) -> requests.Response:
        """The response (any status: the caller decides); raises ProviderError on no answer."""
        self.limiter.wait()  # (each retry waits for it inside urllib3: _PoliteRetry)
        self.requests_sent += 1
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.settings.timeout_s)
        except requests.exceptions.RequestException as error:
            raise ProviderError(self.describe_failure(url, error)) from None
        if response.status_code in RETRY_STATUSES:
            # Retries exhausted and the server still asks to wait: the next request waits too.
            try:
                seconds = self._retry.get_retry_after(response)
            except InvalidHeader:
                seconds = None
            if seconds:
                self.limiter.hold(seconds)
        return response

    def describe_failure(self, url: str, error: BaseException) -> str:
        reason = error.args[0] if error.args else error
        reason = getattr(reason, "reason", reason) or reason  # MaxRetryError → its last cause
        kind = "timed out" if "timeout" in type(reason).__name__.lower() or "timed out" in str(reason) else "failed"
        message = (f"no answer from {redact_url(url)}: {kind} after {self.settings.retries + 1} attempts "
                   f"({type(reason).__name__})")
        return redact(message, self._secrets)

    def fail(self, response: requests.Response, what: str) -> ProviderError:
        """A ProviderError describing a bad answer (status, Cloudflare page), secrets redacted."""
        url = redact_url(response.url or "")
        if is_cloudflare_challenge(response):
            message = (f"{what}: blocked by a Cloudflare challenge page (HTTP {response.status_code}) at {url}; "
                       "the server refuses scripts from this network for now: try later, from another "
                       "network, or another provider")
        elif response.status_code == 429:
            message = f"{what}: rate-limited (HTTP 429) at {url} after {self.settings.retries + 1} attempts"
        else:
            message = f"{what}: HTTP {response.status_code} from {url}"
            if response.status_code >= 500:
                message += f" after {self.settings.retries + 1} attempts"
        return ProviderError(redact(message, self._secrets))

    def json(self, response: requests.Response, what: str) -> object:
        try:
            return response.json()
        except ValueError:
            snippet = " ".join(response.text[:80].split())
            raise ProviderError(redact(f"{what}: malformed JSON from {redact_url(response.url or '')} "
                                       f"(starts {snippet!r})", self._secrets)) from None

    def close(self) -> None:
        self.session.close()
