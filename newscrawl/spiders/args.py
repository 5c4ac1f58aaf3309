"""Spider arguments (``-a name=value``): one typed model per spider kind, checked before the crawl starts.

The arguments used to be read by hand in each spider, so a misspelt one (``-a max_page=1``)
was silently ignored and the two spiders cut ``since`` at midnight in two ways. Each spider
now declares its arguments once, as a model here (:class:`OutletArgs` for catalog outlets,
:class:`FamilyArgs` for family spiders, :class:`ArticlesArgs` for ``articles``; the fields
they share are written once in their bases). :func:`parse_arguments` turns the ``-a``
strings, and the settings they override, into that model, or raises
:class:`SpiderArgumentError` with one line for the user: ``scrapy crawl``
(:mod:`newscrawl.commands.crawl`) calls it before taking the state lock, so a bad argument
ends the command with that line and exit status 1, no traceback, nothing touched.

The models are plain pydantic models. scrapy-spider-metadata (``Args[Model]``) was tried
and left out: its ``Args.__init__`` hands every argument on to ``scrapy.Spider.__init__``,
which renames the spider on ``-a name=`` (the family spiders' outlet name) and copies the
raw strings onto the spider; it logs pydantic's multi-line report at ERROR before
re-raising; and it validates in ``__init__``, where the settings that fill an argument
left out are not available yet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Generic, Self, TypeVar
from urllib.parse import urlsplit

import attrs
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, model_validator
from scrapy.settings import BaseSettings

from newscrawl.catalog import Outlet
from newscrawl.parsing.dates import KST, parse_datetime
from newscrawl.parsing.urls import host_of
from newscrawl.render.actions import RenderMode, render_mode

#: Arguments let through to ``scrapy.Spider`` unchecked: Scrapyd passes its job id as ``-a _job=...``.
PASSTHROUGH = frozenset({"_job"})
#: The three inputs of the ``articles`` spider, exactly one of which is given.
MODES = ("urls", "feed", "sitemap")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class SpiderArgumentError(ValueError):
    """A spider argument (or the setting it falls back to) the crawl cannot start with.

    The message is one line naming the argument or setting, shown to the user as it is.
    """


@attrs.frozen
class Setting:
    """Field marker: the setting whose value the field takes when the argument is not given."""

    name: str


def day_start(moment: datetime) -> datetime:
    """00:00:00.000000 of ``moment``'s day, in ``moment``'s own timezone.

    A list or sitemap often shows only the day, so a link is skipped unfetched only when
    its whole day is older than ``since``; the exact check runs later on ``published_at``.
    """
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def is_http_url(url: str) -> bool:
    """Whether ``url`` is something we can fetch: http(s), a host, a valid port, no blanks."""
    if not url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_base_url(label: str, base_url: str) -> str:
    """``base_url`` without a trailing slash, or ValueError naming ``label``."""
    if not base_url.startswith(("http://", "https://")) or not urlsplit(base_url).hostname:
        raise ValueError(f"{label}={base_url!r} must be an http:// or https:// URL with a host")
    return base_url.rstrip("/")


# -- value parsers: (label, raw value) -> typed value; ``label`` is the argument or setting name ------
def parse_since(label: str, value: Any) -> datetime | None:
    """'2024-03-01' or '2024-03-01T12:00:00+09:00' -> aware datetime (Korea time by default)."""
    if value in (None, ""):
        return None
    moment = parse_datetime(str(value), default_tz=KST)
    if moment is None:
        raise ValueError(f"{label}={value!r} is not a date: use YYYY-MM-DD or an ISO 8601 datetime")
    return moment


def parse_until(label: str, value: Any) -> datetime | None:
    """Like :func:`parse_since`, but a bare date means the end of that day."""
    moment = parse_since(label, value)
    if moment is not None and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", str(value).strip()):
        moment = moment + timedelta(days=1) - timedelta(seconds=1)
    return moment


def parse_bool(label: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"", "0", "false", "no", "off"}:
        return False
    raise ValueError(f"{label}={value!r}: use true or false")


def parse_count(label: str, value: Any) -> int:
    """A limit: a whole number, 0 (or empty) meaning no limit."""
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{label}={value!r} is not a whole number") from None
    if number < 0:
        raise ValueError(f"{label}={value!r} must be 0 (no limit) or more")
    return number


def _label(info: ValidationInfo) -> str:
    """The name the user gave the field's value under: the argument, or the setting it fell back to."""
    field = info.field_name or "?"
    return _labels(info).get(field, field)


def _labels(info: ValidationInfo) -> Mapping[str, str]:
    context = info.context if isinstance(info.context, Mapping) else {}
    labels = context.get("labels", {})
    return labels if isinstance(labels, Mapping) else {}


def _since(value: Any, info: ValidationInfo) -> datetime | None:
    return parse_since(_label(info), value)


def _until(value: Any, info: ValidationInfo) -> datetime | None:
    return parse_until(_label(info), value)


def _flag(value: Any, info: ValidationInfo) -> bool:
    return parse_bool(_label(info), value)


def _count(value: Any, info: ValidationInfo) -> int:
    return parse_count(_label(info), value)


def _base_url(value: Any, info: ValidationInfo) -> str | None:
    return check_base_url(_label(info), str(value)) if value not in (None, "") else None


def _codes(value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
    codes = tuple(s.strip() for s in str(value).split(",") if s.strip()) if value not in (None, "") else ()
    return codes or None


def _sources(value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
    if value in (None, ""):
        return None
    sources = tuple(s.strip() for s in str(value).split(",") if s.strip())
    if not sources or not all(is_http_url(s) for s in sources):
        raise ValueError(f"{_label(info)}={value!r}: give http(s) URLs, comma-separated")
    return sources


def _urls_file(value: Any, info: ValidationInfo) -> Path | None:
    if value in (None, ""):
        return None
    path = Path(value)
    if not path.is_file():
        raise ValueError(f"{_label(info)}={value!r}: no such file")
    return path


def _render(value: Any, info: ValidationInfo) -> str | None:
    return None if value is None else render_mode(value, _label(info))


def _text(value: Any, info: ValidationInfo) -> str | None:
    return None if value is None else str(value)


# -- the models -------------------------------------------------------------------------------------
class SpiderArgs(BaseModel):
    """What every spider takes. A field marked with :class:`Setting` falls back to that setting,
    so it has no default here: the defaults live in ``newscrawl/settings.py`` only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Skip lists/links whose day is older, and articles published earlier (``NEWSCRAWL_SINCE``).
    since: Annotated[datetime | None, BeforeValidator(_since), Setting("NEWSCRAWL_SINCE")]
    #: Ignore the state store: fetch and export everything again (``NEWSCRAWL_FULL``).
    full: Annotated[bool, BeforeValidator(_flag), Setting("NEWSCRAWL_FULL")]

    @property
    def list_cutoff(self) -> datetime | None:
        """``since`` at 00:00 of its day: list entries and feed/sitemap links dated before it are not fetched."""
        return day_start(self.since) if self.since is not None else None


class OutletArgs(SpiderArgs):
    """An outlet crawl (a catalog spider): sections -> paginated lists -> articles."""

    #: Crawl a copy of the outlet at another address (e.g. the local demo).
    base_url: Annotated[str | None, BeforeValidator(_base_url)] = None
    #: Section codes (comma-separated); None: the catalog's, else the home page menu.
    sections: Annotated[tuple[str, ...] | None, BeforeValidator(_codes)] = None
    #: List pages per section at most, 0 = no limit (``NEWSCRAWL_MAX_PAGES``).
    max_pages: Annotated[int, BeforeValidator(_count), Setting("NEWSCRAWL_MAX_PAGES")]
    #: Skip newer list entries and articles; a bare date means the end of that day (``NEWSCRAWL_UNTIL``).
    until: Annotated[datetime | None, BeforeValidator(_until), Setting("NEWSCRAWL_UNTIL")]
    #: Which pages go through the browser (none / lists / articles / all); None: the catalog's, else the family's.
    render: Annotated[RenderMode | None, BeforeValidator(_render)] = None

    @model_validator(mode="after")
    def _window(self, info: ValidationInfo) -> Self:
        if self.since is not None and self.until is not None and self.until < self.since:
            labels = _labels(info)
            raise ValueError(f"{labels.get('until', 'until')}={self.until.isoformat()} is before "
                             f"{labels.get('since', 'since')}={self.since.isoformat()}")
        return self


class FamilyArgs(OutletArgs):
    """A family spider: an outlet not in the catalog, known by its address (``base_url`` is required)."""

    #: The ``site`` field and ``article_id`` prefix; default: the host without ``www.``.
    slug: Annotated[str | None, BeforeValidator(_text)] = None
    #: The outlet's name (``site_name``), not the spider's; default: the slug.
    name: Annotated[str | None, BeforeValidator(_text)] = None

    @model_validator(mode="after")
    def _address(self, info: ValidationInfo) -> Self:
        if self.base_url is None:
            context = info.context if isinstance(info.context, Mapping) else {}
            spider = context.get("spider", "FAMILY")
            raise ValueError(f"the {spider!r} spider crawls an outlet that is not in the catalog and needs its "
                             f"address: scrapy crawl {spider} -a base_url=https://www.example.co.kr "
                             "[-a slug=example] [-a name=outlet name]")
        slug = self.outlet_slug()
        if not _SLUG_RE.match(slug):
            raise ValueError(f"slug={slug!r} must be lowercase letters, digits, '.', '_' or '-'")
        return self

    def outlet_slug(self) -> str:
        return (self.slug or host_of(self.base_url or "")).strip()

    def outlet(self, family: str) -> Outlet:
        """The outlet these arguments describe, on the CMS ``family``."""
        assert self.base_url is not None  # checked by _address
        slug = self.outlet_slug()
        return Outlet(slug=slug, name=(self.name or "").strip() or slug, family=family,
                      base_url=self.base_url, domains=(host_of(self.base_url),))


class ArticlesArgs(SpiderArgs):
    """The ``articles`` spider: exactly one of ``urls``, ``feed``, ``sitemap``."""

    #: A text file, one article URL per line.
    urls: Annotated[Path | None, BeforeValidator(_urls_file)] = None
    #: RSS or Atom feed URL(s), comma-separated.
    feed: Annotated[tuple[str, ...] | None, BeforeValidator(_sources)] = None
    #: Sitemap, sitemap index or robots.txt URL(s), comma-separated.
    sitemap: Annotated[tuple[str, ...] | None, BeforeValidator(_sources)] = None
    #: Article pages requested at most, 0 = no limit (``NEWSCRAWL_MAX_ARTICLES``).
    max_articles: Annotated[int, BeforeValidator(_count), Setting("NEWSCRAWL_MAX_ARTICLES")]
    #: ``true``: every article page goes through the browser (JavaScript-built pages).
    render: Annotated[bool, BeforeValidator(_flag)] = False

    @model_validator(mode="before")
    @classmethod
    def _one_input(cls, data: Any, info: ValidationInfo) -> Any:
        # Before the fields: "got urls and feed" says more than "urls='x.txt': no such file".
        given = [mode for mode in MODES if isinstance(data, Mapping) and data.get(mode)]
        # scrapy parse and scrapy check bring their own requests: the input is optional there.
        optional = isinstance(info.context, Mapping) and bool(info.context.get("requests_given"))
        if len(given) > 1 or not (given or optional):
            found = f"got {' and '.join(given)}" if given else "got none"
            raise ValueError("the articles spider needs exactly one of -a urls=FILE, -a feed=URL[,URL...] "
                             f"or -a sitemap=URL[,URL...] ({found})")
        return data

    @property
    def mode(self) -> str:
        """Which input was given: ``urls``, ``feed`` or ``sitemap``."""
        return "urls" if self.urls is not None else "feed" if self.feed else "sitemap"

    @property
    def sources(self) -> tuple[str, ...]:
        """The feed or sitemap URLs (empty for a URL file)."""
        return self.feed or self.sitemap or ()


ArgsT = TypeVar("ArgsT", bound=SpiderArgs)


def settings_of(model: type[SpiderArgs]) -> dict[str, str]:
    """Field -> the setting it falls back to, for the fields marked with :class:`Setting`."""
    return {field: marker.name for field, info in model.model_fields.items()
            for marker in info.metadata if isinstance(marker, Setting)}


def parse_arguments(model: type[ArgsT], spider: str, kwargs: Mapping[str, Any],
                    settings: BaseSettings, requests_given: bool = False) -> tuple[ArgsT, dict[str, Any]]:
    """``-a`` arguments (and the settings they override) -> the spider's model, and the
    :data:`PASSTHROUGH` arguments for ``scrapy.Spider``; or :class:`SpiderArgumentError`.

    An argument given as None counts as not given (its setting applies). ``requests_given``:
    the spider's ``start`` is not used (``scrapy parse``/``scrapy check`` give the requests), so
    arguments only ``start`` needs may be left out.
    """
    passthrough = {k: v for k, v in kwargs.items() if k in PASSTHROUGH}
    data = {k: v for k, v in kwargs.items() if k not in PASSTHROUGH and v is not None}
    unknown = sorted(set(data) - set(model.model_fields))
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise SpiderArgumentError(f"unknown spider argument{'s' if len(unknown) > 1 else ''} {names} for {spider}; "
                                  f"valid: {', '.join(sorted(model.model_fields))}")
    labels: dict[str, str] = {}
    for field, setting in settings_of(model).items():
        if field not in data:
            data[field] = settings[setting]
            labels[field] = setting
    try:
        return model.model_validate(data, context={"labels": labels, "spider": spider,
                                                   "requests_given": requests_given}), passthrough
    except ValidationError as exc:
        raise SpiderArgumentError(_one_line(exc, labels)) from None


def _one_line(exc: ValidationError, labels: Mapping[str, str]) -> str:
    """The first error of ``exc`` as the user should read it: our own message when a parser raised one."""
    error = exc.errors()[0]
    cause = error.get("ctx", {}).get("error")
    if error["type"] == "value_error" and cause is not None:
        message = str(cause)
    else:
        where = ".".join(str(part) for part in error["loc"])
        message = f"{labels.get(where, where)}={error.get('input')!r}: {error['msg']}" if where else error["msg"]
    return " ".join(message.split())


class TypedArgsSpider(Generic[ArgsT]):
    """Mixin of a spider whose ``-a`` arguments are the model :attr:`args_model`.

    ``scrapy crawl`` checks them with :meth:`parse_arguments` before the crawl starts; the
    spider's ``from_crawler`` parses them again (cheap) so a spider built any other way is
    checked the same.
    """

    name: str
    args_model: type[ArgsT]
    #: The parsed arguments.
    args: ArgsT

    @classmethod
    def parse_arguments(cls, kwargs: Mapping[str, Any], settings: BaseSettings,
                        requests_given: bool = False) -> tuple[ArgsT, dict[str, Any]]:
        return parse_arguments(cls.args_model, cls.name, kwargs, settings, requests_given)
