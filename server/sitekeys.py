"""The site file's keys, each declared once: what it means and what holds when it is left out.

`server/siteconfig.py` refuses any key of a table that is not declared here, and the site-file
reference (docs/configuration/site-file.md) is generated from these declarations, so a key
cannot be read without being documented, nor documented without being read. Meanings are
Markdown, written for the people who edit a site file.
"""

from __future__ import annotations

from dataclasses import dataclass

REQUIRED = "required"


@dataclass(frozen=True)
class Key:
    """One key of a site-file table."""

    meaning: str
    default: str = REQUIRED  # what holds when the key is left out


ROOT: dict[str, Key] = {
    "defaults": Key(
        "rules every site inherits (time zone, hours, numbering day, ordering, outcomes)",
        "the defaults below",
    ),
    "services": Key(
        "the catalogue of desks, one `[services.<id>]` table each; each site lists "
        "the ones it offers"
    ),
    "sites": Key(
        "one `[[sites]]` table per centre, with its `[[sites.counters]]`, "
        "`[[sites.printers]]` and `[[sites.devices]]`"
    ),
    "devices": Key("credentials that belong to no site: administrators only", "none"),
}

RULES: dict[str, Key] = {
    "timezone": Key('IANA time zone of the site, e.g. `"Asia/Tokyo"`', '`"Asia/Tokyo"`'),
    "day_starts_at": Key(
        'local time `"HH:MM"` when a new business day starts; ticket numbers restart then',
        '`"04:00"`',
    ),
    "hours": Key(
        'opening hours by weekday, `hours.mon` … `hours.sun`, each `"08:30-17:15"`; a '
        "weekday left out is closed",
        "open all day, every day",
    ),
    "closed_dates": Key(
        'dates the site is closed, `["2026-01-01", …]` (TOML dates also work)', "none"
    ),
    "no_show": Key(
        '`"requeue_once"`: a no-show goes back into the queue once, then ends; '
        '`"end"`: it ends at once',
        '`"requeue_once"`',
    ),
    "priority_ratio": Key(
        "`[normal, priority]`, e.g. `[2, 1]`: call 2 normal visitors, then 1 priority visitor",
        "`[2, 1]`",
    ),
    "max_wait_boost_minutes": Key(
        "anyone waiting this many minutes is called first (at least 1)", "`60`"
    ),
    "appointments": Key(
        "`appointments = { public = true, grace_minutes = 10, … }`: the site's rules for "
        "appointments (予約), see `appointments` below",
        "the defaults below",
    ),
    "notify_ahead": Key(
        "a visitor who asked for notifications on their phone is told when this many people "
        "or fewer are ahead (0 to 50)",
        "`3`",
    ),
    "away_grace_minutes": Key(
        "a notified visitor may be away from the waiting room: 不在 is refused until this "
        "many minutes after the call, for someone walking back (0 to 30)",
        "`5`",
    ),
    "alert_escalate_seconds": Key(
        "a staff alert (職員を呼ぶ, お手伝いが必要, a printer at fault) nobody has taken "
        "after this many seconds escalates: louder on the consoles, and on the managers' "
        "dashboard (at least 1)",
        "`120`",
    ),
    "outcomes": Key(
        'ways a stage can end: `{ code = "placement", label = "就職決定", placement '
        "= true }`; `placement` marks a job placement (就職) and is `false` when "
        "left out",
        "none",
    ),
}

SERVICE: dict[str, Key] = {
    "staff_name": Key("the desk's name as staff see it: consoles, reports, the event log"),
    "visitor": Key(
        "the desk as visitors read it, one `[services.<id>.visitor.<language>]` table per "
        "language (see below): the kiosk's button, the ticket screen, the printed ticket and "
        "the phone page all say these words; `ja` is required",
        "required",
    ),
    "organisation": Key('who staffs it: `"hellowork"` (ハローワーク) or `"city"`'),
    "prefix": Key(
        'up to 3 letters put before the number, e.g. `"A"` gives A12; no digits', "no prefix"
    ),
    "numbers": Key("the number band `[first, last]`, from 1 to 9999", "`[1, 999]`"),
    "target_wait": Key("the target wait in minutes (at least 1)", "`20`"),
    "sensitive": Key(
        "`true` for a desk whose name must not be shown in public (生活保護, 住居確保給付金)",
        "`false`",
    ),
    "public_name": Key(
        "a sensitive desk's name on what the whole waiting room shares (displays, the spoken "
        "call, the public status pages) and on a Japanese printed ticket (other languages: "
        "the paper's neutral word); the phone page leaves a sensitive desk out; only the "
        "kiosk's buttons and ticket screen say its visitor label",
        '`"相談窓口"`',
    ),
    "booking": Key(
        "`[services.<id>.booking]`: the desk takes appointments (予約), with these slots "
        "(see `[services.<id>.booking]` below)",
        "no appointments",
    ),
}

VISITOR: dict[str, Key] = {
    "label": Key(
        "the desk's name in that language, as the kiosk's button says it; `ja-easy` "
        "(やさしい日本語) puts a reading over kanji, `{漢字\\|かんじ}`, and a space between "
        "words: a word is never broken across lines"
    ),
    "description": Key("one short line under the kiosk's button", "empty"),
}

# The form site files had before the visitor label: `name` was both the staff's name and,
# for desks the kiosk's language files did not know, the visitors'. Still read; `init` and
# the server say which desks use it.
OLD_SERVICE: dict[str, Key] = {
    "name": Key("old form of `staff_name`; visitors see it in Japanese too"),
    "description": Key("old form of `visitor.ja.description`", "empty"),
    "translations": Key(
        "old form of `visitor`, for languages other than Japanese: "
        '`translations.en = { label = "Pension advice", description = "…" }`',
        "Japanese",
    ),
}

BOOKING: dict[str, Key] = {
    "slot_minutes": Key("the length of one slot in minutes (at least 5)", "`30`"),
    "per_slot": Key("how many visitors one slot takes", "`1`"),
    "hours": Key(
        'when slots are offered, by weekday like the site\'s `hours` (`hours.mon = '
        '"09:00-16:00"`); a slot ends by the end of its hours',
        "the site's opening hours",
    ),
    "days_ahead": Key("how many days ahead a slot can be booked", "`30`"),
    "walk_in_slots": Key(
        "how many slots' worth of each day are never booked, so that they stay for walk-ins",
        "`0`",
    ),
}

APPOINTMENTS: dict[str, Key] = {
    "public": Key(
        "`true`: visitors may book themselves on the public page (`/book/<site>`); a "
        "sensitive desk is booked by staff only, whatever this says",
        "`false`",
    ),
    "contact": Key(
        "`true`: a booking may give an e-mail address for a reminder the day before (deleted "
        "after the visit); `false`: nothing is asked",
        "`true`",
    ),
    "grace_minutes": Key(
        "minutes after the start of the slot a visitor still counts as on time", "`10`"
    ),
    "late": Key(
        '`"walk_in"`: a visitor later than that joins the queue as a walk-in; `"keep"`: '
        "the appointment still counts",
        '`"walk_in"`',
    ),
    "early_minutes": Key(
        "how many minutes before the slot a visitor may check in at the kiosk (they "
        "wait for their slot)",
        "`120`",
    ),
    "walk_in_bound_minutes": Key(
        "a walk-in who has waited this many minutes is called before an appointment that is "
        "due (so appointments never keep walk-ins waiting longer)",
        "`30`",
    ),
    "names_in_calendar": Key(
        "`true`: staff's calendar feeds name a sensitive desk; `false`: they say 「相談」",
        "`false`",
    ),
}

TRANSLATION: dict[str, Key] = {
    "label": Key("the desk's name in that language (old form of `visitor.<language>.label`)"),
    "description": Key("the short explanation in that language", "empty"),
}

SITE: dict[str, Key] = {
    "id": Key("the site's id"),
    "name": Key("the centre's name, as tickets and screens show it"),
    "ward": Key("the ward (区) it is in"),
    "services": Key("the desks this site offers, ids from the catalogue"),
    "areas": Key(
        'waiting areas, each with its own displays, e.g. `["main", "welfare"]`', '`["main"]`'
    ),
    "counters": Key("the windows of the site: `[[sites.counters]]`", "none"),
    "devices": Key("the site's kiosks, displays and credentials: `[[sites.devices]]`", "none"),
    "printers": Key("the ticket printers of the site: `[[sites.printers]]`", "none"),
    "service_overrides": Key(
        "`[sites.service_overrides.<id>]` changes one offered desk at this "
        "site only: `target_wait`, `numbers`, `prefix`",
        "catalogue values",
    ),
    "notice": Key(
        "one line the site's waiting-room displays show at the bottom, e.g. "
        '`"本日の受付は16時までです。"` (at most 80 characters, no line breaks)',
        "no notice line",
    ),
    "targets": Key(
        "`[sites.targets]`: the city's yearly targets for the centre", "no targets shown"
    ),
    "reception_counters": Key(
        "ids of the counters whose consoles show staff alerts (a kiosk's 職員を呼ぶ, a "
        'printer at fault), e.g. `["c1"]`; escalated alerts show on every console',
        "every counter",
    ),
}

SERVICE_OVERRIDE: dict[str, Key] = {
    "target_wait": Key("this site's target wait for the desk, in minutes", "the catalogue's"),
    "numbers": Key("this site's number band for the desk", "the catalogue's"),
    "prefix": Key("this site's prefix for the desk", "the catalogue's"),
}

TARGETS: dict[str, Key] = {
    "visitors": Key("visitors a fiscal year, the city's target (a whole number)", "not shown"),
    "placements": Key("job placements a fiscal year, the city's target", "not shown"),
    "visitors_now": Key("the visitors' run rate the target was set against", "not shown"),
    "placements_now": Key("the placements' run rate the target was set against", "not shown"),
}

COUNTER: dict[str, Key] = {
    "id": Key("the counter's id"),
    "name": Key("its staff-facing name; the public sees the counter only as 「N番窓口」"),
    "number": Key("the window number, unique within the site"),
    "area": Key("the waiting area whose displays show its calls", "the site's first area"),
    "services": Key("the desks this window serves, in order"),
    "mode": Key('`"weighted"` or `"ordered"` (see the queue rules)', '`"weighted"`'),
    "weights": Key(
        "for weighted counters: `{ job_referral = 1.0, job_search = 0.5 }`, each "
        "above 0; an ordered counter takes none",
        "every weight 1",
    ),
}

PRINTER: dict[str, Key] = {
    "id": Key("the printer's id"),
    "name": Key("the name staff screens show", "the id"),
    "url": Key(
        "where it is: `tcp://` (`network://` is the same), `usb://`, `serial://`, `file://`, "
        "`cups://` or `memory://` (see the printers page)"
    ),
    "commands": Key(
        '`"escpos"` (Epson ESC/POS, and printers emulating it, Star in ESC/POS mode '
        'included) or `"star"` (Star\'s own command set: Star Line mode, StarPRNT, Star '
        "Graphic mode)",
        '`"escpos"`',
    ),
    "width": Key(
        "paper width in dots: `512` (80 mm paper at 180 dpi, e.g. Epson TM-T88) or "
        "`576` (80 mm at 203 dpi, e.g. TM-T20, TM-m30, Star TSP100/TSP650)",
        "`512`",
    ),
    "confirm": Key(
        '`"gs_r"`: ask the printer\'s state before sending and for a confirmation '
        'after the cut (GS r on ESC/POS, ETB on Star); `"none"`: for a printer that '
        "cannot answer (a device file and a CUPS queue never confirm whatever this says)",
        '`"gs_r"`',
    ),
    "connect_timeout": Key("seconds to wait for a connection (above 0, at most 60)", "`3`"),
    "status_timeout": Key("seconds to wait for a status answer (above 0, at most 60)", "`2`"),
    "stall_timeout": Key(
        "seconds a printer may take no data while a ticket is being sent before the ticket "
        "is given up (a slow printer that keeps taking data is not; above 0, at most 60)",
        "`5`",
    ),
    "confirm_timeout": Key(
        "seconds to wait for the confirmation once everything is sent, on top of what a "
        "serial line needs to carry it (above 0, at most 60)",
        "`10`",
    ),
    "job_timeout": Key(
        "seconds one ticket may take in all, however slowly it moves (above 0, at most 600; "
        "longer when a serial line needs more)",
        "`120`",
    ),
}

DEVICE: dict[str, Key] = {
    "id": Key("the device's id"),
    "role": Key(
        "`kiosk`, `display`, `staff` or `manager` in `[[sites.devices]]`; `admin` only "
        "in top-level `[[devices]]`"
    ),
    "name": Key("a name for people"),
    "token": Key(
        "a fixed token (at least 8 characters, no spaces); a fixed token is never printed",
        "`init` makes one and prints it once",
    ),
    "area": Key(
        "displays only: the area whose calls it shows", "its counter's area, else the first area"
    ),
    "counter": Key(
        "displays: show only this counter (the small screen above one window); "
        "staff: the console's home counter",
        "none",
    ),
    "printers": Key(
        "kiosks only: the site's printer ids it prints on, in failover order",
        "none: the kiosk prints nothing",
    ),
    "show_sensitive": Key(
        "displays of an area only (one in a welfare corner): the site's sensitive desks whose "
        "waiting figures (people waiting, estimated wait) it shows, under the desks' Japanese "
        "labels for visitors; no other display is ever sent them",
        "none: like every display, it shows no sensitive desk",
    ),
}

# The tables of the file, in the order the reference shows them: (heading, keys).
TABLES: dict[str, dict[str, Key]] = {
    "the file": ROOT,
    "[defaults], and the same keys on a site": RULES,
    "[services.<id>]": SERVICE,
    "[services.<id>.visitor.<language>]": VISITOR,
    "[services.<id>], the old form": OLD_SERVICE,
    "[services.<id>.translations.<language>]": TRANSLATION,
    "[services.<id>.booking]": BOOKING,
    "appointments = { … }": APPOINTMENTS,
    "[[sites]]": SITE,
    "[sites.service_overrides.<id>]": SERVICE_OVERRIDE,
    "[sites.targets]": TARGETS,
    "[[sites.counters]]": COUNTER,
    "[[sites.printers]]": PRINTER,
    "[[sites.devices]] and [[devices]]": DEVICE,
}
