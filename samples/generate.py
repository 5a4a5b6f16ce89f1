#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog. The data it writes is synthetic (no real person, number,
# address or account is in it) and is distributed with journeylog under the same licence.
"""Generate journeylog's bundled telecom sample: a broadband journey seen through six raw exports.

Run it from the repository root::

    .venv/bin/python samples/generate.py

It (re)writes everything in ``samples/telecom/``: one raw export per channel, each keyed by its
own kind of customer identity, the CRM identity table that links them, the ingest source map
(``sources.yaml``) and the designed journey (``designed_journey.bpmn``). See ``samples/README.md``
for the story and the troubles planted in the data.

The generator is deterministic: one ``random.Random`` with a fixed seed, no clock, no hashing of
sets, fixed line endings, and a hand-written Europe/London rule (so the output does not depend on
the machine's time-zone database). Running it twice gives byte-identical files.

Only the standard library is used.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SEED = 20260301
OUT = Path(__file__).resolve().parent / "telecom"

UTC = UTC
EXPORT_START = datetime(2026, 1, 1, tzinfo=UTC)
EXPORT_END = datetime(2026, 7, 1, tzinfo=UTC)  # exports were cut at 1 July 2026 00:00 UTC
ORDERS_FROM = datetime(2026, 1, 2, tzinfo=UTC)
ORDERS_TO = datetime(2026, 5, 15, tzinfo=UTC)

N_CUSTOMERS = 3000  # customers with a broadband journey in the window
N_CRM_ONLY = 150  # customers in the CRM table who did nothing in the window

# The call-centre system exports Windows-1252 (the pound sign in agent notes is byte 0xA3).
CALL_CENTRE_ENCODING = "cp1252"

# Activity names. A designed step has the same name on whichever channel it happens.
PLACE_ORDER = "Place order"
IDENTITY_CHECK = "Identity check"
SCHEDULE = "Schedule appointment"
ROUTER = "Router delivered"
INSTALL = "Installation completed"
FIRST_BILL = "First bill issued"
DESIGNED = [PLACE_ORDER, IDENTITY_CHECK, SCHEDULE, ROUTER, INSTALL, FIRST_BILL]
# Other activities.
TRACK_ORDER = "Track order"  # self-service (web/app)
VIEW_BILL = "View bill"  # self-service (web/app)
REPORT_FAULT = "Report fault"  # self-service (web/app)
ORDER_CANCELLED = "Order cancelled"  # back office
FAULT_REPAIRED = "Fault repaired"  # field engineer
STORE_ENQUIRY = "Store: enquiry"

# Contact topics: (suffix of the call wrap-up / chat topic, contact reason offered in the IVR/chat menu)
TOPICS = {
    "payment": ("payment problem", "Payment problem"),
    "identity": ("identity check help", "Identity check help"),
    "appointment": ("appointment", "Appointment"),
    "status": ("order status", "Order status"),
    "delivery": ("router delivery", "Delivery"),
    "bill": ("question about first bill", "Billing question"),
    "fault": ("technical fault", "Technical fault"),
    "move": ("moving house", "Moving house"),
}
QUEUES = {
    "Payment problem": "Orders", "Identity check help": "Orders", "Appointment": "Orders",
    "Order status": "Orders", "Delivery": "Orders", "Billing question": "Billing",
    "Technical fault": "Tech support", "Moving house": "Moves", "New order": "Sales",
}

FIRST_NAMES = ["Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Muhammad", "Thomas", "Oscar", "William", "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan", "Isaac", "Alexander", "Joseph", "Edward", "Samuel", "Max", "Daniel", "Arthur", "Lucas", "Mohammed", "Logan", "Theo", "Harrison", "Benjamin", "Mason", "Sebastian", "Finley", "Adam", "Dylan", "Zachary", "Riley", "Teddy", "Theodore", "David", "Elijah", "Jake", "Toby", "Louie", "Reuben", "Arlo", "Hugo", "Luca", "Jaxon", "Matthew", "Harvey", "Reggie", "Michael", "Tommy", "Jenson", "Olivia", "Amelia", "Isla", "Ava", "Emily", "Isabella", "Mia", "Poppy", "Ella", "Lily", "Sophia", "Grace", "Evie", "Sophie", "Jessica", "Ivy", "Freya", "Harper", "Charlotte", "Florence", "Willow", "Daisy", "Alice", "Sienna", "Chloe", "Phoebe", "Evelyn", "Matilda", "Elsie", "Rosie", "Ruby", "Layla", "Millie", "Eva", "Esme", "Maya", "Zara", "Imogen", "Aria", "Ellie", "Erin", "Holly", "Lucy", "Emma", "Hannah", "Priya", "Aisha", "Fatima", "Amara", "Siobhan", "Niamh", "Aoife", "Ciara", "Rhys", "Dafydd", "Cerys", "Eilidh", "Callum", "Fraser", "Ewan", "Kirsty", "Morag", "Agnieszka", "Piotr", "Tomasz", "Ana", "Joao", "Kwame", "Chidi", "Ngozi", "Ravi", "Sanjay", "Anil", "Deepa", "Mei", "Wei", "Yusuf", "Omar"]
LAST_NAMES = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson", "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins", "Moss", "McCarthy", "Chambers", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Doyle", "Wallace", "George", "Jordan", "Hutchinson", "Rowe", "Burke", "May", "Pritchard", "Gilbert", "Willis", "Higgins", "Read", "Miles", "Stevenson", "Stephenson", "Hammond", "Arnold", "Buckley", "Walters", "Hewitt", "Barber", "Nelson", "Slater", "Austin", "Sullivan", "Whitehead", "Mann", "Frost", "Lambert", "Stephens", "Blake", "Akhtar", "Lynch", "Goodwin", "Barton", "Woodward", "Thomson", "Cunningham", "Quinn", "Barnett", "Baxter", "Bibi", "Clayton", "Nash", "Greenwood", "Jennings", "Holt", "Kemp", "Poole", "Gallagher", "Bond", "Stokes", "Tucker", "Davidson", "Fowler", "Heath", "Norman", "Middleton", "Lees", "Banks", "Kowalski", "Nowak", "Okafor", "Mensah", "Okoye", "Nguyen", "Chen", "Wang", "Zhang", "Li", "Kim", "Costa", "Silva", "Santos", "Ferreira", "Rossi", "Müller", "Dubois"]

PRODUCTS = [("Fibre 150", 0.40), ("Fibre 500", 0.42), ("Full Fibre 900", 0.18)]
BROWSERS = [("Chrome", 0.52), ("Safari", 0.27), ("Edge", 0.13), ("Firefox", 0.06), ("Samsung Internet", 0.02)]
STORES = ["Leeds Briggate", "Manchester Arndale", "Bristol Cabot Circus", "Glasgow Buchanan St",
          "Cardiff Queen St", "Birmingham Bullring", "London Oxford St", "Newcastle Northumberland St"]
CHAT_AGENTS = ["Amira", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Grace", "Hamza", "Isla", "Jonah",
               "Kasia", "Liam", "Maya", "Niall", "Orla", "Pavel", "Rosa", "Sam", "Tariq", "Zoë"]
STORE_STAFF = ["S-104", "S-117", "S-122", "S-131", "S-145", "S-152", "S-160", "S-178", "S-183", "S-199"]

# Fictional UK numbers: Ofcom keeps these ranges for drama, so none reaches a real person.
PHONE_RANGES = [
    "+447700900",  # mobile 07700 900xxx
    "+441134960", "+441144960", "+441154960", "+441164960", "+441174960", "+441184960",
    "+441214960", "+441314960", "+441414960", "+441514960", "+441614960", "+442079460",
    "+441914980", "+442896496", "+442920180", "+441632960",
]
EMAIL_DOMAINS = [("example.com", 0.55), ("example.org", 0.25), ("example.net", 0.20)]


# --------------------------------------------------------------------------------------------
# Time: Europe/London by rule (GMT, BST from the last Sunday of March to the last Sunday of
# October, both switching at 01:00 UTC). Internally every time is an aware UTC datetime.


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return d - timedelta(days=(d.weekday() - 6) % 7)


def london_offset(t: datetime) -> timedelta:
    start = datetime.combine(_last_sunday(t.year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(t.year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return timedelta(hours=1) if start <= t < end else timedelta(0)


def local(t: datetime) -> datetime:
    """Naive Europe/London wall-clock time of an aware UTC time."""
    return (t + london_offset(t)).replace(tzinfo=None)


def from_local(naive: datetime) -> datetime:
    """UTC time of a London wall-clock time (a wall time skipped by the spring change moves on an hour)."""
    guess = naive.replace(tzinfo=UTC)
    t = guess - london_offset(guess - timedelta(hours=1))
    return t


def fmt_iso_offset(t: datetime) -> str:
    off = london_offset(t)
    hours = int(off.total_seconds() // 3600)
    return (t + off).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S") + f"+{hours:02d}:00"


def fmt_utc_z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(t: datetime) -> int:
    delta = t - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


# --------------------------------------------------------------------------------------------
# Model


@dataclass
class Customer:
    cid: str
    first: str
    last: str
    login: str | None
    phones: list[str]
    email: str | None
    account: str
    digital: str  # preferred self-service channel: web or app
    browser: str
    platform: str  # ios / android
    product: str


@dataclass
class Event:
    t: datetime
    channel: str  # web, app, phone, chat, store, backoffice, field
    activity: str
    outcome: str | None = None  # success / failure (None: not applicable)
    reason: str | None = None
    score: int | None = None
    text: str | None = None
    key: str | None = None  # identity value used in the export
    attrs: dict = field(default_factory=dict)


def weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


class World:
    """Customers, their journeys, and the raw export rows made from them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers: list[Customer] = []
        self.crm_only: list[Customer] = []
        self.events: list[tuple[Customer | None, Event]] = []
        self.used: set[str] = set()  # membership only; never iterated
        self.phone_pool: list[str] = []
        self.unmatched_keys: list[tuple[str, str]] = []  # (kind, value)
        self.journey_seq = 0

    # ---- identities --------------------------------------------------------------------
    def _unique(self, candidate: str, alternatives) -> str:
        if candidate not in self.used:
            self.used.add(candidate)
            return candidate
        for alt in alternatives:
            if alt not in self.used:
                self.used.add(alt)
                return alt
        raise RuntimeError("ran out of unique identities")

    def _phone(self) -> str:
        return self.phone_pool.pop()

    def make_customers(self) -> None:
        rng = self.rng
        pool = [f"{prefix}{n:03d}" for prefix in PHONE_RANGES for n in range(1000)]
        rng.shuffle(pool)
        self.phone_pool = pool
        account_numbers = rng.sample(range(1, 1_000_000), N_CUSTOMERS + N_CRM_ONLY)
        customer_numbers = sorted(rng.sample(range(100_000, 1_000_000), N_CUSTOMERS + N_CRM_ONLY))
        order = list(range(N_CUSTOMERS + N_CRM_ONLY))
        rng.shuffle(order)  # customer numbers are not in order of activity
        for i in range(N_CUSTOMERS + N_CRM_ONLY):
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(LAST_NAMES)
            fl = _ascii(first).lower()
            ll = _ascii(last).lower().replace("'", "")
            login = None
            if rng.random() < 0.94:
                yy = rng.randint(50, 99) if rng.random() < 0.5 else rng.randint(0, 12)
                style = rng.random()
                if style < 0.35:
                    base = f"{fl[0]}{ll}{yy:02d}"
                elif style < 0.6:
                    base = f"{fl}.{ll}"
                elif style < 0.8:
                    base = f"{fl}{ll[0]}{rng.randint(1, 999)}"
                else:
                    base = f"{fl}_{ll}"
                login = self._unique(base, (f"{base}{k}" for k in range(1, 99)))
            phones = [self._phone()]
            if rng.random() < 0.18:
                phones.append(self._phone())
            email = None
            if rng.random() < 0.96:
                dom = weighted(rng, EMAIL_DOMAINS)
                local_part = rng.choice([f"{fl}.{ll}", f"{fl}{ll}", f"{fl[0]}.{ll}", f"{fl}.{ll}{rng.randint(1, 99)}"])
                email = self._unique(f"{local_part}@{dom}", (f"{local_part}{k}@{dom}" for k in range(2, 99)))
            c = Customer(
                cid=f"CUS-{customer_numbers[order[i]]}",
                first=first, last=last, login=login, phones=phones, email=email,
                account=f"ACC-{account_numbers[i]:06d}",
                digital="app" if rng.random() < 0.42 else "web",
                browser=weighted(rng, BROWSERS),
                platform="ios" if rng.random() < 0.48 else "android",
                product=weighted(rng, PRODUCTS),
            )
            (self.customers if i < N_CUSTOMERS else self.crm_only).append(c)
        # Awkward but valid logins: "NA" is a real login (not a missing value); "007" and "7"
        # belong to two different customers.
        for c, login in zip(self.customers[10:13], ["NA", "007", "7"]):
            c.login = login

    # ---- journeys ----------------------------------------------------------------------
    def run(self) -> None:
        for c in self.customers:
            t0 = ORDERS_FROM + timedelta(seconds=self.rng.uniform(0, (ORDERS_TO - ORDERS_FROM).total_seconds()))
            j = Journey(self, c)
            j.order_journey(t0)
            end = j.last_t
            if end is None:
                continue
            r = self.rng.random()
            if r < 0.13:  # a second journey, well after the first ended
                t1 = end + timedelta(days=self.rng.uniform(36, 140))
                if t1 < EXPORT_END - timedelta(days=4):
                    j2 = Journey(self, c)
                    if self.rng.random() < 0.62:
                        j2.fault_journey(t1)
                    else:
                        j2.move_journey(t1)
        # A few prospects and one-off callers who are not (yet) customers: unmatched keys.
        for _ in range(9):
            t = EXPORT_START + timedelta(days=self.rng.uniform(3, 175))
            j = Journey(self, None)
            j.stranger_contact(t)


def _ascii(s: str) -> str:
    return s.replace("ü", "u").replace("ë", "e")


class Journey:
    def __init__(self, world: World, c: Customer | None) -> None:
        self.w = world
        self.rng = world.rng
        self.c = c
        self.pain = 0  # failures and repeated contacts so far: satisfaction drops with it
        self.last_t: datetime | None = None
        self.stopped = False
        self.work_order = f"WO-{world.rng.randint(1_000_000, 9_999_999)}"

    # ---- time helpers ------------------------------------------------------------------
    def in_hours(self, t: datetime, open_h: float, close_h: float, sundays: bool = True) -> datetime:
        """Move t forward into opening hours (London wall clock)."""
        for _ in range(10):
            lt = local(t)
            hour = lt.hour + lt.minute / 60
            if (sundays or lt.weekday() != 6) and open_h <= hour < close_h:
                return t
            if hour >= close_h or (not sundays and lt.weekday() == 6):
                nxt = (lt + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            else:
                nxt = lt.replace(hour=0, minute=0, second=0, microsecond=0)
            opening = nxt + timedelta(hours=open_h, minutes=self.rng.uniform(0, 150))
            t = from_local(opening)
        return t

    def self_service_time(self, t: datetime) -> datetime:
        return self.in_hours(t, 6.5, 23.5)

    # ---- emitting ------------------------------------------------------------------------
    def emit(self, ev: Event) -> Event | None:
        if self.stopped:
            return None
        if self.last_t is not None and ev.t <= self.last_t:
            ev.t = self.last_t + timedelta(minutes=self.rng.uniform(6, 40))
        if ev.t >= EXPORT_END:  # happens after the export: the journey is still in flight
            self.stopped = True
            return None
        self.last_t = ev.t
        self.w.events.append((self.c, ev))
        return ev

    def score(self) -> int:
        if self.pain == 0:
            weights = [2, 3, 10, 38, 47]
        elif self.pain == 1:
            weights = [14, 22, 30, 22, 12]
        else:
            weights = [42, 28, 16, 9, 5]
        return self.rng.choices([1, 2, 3, 4, 5], weights=weights, k=1)[0]

    def self_service(self, t: datetime, activity: str, ok: bool = True, channel: str | None = None,
                     error: str | None = None, **attrs) -> tuple[datetime, str]:
        c = self.c
        assert c is not None
        if c.login is None:  # cannot use the portal or the app
            return t, "phone"
        ch = channel or c.digital
        if ch == "app" and self.rng.random() < 0.12:
            ch = "web"  # channel switching within the journey
        elif ch == "web" and self.rng.random() < 0.08:
            ch = "app"
        t = self.self_service_time(t)
        ev = Event(t, ch, activity, "success" if ok else "failure", attrs=dict(attrs))
        if error:
            ev.attrs["error_code"] = error
        if ch == "app" and self.rng.random() < (0.10 if ok else 0.25):
            ev.score = self.score()
        self.emit(ev)
        return (self.last_t or t), ch

    def backoffice(self, t: datetime, activity: str, ok: bool = True, detail: str = "",
                   channel: str = "backoffice") -> datetime:
        self.emit(Event(t, channel, activity, "success" if ok else "failure",
                        attrs={"detail": detail, "work_order": self.work_order}))
        return self.last_t or t

    def contact(self, t: datetime, topic: str, prefer: str | None = None, repeat_of: str | None = None,
                wrap_up: str | None = None, reason: str | None = None, note: str | None = None) -> datetime:
        """The customer calls or chats about `topic`; returns the time the contact ended."""
        rng = self.rng
        c = self.c
        suffix, default_reason = TOPICS[topic]
        ch = prefer or repeat_of or ("chat" if rng.random() < 0.36 else "phone")
        if ch == "chat" and (c is None or c.email is None):
            ch = "phone"
        reason = reason or default_reason
        if ch == "phone":
            if rng.random() < 0.08 and not wrap_up:
                reason = "Order status" if topic not in ("bill", "fault", "move") else reason  # picked the wrong IVR option
            t = self.in_hours(t, 8, 20, sundays=False)
            handle = int(min(3600, max(45, rng.lognormvariate(5.9 + 0.25 * self.pain, 0.5))))
            ev = Event(t, "phone", wrap_up or f"Call: {suffix}", None, reason=reason,
                       text=note or call_note(rng, wrap_up or topic, self),
                       attrs={"handle_time_s": handle})
            if rng.random() < 0.38:
                ev.score = self.score()
            self.emit(ev)
            end = (self.last_t or t) + timedelta(seconds=handle)
        else:
            t = self.in_hours(t, 8, 22)
            dur = int(min(3600, max(60, rng.lognormvariate(6.2 + 0.2 * self.pain, 0.45))))
            ev = Event(t, "chat", f"Chat: {suffix}", None, reason=reason,
                       text=chat_message(rng, topic), attrs={"duration_s": dur})
            if rng.random() < 0.55:
                ev.score = self.score()
            self.emit(ev)
            end = (self.last_t or t) + timedelta(seconds=dur)
        return end + timedelta(minutes=rng.uniform(3, 15))

    def contacts(self, t: datetime, topic: str, p_repeat: float = 0.25, **kw) -> datetime:
        """One contact, sometimes repeated about the same thing (the first did not resolve it)."""
        ch = "chat" if self.rng.random() < 0.36 else "phone"
        end = self.contact(t, topic, prefer=kw.pop("prefer", None) or ch, **kw)
        if self.rng.random() < p_repeat:
            self.pain += 1
            again = ch if self.rng.random() < 0.7 else ("phone" if ch == "chat" else "chat")
            end = self.contact(end + timedelta(hours=self.rng.uniform(1, 52)), topic, prefer=again, **kw)
        return end

    # ---- stories -------------------------------------------------------------------------
    def order_journey(self, t0: datetime) -> None:
        rng = self.rng
        c = self.c
        assert c is not None
        # 1. Place order ---------------------------------------------------------------
        if c.login is None:
            order_ch = "phone" if rng.random() < 0.7 else "store"
        elif c.login in ("NA", "007", "7"):
            order_ch = c.digital
        else:
            order_ch = weighted(rng, [(c.digital, 0.86), ("phone", 0.09), ("store", 0.05)])
        t = t0
        if order_ch in ("web", "app"):
            if rng.random() < 0.06:  # payment fails at checkout
                code = weighted(rng, [("PAYMENT_DECLINED", 0.6), ("3DS_TIMEOUT", 0.3), ("GATEWAY_ERROR", 0.1)])
                t, ch = self.self_service(t, PLACE_ORDER, ok=False, channel=order_ch, error=code, product=c.product)
                self.pain += 1
                r = rng.random()
                if r < 0.35:  # tries again a few minutes later
                    t, _ = self.self_service(t + timedelta(minutes=rng.uniform(2, 25)), PLACE_ORDER,
                                             channel=ch, product=c.product)
                elif r < 0.60:  # calls; the agent takes the order and the payment by phone
                    t = self.contact(t + timedelta(hours=rng.uniform(0.3, 20)), "payment", prefer="phone",
                                     wrap_up=PLACE_ORDER, reason="Payment problem",
                                     note=rng.choice(["Card declined online; took payment over phone, order placed",
                                                      "Checkout error on portal; order placed by agent",
                                                      "3-D Secure failed twice online; order taken by phone"]))
                elif r < 0.85:  # calls or chats about it, then orders again online
                    end = self.contacts(t + timedelta(hours=rng.uniform(0.3, 20)), "payment", p_repeat=0.15)
                    t, _ = self.self_service(end + timedelta(minutes=rng.uniform(10, 600)), PLACE_ORDER,
                                             channel=ch, product=c.product)
                else:  # gives up
                    return
            else:
                t, ch = self.self_service(t, PLACE_ORDER, channel=order_ch, product=c.product)
        elif order_ch == "phone":
            t = self.contact(t, "status", prefer="phone", wrap_up=PLACE_ORDER, reason="New order")
        else:
            t = self.in_hours(t, 9, 19)
            self.emit(Event(t, "store", PLACE_ORDER, attrs={"store": rng.choice(STORES)}))
            t = self.last_t or t
        if self.stopped:
            return
        t_order = t

        # Some orders are simply cancelled by the customer a few days later.
        if rng.random() < 0.015:
            self.backoffice(t + timedelta(days=rng.uniform(0.5, 6)), ORDER_CANCELLED,
                            detail=rng.choice(["customer cancelled: found a better deal", "cooling-off cancellation",
                                               "customer cancelled: no reason given"]))
            return

        # 2. Identity check ------------------------------------------------------------
        skip_id = order_ch == "app" and rng.random() < 0.15  # existing mobile customers: ID already known
        if not skip_id:
            r = rng.random()
            p_upload_fail = 0.065
            if order_ch == "web" and c.browser == "Safari":
                p_upload_fail = 0.13  # iPhone photos (HEIC) are refused by the upload page
            if order_ch in ("web", "app") and r < p_upload_fail:
                code = "UNSUPPORTED_FILE_TYPE" if c.browser == "Safari" and rng.random() < 0.7 else \
                    weighted(rng, [("UPLOAD_TIMEOUT", 0.5), ("FILE_TOO_LARGE", 0.3), ("UNSUPPORTED_FILE_TYPE", 0.2)])
                t, _ = self.self_service(t + timedelta(minutes=rng.uniform(2, 50)), IDENTITY_CHECK, ok=False,
                                         channel=order_ch, error=code)
                self.pain += 1
                end = self.contacts(t + timedelta(hours=rng.uniform(0.5, 26)), "identity", p_repeat=0.28)
                if rng.random() < 0.13:  # drops out
                    if rng.random() < 0.5:
                        self.backoffice(end + timedelta(days=rng.uniform(5, 14)), ORDER_CANCELLED,
                                        detail="identity not verified within 14 days")
                    return
                t = self.backoffice(self.in_hours(end + timedelta(hours=rng.uniform(0.5, 30)), 8, 18, sundays=False),
                                    IDENTITY_CHECK, detail="verified manually by agent")
            elif r < p_upload_fail + 0.03:  # the document is rejected by the back office
                t = self.backoffice(t + timedelta(hours=rng.uniform(0.2, 8)), IDENTITY_CHECK, ok=False,
                                    detail=rng.choice(["document expired", "document unreadable",
                                                       "name does not match order"]))
                self.pain += 1
                end = self.contacts(t + timedelta(hours=rng.uniform(1, 30)), "identity", p_repeat=0.2)
                t = self.backoffice(self.in_hours(end + timedelta(hours=rng.uniform(1, 48)), 8, 18, sundays=False),
                                    IDENTITY_CHECK, detail="new document accepted")
            else:
                t = self.backoffice(t + timedelta(minutes=rng.uniform(2, 300)), IDENTITY_CHECK,
                                    detail=rng.choice(["passport verified", "driving licence verified",
                                                       "credit file match"]))
        if self.stopped:
            return

        # 3-4. Schedule appointment, router delivered ------------------------------------
        sched_ch = order_ch if order_ch in ("web", "app") else (c.digital if c.login and rng.random() < 0.55 else "phone")
        t_router = self.in_hours(t_order + timedelta(days=rng.uniform(1.5, 5.5)), 8, 19, sundays=False)
        router_first = rng.random() < 0.05  # customer only books after the router has arrived
        if router_first:
            t_sched_plan = t_router + timedelta(hours=rng.uniform(2, 80))
            t = self.router(t_router)
            if self.stopped:
                return
        else:
            t_sched_plan = t + timedelta(hours=rng.uniform(0.2, 40))
        if rng.random() < 0.035:  # wants to know where things are
            if rng.random() < 0.5:
                self.self_service(t + timedelta(hours=rng.uniform(2, 48)), TRACK_ORDER)
            else:
                self.contact(t + timedelta(hours=rng.uniform(2, 48)), "status")
            t_sched_plan = max(t_sched_plan, (self.last_t or t) + timedelta(hours=rng.uniform(0.5, 20)))
        t = self.schedule(t_sched_plan, sched_ch)
        if self.stopped:
            return
        if not router_first:
            t = self.router(max(t_router, t + timedelta(hours=rng.uniform(2, 30))))
            if self.stopped:
                return

        # 5. Installation --------------------------------------------------------------------
        t_install = max(self.t_appointment, t + timedelta(hours=12))
        if rng.random() < 0.035:  # wants to know where things are
            if rng.random() < 0.45:
                self.self_service(t + timedelta(hours=rng.uniform(2, 48)), TRACK_ORDER)
            else:
                self.contact(t + timedelta(hours=rng.uniform(2, 48)), "status")
            t_install = max(t_install, (self.last_t or t) + timedelta(days=1))
        t_install = self.install_slot(t_install)
        if rng.random() < 0.045:  # the engineer cannot finish: no access, line fault
            self.backoffice(t_install, INSTALL, ok=False, channel="field",
                            detail=rng.choice(["NO_ACCESS: customer not in", "LINE_FAULT: needs civils work",
                                               "NO_ACCESS: wrong address on order"]))
            self.pain += 1
            end = self.contacts((self.last_t or t_install) + timedelta(hours=rng.uniform(1, 30)), "appointment",
                                p_repeat=0.2)
            t = self.schedule(end, "phone" if rng.random() < 0.6 else sched_ch, rework=True)
            if self.stopped:
                return
            t_install = self.install_slot(max(self.t_appointment, t + timedelta(hours=12)))
        t = self.backoffice(t_install, INSTALL, channel="field",
                            detail=rng.choice(["router connected, line test passed", "ONT fitted, speed test ok",
                                               "installed; customer shown wifi app"]))
        if self.stopped:
            return

        # 6. First bill ------------------------------------------------------------------------
        bill_day = local(t).date() + timedelta(days=rng.randint(5, 24))
        t_bill = from_local(datetime.combine(bill_day, datetime.min.time()) + timedelta(hours=3, minutes=rng.uniform(0, 110)))
        t = self.backoffice(t_bill, FIRST_BILL, detail=f"£{rng.choice([28.5, 32, 35, 39.99, 45, 52.5, 61.2])} incl. pro-rata")
        if self.stopped:
            return
        if rng.random() < 0.08:  # the first bill puzzles them
            self.contacts(t + timedelta(hours=rng.uniform(5, 240)), "bill", p_repeat=0.2)
        elif rng.random() < 0.025:
            self.self_service(t + timedelta(hours=rng.uniform(5, 200)), VIEW_BILL)
        if c.login is not None and rng.random() < 0.02 and self.last_t is not None:
            self.emit(Event(self.last_t + timedelta(days=rng.uniform(1, 12)), "store", STORE_ENQUIRY,
                            attrs={"store": rng.choice(STORES)}))

    t_appointment: datetime = EXPORT_START

    def schedule(self, t: datetime, ch: str, rework: bool = False) -> datetime:
        """Book the installation appointment (self-service or by phone); sets self.t_appointment."""
        rng = self.rng
        c = self.c
        assert c is not None
        lead = timedelta(days=rng.uniform(3, 13))
        if ch in ("web", "app"):
            p_fail = 0.055
            app_bug = ch == "app" and datetime(2026, 3, 16, tzinfo=UTC) <= t < datetime(2026, 4, 7, tzinfo=UTC)
            if app_bug:
                p_fail = 0.30  # app 5.13.0's booking calendar bug
            if rng.random() < p_fail:
                code = "CALENDAR_ERROR" if app_bug else weighted(rng, [("SLOT_UNAVAILABLE", 0.6), ("TIMEOUT", 0.4)])
                t, ch = self.self_service(t, SCHEDULE, ok=False, channel=ch, error=code)
                self.pain += 1
                r = rng.random()
                if r < 0.50:  # calls; the agent books it
                    t = self.contact(t + timedelta(hours=rng.uniform(0.3, 24)), "appointment", prefer="phone",
                                     wrap_up=SCHEDULE, reason="Appointment",
                                     note=rng.choice(["Online booking failed; booked slot by phone",
                                                      "App calendar showed an error; booked appointment for customer",
                                                      "No slots online (error); booked by phone, customer annoyed"]))
                elif r < 0.72:  # chats, then books it in the app/portal as told
                    end = self.contact(t + timedelta(hours=rng.uniform(0.3, 24)), "appointment", prefer="chat")
                    t, _ = self.self_service(end + timedelta(minutes=rng.uniform(5, 300)), SCHEDULE, channel=ch)
                elif r < 0.88:  # tries again later
                    t, _ = self.self_service(t + timedelta(hours=rng.uniform(0.2, 30)), SCHEDULE, channel=ch)
                else:  # gives up; sometimes after a contact
                    if rng.random() < 0.5:
                        self.contact(t + timedelta(hours=rng.uniform(0.5, 24)), "appointment")
                    if rng.random() < 0.5 and self.last_t is not None:
                        self.backoffice(self.last_t + timedelta(days=rng.uniform(7, 20)), ORDER_CANCELLED,
                                        detail="no appointment booked within 21 days")
                    self.stopped = True
                    return t
            else:
                t, ch = self.self_service(t, SCHEDULE, channel=ch)
        else:
            note = "Engineer couldn't finish install; new appointment booked" if rework else None
            t = self.contact(t, "appointment", prefer="phone", wrap_up=SCHEDULE, reason="Appointment", note=note)
        self.t_appointment = t + lead
        if not rework and rng.random() < 0.05:  # reschedules (rework)
            when = t + timedelta(hours=rng.uniform(5, max(6.0, lead.total_seconds() / 3600 - 20)))
            if rng.random() < 0.6 and ch in ("web", "app"):
                t, _ = self.self_service(when, SCHEDULE, channel=ch)
            else:
                t = self.contact(when, "appointment", prefer="phone", wrap_up=SCHEDULE, reason="Appointment",
                                 note=rng.choice(["Cust wants earlier date; rebooked", "Rebooked appt - customer away that week",
                                                  "Customer asked to move install to a Saturday; rebooked"]))
            self.t_appointment = max(self.t_appointment, t) + timedelta(days=rng.uniform(2, 9))
        return self.last_t or t

    def router(self, t: datetime) -> datetime:
        rng = self.rng
        t = self.in_hours(t, 8, 19, sundays=False)
        if rng.random() < 0.035:  # courier fails
            self.backoffice(t, ROUTER, ok=False, detail=rng.choice(["courier: no one home, card left",
                                                                    "courier: address not found"]))
            self.pain += 1
            if rng.random() < 0.25:  # collects it in a store
                self.emit(Event((self.last_t or t) + timedelta(days=rng.uniform(1, 3)), "store", ROUTER,
                                attrs={"store": rng.choice(STORES)}))
                return self.last_t or t
            end = self.contacts((self.last_t or t) + timedelta(hours=rng.uniform(2, 30)), "delivery", p_repeat=0.15)
            t = self.in_hours(end + timedelta(days=rng.uniform(1, 3)), 8, 19, sundays=False)
        t = self.in_hours(t, 8, 19, sundays=False)
        return self.backoffice(t, ROUTER, detail=rng.choice(["courier: delivered to customer",
                                                             "courier: left with neighbour",
                                                             "courier: safe place"]))

    def install_slot(self, t: datetime) -> datetime:
        lt = local(t)
        day = lt.date() + timedelta(days=1)
        if day.weekday() == 6:
            day += timedelta(days=1)
        slot = 8 if self.rng.random() < 0.5 else 13
        return from_local(datetime.combine(day, datetime.min.time())
                          + timedelta(hours=slot + self.rng.uniform(1.2, 4.2)))

    def fault_journey(self, t: datetime) -> None:
        rng = self.rng
        c = self.c
        assert c is not None
        if c.login and rng.random() < 0.3:
            t, _ = self.self_service(t, REPORT_FAULT)
            t += timedelta(hours=rng.uniform(0.5, 30))
        self.pain += 1
        end = self.contacts(t, "fault", p_repeat=0.35)
        t_visit = self.install_slot(end + timedelta(days=rng.uniform(0.5, 4)))
        if rng.random() < 0.12:
            self.backoffice(t_visit, FAULT_REPAIRED, ok=False, channel="field", detail="NO_ACCESS: customer not in")
            self.pain += 1
            end = self.contact((self.last_t or t_visit) + timedelta(hours=rng.uniform(2, 30)), "fault")
            t_visit = self.install_slot(end + timedelta(days=rng.uniform(0.5, 3)))
        self.backoffice(t_visit, FAULT_REPAIRED, channel="field",
                        detail=rng.choice(["replaced router", "fixed fault in street cabinet", "re-terminated socket"]))

    def move_journey(self, t: datetime) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            end = self.contact(t, "move")
            t = end + timedelta(days=rng.uniform(0.2, 6))
        self.work_order = f"WO-{rng.randint(1_000_000, 9_999_999)}"
        self.order_journey(t)

    def stranger_contact(self, t: datetime) -> None:
        """Someone with no CRM record asks something (a prospect, a relative)."""
        self.contact(t, self.rng.choice(["status", "fault", "bill"]), prefer="phone",
                     note=self.rng.choice(["Caller asked about an order; no account found under this number",
                                           "Not a customer yet; asked about availability and prices",
                                           "Calling for a relative; could not pass security"]))


# --------------------------------------------------------------------------------------------
# Free text


def call_note(rng: random.Random, what: str, j: Journey) -> str:
    pound = rng.choice(["£5", "£10", "£15"])
    day = rng.choice(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"])
    notes = {
        PLACE_ORDER: ["New order taken by phone; ID docs to follow via upload link",
                      "Cust ordered Fibre 500; sent ID upload link by SMS",
                      "Sale: new line, 24m contract; customer wants install asap",
                      "Order placed - customer doesn't use the website"],
        SCHEDULE: [f"Booked install for {day} AM slot", f"Booked {day} PM slot", "Appointment booked; confirmed by SMS"],
        "payment": ["Card declined at checkout; customer says funds OK; advised to retry or use another card",
                    "3-D Secure timed out twice; talked through retry", "Payment error on portal; raised ticket INC"
                    + str(rng.randint(10000, 99999))],
        "identity": ["Cust can't upload ID – photo rejected; verified passport over phone, passed to back office",
                     "ID upload keeps failing on portal; advised PDF < 5MB; customer frustrated",
                     "2nd call about ID check; escalated to verification team", "Driving licence rejected as expired; asked for passport",
                     "iPhone photo not accepted (HEIC); verified ID manually"],
        "appointment": ["Booking page showed error; customer wants a date", "Asked to change appointment",
                        "Engineer couldn't get access; rebooking requested", "No slots showing online; explained"],
        "status": ["Asked when router arrives; gave courier tracking", "Chasing order; all on track",
                   "Wants install date confirmed"],
        "delivery": [f"Courier missed delivery; rebooked; {pound} credit applied", "Router not arrived; redelivery booked",
                     "Card left but no one called; customer annoyed"],
        "bill": ["First bill higher than expected: pro-rata charge explained", f"Queried set-up fee; {pound} goodwill credit",
                 "Asked why two months on first bill; explained part month + first month in advance",
                 "Direct debit date change requested"],
        "fault": [f"Intermittent drop-outs since {day}; line test shows fault; engineer booked",
                  "No service; router lights red; remote reset didn't help", "Slow speeds in evenings; engineer booked",
                  "2nd call re fault; customer unhappy; escalated"],
        "move": ["Moving house next month; new address order to follow", "Home move: checked availability at new address",
                 "Moving; asked about early termination; explained home move process"],
    }
    text = rng.choice(notes[what])
    if j.pain >= 2 and rng.random() < 0.4:
        text += "; customer very unhappy"
    return text


def chat_message(rng: random.Random, topic: str) -> str:
    messages = {
        "payment": ["Hi, my card keeps getting declined when I try to order broadband but it works everywhere else",
                    "Payment page just spins then says error?", "I got charged but the order page says payment failed!"],
        "identity": ["Hi – I’ve tried to upload my passport three times and it keeps saying upload failed",
                     "Why won’t it accept my driving licence photo?", "The ID upload doesn't work on my iPhone",
                     "Your site says my ID couldn't be verified. What do I do now?",
                     "Bonjour, I’m trying to verify my identity but the page gives an error"],
        "appointment": ["The booking calendar in the app just shows an error", "There are no installation dates available??",
                        "Can I move my engineer appointment please", "I need to change the installation date 🙂"],
        "status": ["Where is my router? Ordered last week", "Hi, can you tell me when my broadband will be installed?",
                   "Just checking my order is still going ahead"],
        "delivery": ["Courier says delivered but I have nothing", "I missed the delivery, can it come on Saturday?"],
        "bill": ["My first bill is much higher than I was quoted", "Why am I paying for 2 months on my first bill?",
                 "Hi, what is the £30 one-off charge on my bill?"],
        "fault": ["Internet keeps dropping every evening", "No internet since this morning, router light is red",
                  "Speeds are way below what I pay for"],
        "move": ["I'm moving house in a few weeks, can I take my broadband with me?"],
    }
    return rng.choice(messages[topic])


# --------------------------------------------------------------------------------------------
# Writing the exports


def _csv_text(header: list[str], rows: list[list], delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _write(name: str, text: str, encoding: str = "utf-8") -> None:
    (OUT / name).write_bytes(text.encode(encoding))


def _with_duplicates(rng: random.Random, rows: list, rate: float) -> tuple[list, int]:
    """The export wrote some rows twice (right after each other)."""
    out = []
    dups = 0
    for row in rows:
        out.append(row)
        if rng.random() < rate:
            out.append(list(row) if isinstance(row, list) else row)
            dups += 1
    return out, dups


def write_exports(w: World) -> dict:
    rng = random.Random(SEED + 1)  # export-level randomness (ids, duplicates) kept apart from the story
    by_channel: dict[str, list[tuple[Customer | None, Event]]] = {}
    for seq, (c, ev) in enumerate(w.events):
        ev.attrs["_seq"] = seq
        by_channel.setdefault(ev.channel, []).append((c, ev))
    for items in by_channel.values():
        items.sort(key=lambda ce: (ce[1].t, ce[1].attrs["_seq"]))
    stats: dict = {"duplicates": {}, "unmatched": {}}
    voice = random.Random(SEED + 2)  # the experience data (web CSAT, NPS, chat tone, plans): apart from the story

    # ---- identity choice per contact -----------------------------------------------------
    unknown_phones: list[str] = []
    unknown_emails: list[str] = []

    def phone_of(c: Customer | None) -> str:
        if c is None or rng.random() < 0.014:  # called from a work phone / a relative's phone
            number = w.phone_pool.pop()
            unknown_phones.append(number)
            return number
        if len(c.phones) > 1 and rng.random() < 0.3:
            return c.phones[1]
        return c.phones[0]

    def email_of(c: Customer | None) -> str:
        if c is None or c.email is None or rng.random() < 0.01:  # typed another address into the chat form
            base = f"{_ascii(c.first).lower()}{rng.randint(100, 999)}" if c else f"guest{rng.randint(1000, 9999)}"
            address = f"{base}@example.net"
            unknown_emails.append(address)
            return address
        return c.email

    # ---- web clickstream ------------------------------------------------------------------
    web_rows = []
    sessions: dict[tuple[str, str], tuple[datetime, str]] = {}
    for c, ev in by_channel.get("web", []):
        assert c is not None and c.login is not None
        last = sessions.get((c.cid, "web"))
        if last is None or ev.t - last[0] > timedelta(minutes=30):
            sid = f"{rng.getrandbits(48):012x}"
        else:
            sid = last[1]
        sessions[(c.cid, "web")] = (ev.t, sid)
        web_rows.append([local(ev.t).strftime("%Y-%m-%d %H:%M:%S"), c.login, sid, ev.activity,
                         "ok" if ev.outcome == "success" else "error", ev.attrs.get("error_code", ""),
                         ev.attrs.get("product", ""), c.browser, web_csat(voice, ev)])
    web_rows, stats["duplicates"]["web_clickstream.csv"] = _with_duplicates(rng, web_rows, 0.006)
    _write("web_clickstream.csv", _csv_text(
        ["event_time", "login", "session_id", "page_event", "result", "error_code", "product", "browser", "page_survey"],
        web_rows))

    # ---- app events -----------------------------------------------------------------------
    lines = []
    for c, ev in by_channel.get("app", []):
        assert c is not None and c.login is not None
        t = ev.t
        version = app_version(t)
        obj = {"event_id": f"evt_{rng.getrandbits(40):010x}", "login": c.login,
               "ts": epoch_ms(t) + rng.randint(0, 999), "action": ev.activity,
               "status": ev.outcome, "app_version": version, "platform": c.platform}
        if "error_code" in ev.attrs:
            obj["error_code"] = ev.attrs["error_code"]
        if "product" in ev.attrs:
            obj["product"] = ev.attrs["product"]
        if ev.score is not None:
            obj["rating"] = ev.score
        lines.append(json.dumps(obj, ensure_ascii=False))
    _write("app_events.jsonl", "\n".join(lines) + "\n")
    stats["rows_app"] = len(lines)

    # ---- call centre ----------------------------------------------------------------------
    call_rows = []
    agents = [f"AG{n:04d}" for n in rng.sample(range(100, 9999), 70)]
    for n, (c, ev) in enumerate(by_channel.get("phone", []), start=1):
        queue = QUEUES.get(ev.reason or "", "Orders")
        call_rows.append([f"CALL-{260000 + n * 7}", phone_of(c), local(ev.t).strftime("%d/%m/%Y %H:%M"), queue,
                          ev.activity, ev.reason or "", "" if ev.score is None else str(ev.score),
                          str(ev.attrs["handle_time_s"]), rng.choice(agents), ev.text or ""])
    call_rows, stats["duplicates"]["call_centre.csv"] = _with_duplicates(rng, call_rows, 0.006)
    _write("call_centre.csv", _csv_text(
        ["call_id", "caller_number", "call_start", "queue", "wrap_up_code", "contact_reason", "csat",
         "handle_time_s", "agent_id", "agent_note"], call_rows, delimiter=";"), encoding=CALL_CENTRE_ENCODING)

    # ---- chat transcripts -----------------------------------------------------------------
    lines = []
    for n, (c, ev) in enumerate(by_channel.get("chat", []), start=1):
        obj = {"chat_id": f"CH{7_300_000 + n * 3}", "customer_email": email_of(c),
               "started_at": fmt_iso_offset(ev.t), "topic": ev.activity, "contact_reason": ev.reason,
               "rating": ev.score, "first_message": chat_tone(voice, ev), "agent": rng.choice(CHAT_AGENTS),
               "duration_s": ev.attrs["duration_s"], "messages": rng.randint(4, 26)}
        lines.append(json.dumps(obj, ensure_ascii=False))
    _write("chat_transcripts.jsonl", "\n".join(lines) + "\n")
    stats["rows_chat"] = len(lines)

    # ---- back office (incl. field engineers) ---------------------------------------------
    bo = sorted(by_channel.get("backoffice", []) + by_channel.get("field", []),
                key=lambda ce: (ce[1].t, ce[1].attrs["_seq"]))
    bo_rows = []
    for n, (c, ev) in enumerate(bo, start=1):
        assert c is not None
        bo_rows.append([f"BO{1_000_000 + n}", c.account, fmt_utc_z(ev.t), ev.activity, ev.outcome,
                        "Field service" if ev.channel == "field" else "Back office",
                        ev.attrs["work_order"], ev.attrs["detail"]])
    bo_rows, stats["duplicates"]["backoffice_events.csv"] = _with_duplicates(rng, bo_rows, 0.004)
    _write("backoffice_events.csv", _csv_text(
        ["event_id", "account_number", "event_ts", "event_name", "status", "handled_by", "work_order", "detail"],
        bo_rows))

    # ---- store visits -----------------------------------------------------------------------
    store_rows = []
    for n, (c, ev) in enumerate(by_channel.get("store", []), start=1):
        assert c is not None
        store_rows.append([f"V{50_000 + n}", ev.attrs["store"], c.account, local(ev.t).strftime("%Y-%m-%d %H:%M"),
                           ev.activity, rng.choice(STORE_STAFF)])
    _write("store_visits.csv", _csv_text(["visit_ref", "store", "account_number", "visit_start", "purpose", "staff_id"],
                                         store_rows))

    # ---- NPS survey and customer table ---------------------------------------------------
    survey_rows = nps_surveys(voice, w)
    _write("surveys.csv", _csv_text(["survey_id", "account_number", "sent_at", "survey", "channel", "score"],
                                    survey_rows))
    customer_rows = [[c.cid, voice.choices(["consumer", "business"], weights=[85, 15])[0],
                      voice.choice(REGIONS)] for c in sorted(w.customers + w.crm_only, key=lambda c: c.cid)]
    _write("customers.csv", _csv_text(["customer_id", "plan", "region"], customer_rows))

    # ---- CRM identities -------------------------------------------------------------------
    crm = []
    for c in sorted(w.customers + w.crm_only, key=lambda c: c.cid):
        keys = []
        if c.login is not None:
            keys.append(("login", c.login))
        keys += [("phone", p) for p in c.phones]
        if c.email is not None:
            keys.append(("email", c.email))
        keys.append(("account", c.account))
        crm += [[c.cid, kind, value] for kind, value in keys]
    _write("crm_identities.csv", _csv_text(["customer_id", "id_type", "id_value"], crm))

    stats["unmatched"] = {"phone": len(unknown_phones), "email": len(unknown_emails)}
    stats["rows"] = {
        "web_clickstream.csv": len(web_rows), "app_events.jsonl": stats.pop("rows_app"),
        "call_centre.csv": len(call_rows), "chat_transcripts.jsonl": stats.pop("rows_chat"),
        "backoffice_events.csv": len(bo_rows), "store_visits.csv": len(store_rows),
        "surveys.csv": len(survey_rows), "crm_identities.csv": len(crm), "customers.csv": len(customer_rows),
    }
    return stats


# --------------------------------------------------------------------------------------------
# Experience data: web CSAT, the NPS survey, the tone of chat messages (their own random stream)

REGIONS = ["London", "South East", "North West", "Midlands", "Scotland", "Wales", "South West", "Yorkshire"]
WEB_CSAT_RATE = 0.09  # a one-question survey after some milestone pages
WEB_CSAT_ID_RATE = 0.4  # ... asked more often after the ID upload
NPS_SENT = 0.3  # share of completed installations that get the NPS e-mail two days later
NPS_ANSWERED = 0.45


def web_csat(voice: random.Random, ev: Event) -> str:
    """A CSAT answer (1-5) on some web milestones; the identity upload is the low touchpoint."""
    if voice.random() >= (WEB_CSAT_ID_RATE if ev.activity == IDENTITY_CHECK else WEB_CSAT_RATE):
        return ""
    if ev.outcome == "failure":
        weights = [45, 30, 15, 7, 3]
    elif ev.activity == IDENTITY_CHECK:
        weights = [15, 30, 30, 17, 8]  # even when it works, the upload is a chore
    elif ev.activity == PLACE_ORDER:
        weights = [2, 4, 14, 40, 40]
    else:
        weights = [4, 8, 20, 38, 30]
    return str(voice.choices([1, 2, 3, 4, 5], weights=weights)[0])


ANGRY = [" This is ridiculous, I've wasted hours on this.", " Honestly furious, third time I'm asking!!",
         " Really disappointed with the service so far.", " Terrible experience, I'm thinking of cancelling."]
HAPPY = [" Thanks so much, you've been really helpful!", " Great service so far, just this one thing :)",
         " Love the speed, thank you!"]


def chat_tone(voice: random.Random, ev: Event) -> str | None:
    """The customer's first message, sometimes with the mood the rating shows."""
    text = ev.text
    if text is None or ev.score is None or voice.random() >= 0.5:
        return text
    if ev.score <= 2:
        return text + voice.choice(ANGRY)
    if ev.score >= 4:
        return text + voice.choice(HAPPY)
    return text


def nps_surveys(voice: random.Random, w: World) -> list[list]:
    """An NPS e-mail two days after some completed installations; answered by some (0-10),
    lower after failures and contacts in the 90 days before."""
    pain: dict[str, list[datetime]] = {}
    for c, ev in w.events:
        if c is not None and (ev.outcome == "failure" or ev.channel in ("phone", "chat")):
            pain.setdefault(c.cid, []).append(ev.t)
    rows = []
    installs = sorted(((ev.t, c.cid, c.account) for c, ev in w.events
                       if c is not None and ev.activity == INSTALL and ev.outcome == "success"))
    for t, cid, account in installs:
        sent = t + timedelta(days=2, hours=voice.uniform(0, 6))
        if voice.random() >= NPS_SENT or sent >= EXPORT_END - timedelta(hours=1):
            continue
        if voice.random() >= NPS_ANSWERED:
            continue
        bad = sum(1 for x in pain.get(cid, []) if t - timedelta(days=90) <= x <= t)
        centre = 8.6 - 1.6 * min(bad, 3)
        score = max(0, min(10, round(voice.gauss(centre, 1.6))))
        rows.append([f"NPS-{len(rows) + 1:05d}", account, fmt_utc_z(sent), "NPS survey", "email", str(score)])
    return rows


def desired_yaml() -> str:
    return """# The emotion curve the telecom wants (CSAT, 1-5): journeylog emotion --desired samples/telecom/desired.yaml
version: 1
metric: csat
points:
  Place order: 4.3
  Identity check: 4.0
  Schedule appointment: 4.0
  Router delivered: 4.0
  Installation completed: 3.9
  First bill issued: 3.8
"""


def app_version(t: datetime) -> str:
    releases = [(datetime(2025, 12, 1, tzinfo=UTC), "5.12.0"), (datetime(2026, 2, 9, tzinfo=UTC), "5.12.1"),
                (datetime(2026, 3, 16, tzinfo=UTC), "5.13.0"), (datetime(2026, 4, 7, tzinfo=UTC), "5.13.1"),
                (datetime(2026, 5, 25, tzinfo=UTC), "5.14.0")]
    current = releases[0][1]
    for when, version in releases:
        if t >= when:
            current = version
    return current


# --------------------------------------------------------------------------------------------
# The source map and the designed journey

SOURCES_YAML = """\
# journeylog source map for the bundled telecom sample (written by samples/generate.py).
# Paths are relative to this file. Each export keys the customer by its own kind of identity;
# crm_identities.csv links them all to one customer_id.
version: 1
identities:
  path: crm_identities.csv        # columns customer_id, id_type, id_value
  unmatched: own_customer          # callers/chatters unknown to the CRM become customers of their own
customers:                         # customer attributes joined onto every event: --segment plan=business
  path: customers.csv              # columns customer_id, plan, region
gap: 30d                           # a new journey starts after 30 quiet days
sources:
  - name: web
    path: web_clickstream.csv
    format: csv
    delimiter: ","
    encoding: utf-8
    channel: web
    identity: {column: login, kind: login}
    columns:
      activity: page_event
      timestamp: event_time
      outcome: result
    timestamp_format: "%Y-%m-%d %H:%M:%S"
    timezone: Europe/London        # naive local time
    outcomes: {success: [ok], failure: [error]}
    metrics: {csat: {column: page_survey, scale: 1-5}}   # a one-question survey on some milestone pages

  - name: app
    path: app_events.jsonl
    format: jsonl
    channel: app
    identity: {column: login, kind: login}
    columns:
      activity: action
      timestamp: ts
      outcome: status
      satisfaction: rating         # present on some events only
    metrics: {csat: rating}        # the same in-app rating, as CSAT (default scale 1-5)
    timestamp_format: epoch_ms

  - name: calls
    path: call_centre.csv
    format: csv
    delimiter: ";"
    encoding: cp1252               # the telephony system exports Windows-1252 (the pound sign is 0xA3)
    channel: phone
    identity: {column: caller_number, kind: phone}
    columns:
      activity: wrap_up_code
      timestamp: call_start
      satisfaction: csat           # post-call survey 1-5, often empty
      contact_reason: contact_reason
      text: agent_note
    metrics: {csat: csat}          # the same survey, as CSAT (default scale 1-5)
    timestamp_format: "%d/%m/%Y %H:%M"
    timezone: Europe/London

  - name: chat
    path: chat_transcripts.jsonl
    format: jsonl
    channel: chat
    identity: {column: customer_email, kind: email}
    columns:
      activity: topic
      timestamp: started_at
      satisfaction: rating         # 1-5 or null
      contact_reason: contact_reason
      text: first_message
    metrics: {csat: rating}
    timestamp_format: iso          # with a UTC offset: +01:00 in summer time, +00:00 in winter

  - name: backoffice
    path: backoffice_events.csv
    format: csv
    channel_column: handled_by     # "Back office" -> backoffice, "Field service" -> field
    identity: {column: account_number, kind: account}
    columns:
      activity: event_name
      timestamp: event_ts
      outcome: status
    timestamp_format: iso          # UTC, with a Z

  - name: store
    path: store_visits.csv
    format: csv
    channel: store
    identity: {column: account_number, kind: account}
    columns:
      activity: purpose
      timestamp: visit_start
    timestamp_format: "%Y-%m-%d %H:%M"
    timezone: Europe/London

  - name: surveys
    path: surveys.csv
    format: csv
    channel_column: channel        # email
    identity: {column: account_number, kind: account}
    columns:
      activity: survey             # "NPS survey"
      timestamp: sent_at
    timestamp_format: iso          # UTC, with a Z
    metrics: {nps: {column: score, scale: 0-10}}   # sent two days after some installations
"""


def bpmn_xml() -> str:
    """The designed journey, laid out left to right as a modeller would export it."""
    steps = [("Activity_PlaceOrder", PLACE_ORDER), ("Activity_IdentityCheck", IDENTITY_CHECK),
             ("Activity_ScheduleAppointment", SCHEDULE), ("Activity_RouterDelivered", ROUTER),
             ("Activity_InstallationCompleted", INSTALL), ("Activity_FirstBillIssued", FIRST_BILL)]
    nodes = [("StartEvent_OrderWanted", "startEvent", "Customer wants broadband")] + \
            [(i, "task", n) for i, n in steps] + [("EndEvent_Billed", "endEvent", "Customer connected and billed")]
    flows = [(f"Flow_{k + 1:02d}", nodes[k][0], nodes[k + 1][0]) for k in range(len(nodes) - 1)]
    incoming = {dst: fid for fid, _, dst in flows}
    outgoing = {src: fid for fid, src, _ in flows}
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
           'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
           'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
           'xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
           'id="Definitions_BroadbandJourney" targetNamespace="http://bpmn.io/schema/bpmn" '
           'exporter="Camunda Modeler" exporterVersion="5.30.0" '
           'modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.6.0">',
           '  <bpmn:process id="Process_Broadband" name="Broadband: designed customer journey" isExecutable="false">',
           '    <bpmn:documentation>Designed journey of a new broadband customer (journeylog telecom sample). '
           'Task names equal the activity names in the event logs.</bpmn:documentation>']
    for nid, kind, name in nodes:
        out.append(f'    <bpmn:{kind} id="{nid}" name="{name}">')
        if nid in incoming:
            out.append(f"      <bpmn:incoming>{incoming[nid]}</bpmn:incoming>")
        if nid in outgoing:
            out.append(f"      <bpmn:outgoing>{outgoing[nid]}</bpmn:outgoing>")
        out.append(f"    </bpmn:{kind}>")
    for fid, src, dst in flows:
        out.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{dst}" />')
    out.append("  </bpmn:process>")
    out.append('  <bpmndi:BPMNDiagram id="BPMNDiagram_1">')
    out.append('    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_Broadband">')
    # geometry: events 36x36, tasks 100x80, centre line y = 120, 50 px between shapes
    x = 152
    bounds = {}
    for nid, kind, _ in nodes:
        if kind == "task":
            bounds[nid] = (x, 80, 100, 80)
            x += 150
        else:
            bounds[nid] = (x, 102, 36, 36)
            x += 86
    for nid, kind, _ in nodes:
        bx, by, bw, bh = bounds[nid]
        out.append(f'      <bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}">')
        out.append(f'        <dc:Bounds x="{bx}" y="{by}" width="{bw}" height="{bh}" />')
        if kind != "task":
            lw = 90 if kind == "startEvent" else 100
            out.append("        <bpmndi:BPMNLabel>")
            out.append(f'          <dc:Bounds x="{bx + 18 - lw // 2}" y="145" width="{lw}" height="27" />')
            out.append("        </bpmndi:BPMNLabel>")
        out.append("      </bpmndi:BPMNShape>")
    for fid, src, dst in flows:
        sx, sy, sw, sh = bounds[src]
        dx, dy, dw, dh = bounds[dst]
        out.append(f'      <bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}">')
        out.append(f'        <di:waypoint x="{sx + sw}" y="{sy + sh // 2}" />')
        out.append(f'        <di:waypoint x="{dx}" y="{dy + dh // 2}" />')
        out.append("      </bpmndi:BPMNEdge>")
    out += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>", "</bpmn:definitions>", ""]
    return "\n".join(out)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    world = World(SEED)
    world.make_customers()
    world.run()
    stats = write_exports(world)
    _write("sources.yaml", SOURCES_YAML)
    _write("designed_journey.bpmn", bpmn_xml())
    _write("desired.yaml", desired_yaml())
    total = sum(n for name, n in stats["rows"].items() if name not in ("crm_identities.csv", "customers.csv"))
    print(f"wrote {OUT}")
    for name, n in stats["rows"].items():
        print(f"  {name:26s} {n:6d} rows")
    print(f"  events (all exports)       {total:6d}  (exact duplicate rows planted: "
          f"{sum(stats['duplicates'].values())} = {stats['duplicates']})")
    print(f"  unmatched keys planted: {stats['unmatched']}")


if __name__ == "__main__":
    main()
