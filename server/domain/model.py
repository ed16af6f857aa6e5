"""Sites, services, counters and tickets: the nouns of the queue, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .appointments import AppointmentPolicy, BookingRules


class Organisation(StrEnum):
    """Who staffs a desk: the two employers share a waiting room but keep their own figures."""

    HELLO_WORK = "hellowork"
    CITY = "city"


class NoShowPolicy(StrEnum):
    """What a no-show does: send the visitor back into the queue once, or end the visit."""

    REQUEUE_ONCE = "requeue_once"
    END = "end"


class CounterMode(StrEnum):
    """How a counter picks between the services it serves."""

    WEIGHTED = "weighted"  # longest wait, each service's wait multiplied by its weight
    ORDERED = "ordered"  # first service in the list that has anyone waiting


@dataclass(frozen=True)
class Outcome:
    """A way a stage can end (相談のみ, 紹介状発行, …); `placement` marks a job placement (就職)."""

    code: str
    label: str
    placement: bool = False


@dataclass(frozen=True)
class Service:
    """A desk visitors queue for.

    It has two names: `name`, the staff's (consoles, reports), and the visitors' words, one
    label and description per language (`visitor`), which the kiosk's button, the ticket
    screen, the printed ticket and the phone page all say. A sensitive desk has a third,
    `public_name`, for the screens and voice the whole waiting room shares."""

    id: str
    name: str
    organisation: Organisation
    prefix: str = ""
    first_number: int = 1
    last_number: int = 999
    target_wait_min: int = 20
    sensitive: bool = False
    public_name: str = "相談窓口"
    description: str = ""  # the visitors' description in Japanese
    # (language code, label, description): the desk as visitors read it, "ja" among them
    # (the site file's [services.<id>.visitor]; the old form's translations).
    translations: tuple[tuple[str, str, str], ...] = ()
    booking: BookingRules | None = None  # None: the desk takes no appointments

    @property
    def public_label(self) -> str:
        """What the screens and voice the whole waiting room shares may say about this desk:
        the visitors' Japanese label, or for a sensitive desk only its public name."""
        return self.public_name if self.sensitive else self.visitor("ja")[0]

    def visitor(self, language: str) -> tuple[str, str]:
        """(label, description) of the desk in `language`, as every surface made for the
        visitor shows it: that language's words, else its base language's (zh for zh-Hant),
        else the Japanese ones, else the desk's name (a sensitive desk's public name)."""
        words = {lang: (label, text) for lang, label, text in self.translations}
        for code in (language, language.split("-")[0], "ja"):
            if code in words:
                return words[code]
        return (self.public_name if self.sensitive else self.name), self.description

    def translated(self) -> dict[str, dict[str, str]]:
        """{language: {"label", "description"}} of the desk's own words for visitors."""
        return {lang: {"label": label, "description": text}
                for lang, label, text in self.translations}


@dataclass(frozen=True)
class Counter:
    """A window where one staff member serves; it serves a set of services."""

    id: str
    name: str
    number: int
    area: str
    services: tuple[str, ...]
    mode: CounterMode = CounterMode.WEIGHTED
    weights: tuple[tuple[str, float], ...] = ()

    def weight(self, service_id: str) -> float:
        return dict(self.weights).get(service_id, 1.0)


@dataclass(frozen=True)
class OpeningHours:
    """Business hours by weekday (0 = Monday); a day missing from the map is closed."""

    by_weekday: tuple[tuple[int, time, time], ...]
    closed_dates: frozenset[date] = frozenset()

    def is_open(self, local: datetime) -> bool:
        if local.date() in self.closed_dates:
            return False
        for weekday, opens, closes in self.by_weekday:
            if weekday == local.weekday() and opens <= local.time() < closes:
                return True
        return False


ALWAYS_OPEN = OpeningHours(tuple((d, time(0, 0), time(23, 59, 59, 999999)) for d in range(7)))


@dataclass(frozen=True)
class Policy:
    """Ordering and numbering rules, configured per site."""

    priority_normal: int = 2  # 2 normal : 1 priority
    priority_every: int = 1
    max_wait_boost_min: int = 60  # anyone waiting this long is called first
    no_show: NoShowPolicy = NoShowPolicy.REQUEUE_ONCE
    day_starts_at: time = time(4, 0)
    notify_ahead: int = 3  # a notified visitor is told when this many or fewer are ahead
    away_grace_min: int = 5  # 不在 for a notified visitor waits this long after the call
    alert_escalate_s: int = 120  # a staff alert nobody took escalates after this


@dataclass(frozen=True)
class Site:
    """A centre: its desks, its counters and its rules."""

    id: str
    name: str
    ward: str
    timezone: str
    hours: OpeningHours
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    outcomes: tuple[Outcome, ...]
    policy: Policy = field(default_factory=Policy)
    areas: tuple[str, ...] = ("main",)
    notice: str = ""  # one line the waiting-room displays show, e.g. 本日は16時で受付終了
    appointments: AppointmentPolicy = field(default_factory=AppointmentPolicy)
    reception: tuple[str, ...] = ()  # counters whose consoles show staff alerts; () = all

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def counter(self, counter_id: str) -> Counter | None:
        return next((c for c in self.counters if c.id == counter_id), None)

    def outcome(self, code: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.code == code), None)

    def business_day(self, now: datetime) -> date:
        """The day a moment belongs to: numbering restarts at `policy.day_starts_at` local time."""
        local = now.astimezone(self.tz)
        starts = self.policy.day_starts_at
        shifted = local - timedelta(hours=starts.hour, minutes=starts.minute)
        return shifted.date()


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


LIVE = frozenset(
    {TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.PARKED}
)
TERMINAL = frozenset({TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED})
AT_COUNTER = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})

# Every change of a ticket's status goes through `transition` in tickets.py, which checks this.
# WAITING -> WAITING is a move between queues (transfer, next stage, no-show requeue).
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.WAITING: frozenset(
        {TicketStatus.CALLED, TicketStatus.PARKED, TicketStatus.CANCELLED}
    ),
    TicketStatus.CALLED: frozenset(
        {
            TicketStatus.CALLED,  # recall
            TicketStatus.SERVING,
            TicketStatus.WAITING,  # no-show sent back once, or transfer before starting
            TicketStatus.NO_SHOW,
            TicketStatus.PARKED,
            TicketStatus.CANCELLED,
        }
    ),
    TicketStatus.SERVING: frozenset(
        {
            TicketStatus.DONE,
            TicketStatus.WAITING,  # next stage of the visit, or transfer
            TicketStatus.PARKED,
            TicketStatus.CANCELLED,
        }
    ),
    TicketStatus.PARKED: frozenset(
        {TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.CANCELLED}
    ),
    TicketStatus.DONE: frozenset(),
    TicketStatus.NO_SHOW: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
}


@dataclass(slots=True)
class Ticket:
    """A visit and its number. `purposes` are the desks chosen at the kiosk, in order;
    `stage` counts queue entries (each transfer or next purpose starts a new stage)."""

    id: int
    site_id: str
    business_day: date
    number: int
    label: str
    purposes: tuple[str, ...]
    service_id: str
    status: TicketStatus
    issued_at: datetime
    rank_at: datetime  # when it joined the current queue, for ordering
    priority: bool = False
    language: str = "ja"
    public_token: str = ""
    stage: int = 0
    purpose_index: int = 0
    counter_id: str | None = None
    staff: str | None = None
    called_at: datetime | None = None
    calls: int = 0
    requeues: int = 0
    transferred_from: str | None = None
    note: str | None = None
    updated_at: datetime | None = None
    closed_reason: str | None = None
    # An appointment's slot, while the ticket waits for the booked desk: it is called at
    # that time (ordering.py) rather than by its arrival.
    slot_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(slots=True)
class CounterState:
    """A counter's moment-to-moment state: open or paused, and whom it has in hand."""

    counter_id: str
    status: str = "closed"  # closed | open | paused
    ticket_id: int | None = None
    staff: str | None = None
    # For the priority ratio: the kind of the last calls and how many in a row.
    streak_priority: bool = False
    streak: int = 0
    updated_at: datetime | None = None


COUNTER_STATUSES = ("closed", "open", "paused")
