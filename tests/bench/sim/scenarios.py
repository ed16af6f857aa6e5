"""The simulated centres: the true model of each scenario, and its site file.

A scenario is the ground truth the bench draws days from. The site itself (desks, counters,
ordering rules) is written as a real site file and read with server.siteconfig, so the
simulated centre, the replay server and the estimators all see the same configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from server.domain.model import Site
from server.siteconfig import parse_sites

OPENS_MIN = 8 * 60 + 30  # 08:30: counters open, tickets are issued
ISSUE_UNTIL_MIN = 17 * 60  # 17:00: the kiosk stops issuing
BIN_MIN = 15.0
BINS = int((ISSUE_UNTIL_MIN - OPENS_MIN) / BIN_MIN)  # 34 quarter hours


@dataclass(frozen=True)
class Desk:
    id: str
    name: str
    mean_min: float  # service time, lognormal
    cv: float
    organisation: str = "hellowork"
    numbers: tuple[int, int] = (1, 299)


@dataclass(frozen=True)
class Window:
    """A counter, its desks and calling rule, and its planned pauses (start, minutes)."""

    number: int
    desks: tuple[str, ...]
    mode: str = "weighted"
    weights: tuple[tuple[str, float], ...] = ()
    breaks: tuple[tuple[float, float], ...] = ()
    opens: float = OPENS_MIN


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    desks: tuple[Desk, ...]
    windows: tuple[Window, ...]
    visitors_per_day: float
    profile: tuple[float, ...]  # relative arrival rate per quarter hour from 08:30
    visits: tuple[tuple[tuple[str, ...], float], ...]  # what visitors choose, with shares
    priority_share: float
    patience_mean_min: float  # exponential, per wait
    away_share: float  # present but away from the waiting room when called (comes back)
    transfers: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    walk_min: tuple[float, float] = (0.2, 0.9)  # call -> start, uniform
    grace_min: tuple[float, float] = (1.5, 2.5)  # call -> no-show, uniform (recall at 1.0)
    break_jitter_min: float = 15.0  # a planned pause starts within ± this
    break_cv: float = 0.12
    # Appointments (予約) of one desk: its slots (minute of the day), the share of them
    # booked, the share of bookings that come, and when they come (minutes from the slot).
    appointment_desk: str | None = None
    appointment_slots: tuple[float, ...] = ()
    appointment_share: float = 0.0
    appointment_show: float = 0.9
    appointment_arrival: tuple[float, float] = (-15.0, 5.0)

    @property
    def site_id(self) -> str:
        return self.name.replace("_", "")

    def rates(self) -> list[float]:
        """Arrivals per minute in each quarter hour from 08:30 to 17:00."""
        total = sum(self.profile)
        return [self.visitors_per_day * w / total / BIN_MIN for w in self.profile]

    def site_toml(self) -> str:
        return site_toml(self)

    def site(self) -> Site:
        return parse_sites(self.site_toml(), f"<{self.name}>").sites[0]


def _profile(*pieces: tuple[int, float]) -> tuple[float, ...]:
    """Quarter-hour weights from runs of (count, weight)."""
    out: list[float] = []
    for count, weight in pieces:
        out.extend([weight] * count)
    assert len(out) == BINS, len(out)
    return tuple(out)


JR = Desk("job_referral", "職業相談・職業紹介", 15.0, 0.7, "hellowork", (1, 499))
CO = Desk("career", "キャリア・カウンセリング", 28.0, 0.5, "city", (501, 599))
WE = Desk("welfare", "生活・福祉の相談", 24.0, 0.8, "city", (601, 699))

SMALL_WARD = Scenario(
    name="small_ward",
    summary="a small ward centre: 3 multi-desk counters, ~40 visitors a day, mild morning "
            "bump, staggered lunches",
    desks=(JR, CO, WE),
    windows=(
        Window(1, ("job_referral", "career"), breaks=((11 * 60 + 45, 45), (15 * 60, 15))),
        Window(2, ("job_referral", "career"), breaks=((12 * 60 + 30, 45), (15 * 60 + 20, 15))),
        Window(3, ("welfare", "career", "job_referral"), mode="ordered",
               breaks=((12 * 60, 60),)),
    ),
    visitors_per_day=36,
    profile=_profile((2, 2.0), (6, 1.4), (8, 1.0), (4, 0.7), (14, 0.9)),
    visits=((("job_referral",), 0.55), (("career",), 0.20), (("welfare",), 0.12),
            (("career", "job_referral"), 0.08), (("job_referral", "welfare"), 0.05)),
    priority_share=0.03,
    patience_mean_min=150,
    away_share=0.02,
    transfers={"career": (("job_referral", 0.20),), "job_referral": (("welfare", 0.05),)},
)

LARGE_PEAK = Scenario(
    name="large_peak",
    summary="the big Kita centre: 8 counters (6 job referral), ~175 visitors a day with a "
            "strong morning peak and a rush at the door",
    desks=(JR, CO, WE),
    windows=(
        Window(1, ("job_referral",), breaks=((11 * 60 + 30, 45),)),
        Window(2, ("job_referral",), breaks=((11 * 60 + 45, 45),)),
        Window(3, ("job_referral",), breaks=((12 * 60, 45),)),
        Window(4, ("job_referral",), breaks=((12 * 60 + 15, 45),)),
        Window(5, ("job_referral",), breaks=((12 * 60 + 30, 45),)),
        Window(6, ("job_referral", "career"), breaks=((12 * 60 + 45, 45),)),
        Window(7, ("career", "job_referral"), mode="ordered", breaks=((12 * 60, 45),)),
        Window(8, ("welfare", "job_referral"), mode="ordered", breaks=((12 * 60 + 30, 45),)),
    ),
    visitors_per_day=165,
    profile=_profile((1, 4.5), (7, 2.1), (4, 1.3), (4, 0.8), (6, 0.9), (8, 0.7), (4, 0.4)),
    visits=((("job_referral",), 0.78), (("career",), 0.08), (("welfare",), 0.06),
            (("career", "job_referral"), 0.05), (("job_referral", "welfare"), 0.03)),
    priority_share=0.03,
    patience_mean_min=100,
    away_share=0.02,
    transfers={"career": (("job_referral", 0.15),), "job_referral": (("welfare", 0.03),)},
)

MID_MULTISKILL = Scenario(
    name="mid_multiskill",
    summary="a mid-size centre: 5 counters with overlapping desks (weighted and ordered), "
            "~85 visitors a day, transfers and multi-desk visits",
    desks=(JR, CO, WE),
    windows=(
        Window(1, ("job_referral",), breaks=((11 * 60 + 30, 45),)),
        Window(2, ("job_referral",), breaks=((12 * 60 + 15, 45),)),
        Window(3, ("job_referral", "career"), weights=(("job_referral", 1.0), ("career", 1.5)),
               breaks=((12 * 60, 45), (15 * 60, 15))),
        Window(4, ("career", "job_referral"), mode="ordered", breaks=((12 * 60 + 45, 45),)),
        Window(5, ("welfare", "career"), mode="ordered", breaks=((12 * 60, 45),)),
    ),
    visitors_per_day=72,
    profile=_profile((2, 2.2), (6, 1.6), (8, 1.0), (4, 0.6), (14, 0.8)),
    visits=((("job_referral",), 0.45), (("career",), 0.25), (("welfare",), 0.12),
            (("career", "job_referral"), 0.10), (("job_referral", "welfare"), 0.05),
            (("career", "welfare"), 0.03)),
    priority_share=0.05,
    patience_mean_min=120,
    away_share=0.03,
    transfers={"career": (("job_referral", 0.25),), "job_referral": (("welfare", 0.08),),
               "welfare": (("job_referral", 0.05),)},
)

MID_APPOINTMENTS = replace(
    MID_MULTISKILL,
    name="mid_appointments",
    summary="the mid-size centre with career counselling by appointment: 30-minute slots "
            "09:00-15:30, ~70% booked, 90% of bookings come (15 min early to 5 min late)",
    appointment_desk="career",
    appointment_slots=tuple(9 * 60 + 30 * k for k in range(14)),
    appointment_share=0.7,
)

SCENARIOS = {s.name: s for s in (SMALL_WARD, LARGE_PEAK, MID_MULTISKILL, MID_APPOINTMENTS)}

HEADER = """\
[defaults]
timezone = "Asia/Tokyo"
day_starts_at = "04:00"
no_show = "requeue_once"
priority_ratio = [2, 1]
max_wait_boost_minutes = 60
outcomes = [
  { code = "consult_only", label = "相談のみ" },
  { code = "referral_issued", label = "紹介状発行" },
]

[[devices]]
id = "admin"
role = "admin"
name = "管理者"
token = "token-admin-000"
"""


def site_toml(s: Scenario) -> str:
    """The scenario's site file: the same one the replay server is started with."""
    parts = [HEADER]
    for desk in s.desks:
        parts.append(f'\n[services.{desk.id}]\nname = "{desk.name}"\n'
                     f'organisation = "{desk.organisation}"\n'
                     f"numbers = [{desk.numbers[0]}, {desk.numbers[1]}]\n")
        if desk.id == s.appointment_desk:
            parts.append("booking = { slot_minutes = 30 }\n")
    ids = ", ".join(f'"{d.id}"' for d in s.desks)
    parts.append(f'\n[[sites]]\nid = "{s.site_id}"\nname = "{s.summary[:40]}"\n'
                 f'ward = "北区"\nservices = [{ids}]\n')
    if s.appointment_desk:
        parts.append("appointments = { walk_in_bound_minutes = 30 }\n")
    for w in s.windows:
        desks = ", ".join(f'"{d}"' for d in w.desks)
        parts.append(f'\n[[sites.counters]]\nid = "{s.site_id}-c{w.number}"\n'
                     f'name = "窓口{w.number}"\nnumber = {w.number}\nservices = [{desks}]\n'
                     f'mode = "{w.mode}"\n')
        if w.weights:
            pairs = ", ".join(f"{k} = {v}" for k, v in w.weights)
            parts.append(f"weights = {{ {pairs} }}\n")
    parts.append(f'\n[[sites.devices]]\nid = "{s.site_id}-kiosk"\nrole = "kiosk"\n'
                 f'name = "発券機"\ntoken = "token-{s.site_id}-kiosk"\n')
    return "".join(parts)
