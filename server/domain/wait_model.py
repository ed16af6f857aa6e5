"""What the wait forecast believes about a site: service times, arrivals, no-shows, breaks.

A `WaitModel` is learned from the event log (learn.py) and read by the path simulation
(pathsim.py). Times of day are minutes after local midnight of the business day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DEFAULT_SERVICE_MIN = 12.0  # a desk nobody has finished at yet
DEFAULT_SIGMA = 0.6  # lognormal shape of a service time before there is history


@dataclass(frozen=True)
class ServiceTime:
    """A lognormal service time: log-minutes have mean `mu` and standard deviation `sigma`."""

    mu: float
    sigma: float

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma * self.sigma / 2)

    @classmethod
    def with_mean(cls, mean_min: float, sigma: float = DEFAULT_SIGMA) -> ServiceTime:
        return cls(math.log(mean_min) - sigma * sigma / 2, sigma)


@dataclass(frozen=True)
class Visit:
    """What an arriving visitor chose at the kiosk: the desks in order, and priority."""

    purposes: tuple[str, ...]
    priority: bool = False


@dataclass(frozen=True)
class Break:
    """A pause of a counter: when it began (minute of the day) and how long it lasted."""

    start: float
    length: float


@dataclass(frozen=True)
class CounterDay:
    """One day of one counter: when it first opened and the pauses it took."""

    opens: float
    breaks: tuple[Break, ...] = ()


@dataclass(frozen=True)
class Arrivals:
    """Visitors arriving per minute, piecewise constant over bins of the day, and what
    they come for."""

    start: float = 0.0
    bin_min: float = 15.0
    rates: tuple[float, ...] = ()
    visits: tuple[tuple[Visit, float], ...] = ()  # share of arrivals, summing to 1

    def rate_at(self, minute: float) -> float:
        i = math.floor((minute - self.start) / self.bin_min)
        return self.rates[i] if 0 <= i < len(self.rates) else 0.0


@dataclass(frozen=True)
class WaitModel:
    """Everything the forecast assumes. `days` says how many days of history it rests on
    (0: the defaults below, before any history)."""

    services: dict[str, ServiceTime] = field(default_factory=dict)
    walk_min: float = 0.5  # from the call to the start of service
    grace_min: float = 2.0  # from the call to marking a no-show
    leave_at_once: float = 0.02  # share of queue entries gone before any wait
    leave_rate: float = 1 / 150  # per minute waited: the rest leave at this hazard
    requeued_present: float = 0.3  # a requeued no-show who answers the second call
    transfers: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    arrivals: Arrivals = field(default_factory=Arrivals)
    counter_days: dict[str, tuple[CounterDay, ...]] = field(default_factory=dict)
    days: int = 0

    def service(self, service_id: str) -> ServiceTime:
        found = self.services.get(service_id)
        return found if found is not None else ServiceTime.with_mean(DEFAULT_SERVICE_MIN)

    def present(self, waited: float) -> float:
        """The chance that someone who has waited `waited` minutes is still there."""
        return (1.0 - self.leave_at_once) * math.exp(-self.leave_rate * max(waited, 0.0))
