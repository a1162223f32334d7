"""moment.js ``format()`` tokens (English locale) with IANA time zones, for ``{{date}}``.

metadata-action renders ``{{date 'FORMAT' tz='Zone'}}`` with moment-timezone. This
implements moment's tokenizer and its English-locale tokens (``YYYY MM DD HH mm ss
SSS Z ZZ x X Do dddd MMMM a A w W Q`` ... and ``[literal]`` text); with no format, the
ISO form moment uses (``2020-01-10T00:30:00Z`` in UTC, ``+09:00`` offsets otherwise).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNKNOWN_ZONE = "unknown time zone {zone!r}"
_TOKENS = re.compile(
    r"(\[[^\[]*\])|(\\)?(Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?"
    r"|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?|kk?"
    r"|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|[Hh]mm(?:ss)?|Y|.)",
    re.DOTALL,
)
DEFAULT_UTC = "YYYY-MM-DDTHH:mm:ss[Z]"
DEFAULT = "YYYY-MM-DDTHH:mm:ssZ"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTHS = list(calendar.month_name)
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (raises ValueError when unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(UNKNOWN_ZONE.format(zone=name)) from None


def ordinal(number: int) -> str:
    """English ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    if number % 100 // 10 == 1:
        return f"{number}th"
    return f"{number}" + {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def _first_week_offset(year: int, dow: int, doy: int) -> int:
    fwd = 7 + dow - doy
    weekday = (datetime(year, 1, fwd, tzinfo=UTC).weekday() + 1) % 7  # JS getUTCDay
    return -((7 + weekday - dow) % 7) + fwd - 1


def _weeks_in_year(year: int, dow: int, doy: int) -> int:
    days = 366 if calendar.isleap(year) else 365
    offset, following = _first_week_offset(year, dow, doy), _first_week_offset(year + 1, dow, doy)
    return (days - offset + following) // 7


def week_of_year(moment: datetime, dow: int, doy: int) -> tuple[int, int]:
    """moment's ``weekOfYear``: (week, week-year); ISO is dow=1, doy=4; English dow=0, doy=6."""
    year = moment.year
    week = (moment.timetuple().tm_yday - _first_week_offset(year, dow, doy) - 1) // 7 + 1
    if week < 1:
        return week + _weeks_in_year(year - 1, dow, doy), year - 1
    if week > _weeks_in_year(year, dow, doy):
        return week - _weeks_in_year(year, dow, doy), year + 1
    return week, year


def _offset(moment: datetime, separator: str) -> str:
    minutes = int((moment.utcoffset() or timedelta()).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{separator}{rest:02d}"


def _hour12(moment: datetime) -> int:
    return moment.hour % 12 or 12


_Render = Callable[[datetime], str]
_SIMPLE: dict[str, _Render] = {
    "M": lambda m: str(m.month),
    "Mo": lambda m: ordinal(m.month),
    "MM": lambda m: f"{m.month:02d}",
    "MMM": lambda m: _MONTHS[m.month][:3],
    "MMMM": lambda m: _MONTHS[m.month],
    "Q": lambda m: str((m.month - 1) // 3 + 1),
    "Qo": lambda m: ordinal((m.month - 1) // 3 + 1),
    "D": lambda m: str(m.day),
    "Do": lambda m: ordinal(m.day),
    "DD": lambda m: f"{m.day:02d}",
    "DDD": lambda m: str(m.timetuple().tm_yday),
    "DDDo": lambda m: ordinal(m.timetuple().tm_yday),
    "DDDD": lambda m: f"{m.timetuple().tm_yday:03d}",
    "d": lambda m: str((m.weekday() + 1) % 7),
    "do": lambda m: ordinal((m.weekday() + 1) % 7),
    "dd": lambda m: _DAYS[(m.weekday() + 1) % 7][:2],
    "ddd": lambda m: _DAYS[(m.weekday() + 1) % 7][:3],
    "dddd": lambda m: _DAYS[(m.weekday() + 1) % 7],
    "e": lambda m: str((m.weekday() + 1) % 7),
    "E": lambda m: str(m.isoweekday()),
    "w": lambda m: str(week_of_year(m, 0, 6)[0]),
    "wo": lambda m: ordinal(week_of_year(m, 0, 6)[0]),
    "ww": lambda m: f"{week_of_year(m, 0, 6)[0]:02d}",
    "W": lambda m: str(week_of_year(m, 1, 4)[0]),
    "Wo": lambda m: ordinal(week_of_year(m, 1, 4)[0]),
    "WW": lambda m: f"{week_of_year(m, 1, 4)[0]:02d}",
    "gg": lambda m: f"{week_of_year(m, 0, 6)[1] % 100:02d}",
    "gggg": lambda m: f"{week_of_year(m, 0, 6)[1]:04d}",
    "ggggg": lambda m: f"{week_of_year(m, 0, 6)[1]:05d}",
    "GG": lambda m: f"{week_of_year(m, 1, 4)[1] % 100:02d}",
    "GGGG": lambda m: f"{week_of_year(m, 1, 4)[1]:04d}",
    "GGGGG": lambda m: f"{week_of_year(m, 1, 4)[1]:05d}",
    "Y": lambda m: str(m.year) if m.year <= 9999 else f"+{m.year}",
    "YY": lambda m: f"{m.year % 100:02d}",
    "YYYY": lambda m: f"{m.year:04d}",
    "YYYYY": lambda m: f"{m.year:05d}",
    "YYYYYY": lambda m: f"+{m.year:06d}",
    "y": lambda m: str(m.year),
    "yo": lambda m: ordinal(m.year),
    "N": lambda m: "AD",
    "a": lambda m: "am" if m.hour < 12 else "pm",
    "A": lambda m: "AM" if m.hour < 12 else "PM",
    "H": lambda m: str(m.hour),
    "HH": lambda m: f"{m.hour:02d}",
    "h": lambda m: str(_hour12(m)),
    "hh": lambda m: f"{_hour12(m):02d}",
    "k": lambda m: str(m.hour or 24),
    "kk": lambda m: f"{m.hour or 24:02d}",
    "m": lambda m: str(m.minute),
    "mm": lambda m: f"{m.minute:02d}",
    "s": lambda m: str(m.second),
    "ss": lambda m: f"{m.second:02d}",
    "Hmm": lambda m: f"{m.hour}{m.minute:02d}",
    "Hmmss": lambda m: f"{m.hour}{m.minute:02d}{m.second:02d}",
    "hmm": lambda m: f"{_hour12(m)}{m.minute:02d}",
    "hmmss": lambda m: f"{_hour12(m)}{m.minute:02d}{m.second:02d}",
    "x": lambda m: str((m - EPOCH) // timedelta(milliseconds=1)),
    "X": lambda m: str((m - EPOCH) // timedelta(seconds=1)),
    "z": lambda m: m.tzname() or "",
    "zz": lambda m: m.tzname() or "",
    "Z": lambda m: _offset(m, ":"),
    "ZZ": lambda m: _offset(m, ""),
}
for _name in ("NN", "NNN"):
    _SIMPLE[_name] = _SIMPLE["N"]
_SIMPLE["NNNN"] = lambda m: "Anno Domini"
_SIMPLE["NNNNN"] = _SIMPLE["N"]
_SIMPLE["yy"] = _SIMPLE["YY"]
_SIMPLE["yyyy"] = _SIMPLE["YYYY"]


def _token(token: str, moment: datetime) -> str:
    if token in _SIMPLE:
        return _SIMPLE[token](moment)
    if token.startswith("S"):  # fractional seconds; moment has millisecond precision
        millis = f"{moment.microsecond // 1000:03d}"
        return (millis + "0" * 9)[: len(token)]
    return token


def format_moment(moment: datetime, fmt: str | None) -> str:
    """Render ``moment`` (aware) with a moment.js format string; None -> moment's default."""
    if fmt is None:
        offset = moment.utcoffset() or timedelta()
        fmt = DEFAULT_UTC if offset == timedelta() else DEFAULT
    out: list[str] = []
    for found in _TOKENS.finditer(fmt):
        literal, escaped, token = found.group(1), found.group(2), found.group(3)
        if literal is not None:
            out.append(literal[1:-1])
        elif escaped:
            out.append(token)
        else:
            out.append(_token(token, moment))
    return "".join(out)


def render_date(instant: datetime, fmt: str | None, tz: str = "UTC") -> str:
    """``moment(instant).tz(tz).format(fmt)``."""
    return format_moment(instant.astimezone(zone(tz)), fmt)
