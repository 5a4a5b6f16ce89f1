#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog. The data it writes is synthetic.
"""Generate a large, noisy, seeded omnichannel log for the benchmarks.

::

    python benchmarks/generate.py --events 1000000 --seed 7 -o bench-1m.parquet --model-out designed.ptree

The log is a broadband journey as a telecom designed it::

    Place order -> [Choose add-ons] -> Identity check
                -> (Schedule appointment || Router delivered)
                -> Installation completed -> First bill issued

seen through web, app, phone, chat, e-mail, store, field and back-office events, with the noise
real logs have: drop-outs, failed and repeated steps, skipped steps, swapped steps, and many
events the design does not contain (page views ``View page: <page>``, calls ``Call: <reason>``,
chats ``Chat: <topic>``, e-mails ``E-mail: <template>``) at random places.

Most journeys (the "habitual" ones) vary only in a few common ways, so their variants repeat;
about one journey in six is "erratic" (random skips, repeats, swaps and several extra events
from a Zipf-weighted vocabulary of about 90 activities), which gives the long tail of unique
paths. With the defaults a 1M-event log has about 9 events per journey (~110k journeys) and
roughly 20k variants; the tail grows with the log.

Columns (journeylog's canonical names, read directly by ``journeylog.ingest.read_events``):
``journey_id`` (string), ``customer_id`` (string), ``timestamp`` (timestamp[us, UTC]),
``channel``, ``activity``, ``outcome`` (``success`` / ``failure`` / null). Within a journey the
timestamps are strictly increasing (no ties, so every tool orders events the same way); the rows
of each row group are in time order, interleaving journeys, as an export would be.

Generation is vectorised (NumPy + Polars) and streamed: the log is built in chunks of 1M events,
each written as one Parquet row group, so memory stays bounded whatever ``--events`` is (100M
events is about 100 row groups). A chunk's content depends only on the seed and the chunks
before it, so the first 1M events of a 10M log are the 1M log.

``--model-out FILE.ptree`` writes the designed model as a pm4py process-tree string (read by
``journeylog`` and by ``pm4py.parse_process_tree``); ``FILE.bpmn`` writes it as BPMN via pm4py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

CHUNK_EVENTS = 1_000_000
START_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z in microseconds since the epoch
MONTH_S = 31 * 86_400

DESIGNED_TREE = (
    "->('Place order', X('Choose add-ons', tau), 'Identity check', "
    "+('Schedule appointment', 'Router delivered'), 'Installation completed', 'First bill issued')"
)

# ----------------------------------------------------------------------------------------------
# Vocabulary. Codes index ACTIVITIES; the designed steps come first.

CORE = [
    "Place order", "Choose add-ons", "Identity check", "Schedule appointment", "Router delivered",
    "Installation completed", "First bill issued",
]
PLACE, ADDONS, IDCHECK, SCHEDULE, ROUTER, INSTALL, BILL = range(len(CORE))
# Sort key of each designed step inside a journey (Schedule/Router get 30/31 in either order).
CORE_KEY = np.array([10.0, 15.0, 20.0, 30.0, 31.0, 40.0, 50.0])

PAGES = [
    "Home", "Broadband deals", "Fibre checker", "Basket", "Checkout", "Login", "My account", "Order status",
    "Track delivery", "Appointment", "Reschedule", "Router setup guide", "Wi-Fi help", "Speed test", "My bill",
    "Payment methods", "Direct debit", "Add-ons", "TV bundles", "Mobile SIM deals", "Contact us", "Help centre",
    "FAQ installation", "FAQ billing", "Moving home", "Upgrade", "Cancel service", "Complaints", "Coverage map",
    "Outage status", "Engineer visit", "Equipment returns", "Parental controls", "Email settings", "Security",
    "Privacy", "Terms", "Accessibility", "Store finder", "Careers", "News", "Offers", "Refer a friend", "Loyalty",
    "Business broadband", "Phone line", "Number porting", "Data usage", "Notifications", "Feedback",
]
CALLS = [
    "Where is my router", "Appointment change", "Identity documents", "Payment problem", "Billing question",
    "Installation fault", "Slow speed", "No connection", "Cancel order", "Upgrade", "Moving home",
    "Complaint", "Engineer no-show", "Wrong bill", "Direct debit",
]
CHATS = [
    "Order status", "Question about first bill", "Router setup", "Appointment", "Identity check help",
    "Add-ons", "Wi-Fi problem", "Payment problem", "Moving home", "Complaint",
]
EMAILS = [
    "Order confirmation", "Appointment reminder", "Dispatch notice", "Welcome", "Bill ready",
    "Survey", "Identity documents needed", "Offer",
]
EXTRAS = (
    [f"View page: {p}" for p in PAGES] + [f"Call: {c}" for c in CALLS]
    + [f"Chat: {c}" for c in CHATS] + [f"E-mail: {e}" for e in EMAILS]
)
ACTIVITIES = CORE + EXTRAS
EXTRA0 = len(CORE)
N_EXTRA = len(EXTRAS)
KIND_PAGE, KIND_CALL, KIND_CHAT, KIND_EMAIL = 0, 1, 2, 3
EXTRA_KIND = np.array([KIND_PAGE] * len(PAGES) + [KIND_CALL] * len(CALLS) + [KIND_CHAT] * len(CHATS)
                      + [KIND_EMAIL] * len(EMAILS))


def _code(name: str) -> int:
    return ACTIVITIES.index(name)


# Habitual extras: (activity, sort key, probability) - the common ways ordinary journeys vary.
HABITS = [
    ("View page: Home", 5.0, 0.50),
    ("View page: Broadband deals", 6.0, 0.35),
    ("E-mail: Order confirmation", 11.0, 0.60),
    ("View page: Order status", 25.0, 0.20),
    ("E-mail: Appointment reminder", 32.5, 0.40),
    ("Call: Where is my router", 35.0, 0.08),
    ("View page: My bill", 55.0, 0.25),
    ("Chat: Question about first bill", 56.0, 0.06),
]
HABIT_CODE = np.array([_code(a) for a, _, _ in HABITS])
HABIT_KEY = np.array([k for _, k, _ in HABITS])
HABIT_P = np.array([p for _, _, p in HABITS])

CHANNELS = ["web", "app", "phone", "chat", "email", "store", "field", "backoffice"]
WEB, APP, PHONE, CHAT, EMAIL, STORE, FIELD, BACKOFFICE = range(len(CHANNELS))
OUTCOMES = [None, "success", "failure"]
O_NULL, O_SUCCESS, O_FAILURE = range(3)

# Noise rates.
ERRATIC_SHARE = 0.16  # journeys with random noise (the long tail)
DROPOUT = 0.12  # journey stops after a designed step
ADDONS_P = 0.30  # the optional step
ID_FAIL = 0.04  # identity check fails once, then succeeds
INSTALL_FAIL = 0.03  # installation fails once, then succeeds
ERR_SKIP, ERR_REPEAT, ERR_SWAP = 0.08, 0.08, 0.10
ERR_EXTRA_MEAN = 3.0  # erratic journeys: 1 + Poisson(3) extra events at random places
ZIPF_S = 1.1


def _zipf_weights(rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(N_EXTRA)
    w = np.empty(N_EXTRA)
    w[order] = 1.0 / np.arange(1, N_EXTRA + 1) ** ZIPF_S
    return w / w.sum()


def _chunk(rng: np.random.Generator, n_events: int, first_journey: int, extra_w: np.ndarray) -> tuple[pl.DataFrame, int]:
    """Exactly ``n_events`` events of consecutive journeys numbered from ``first_journey``.

    Returns the frame (in time order) and how many journey numbers it used (the last journey may
    be cut short, which reads as one more drop-out)."""
    nj = int(n_events / 8.0) + 16  # more journeys than needed; the surplus is cut below
    jidx = np.arange(nj)
    erratic = rng.random(nj) < ERRATIC_SHARE

    parts_j: list[np.ndarray] = []
    parts_k: list[np.ndarray] = []
    parts_a: list[np.ndarray] = []
    parts_o: list[np.ndarray] = []

    def add(j: np.ndarray, k: np.ndarray, a: np.ndarray, o: np.ndarray | int) -> None:
        parts_j.append(j)
        parts_k.append(np.asarray(k, dtype=np.float64))
        parts_a.append(np.asarray(a, dtype=np.int32))
        parts_o.append(np.broadcast_to(np.asarray(o, dtype=np.int8), j.shape).copy())

    # Designed steps: one row per (journey, step); then the optional step, skips and swaps.
    steps = np.array([PLACE, ADDONS, IDCHECK, SCHEDULE, ROUTER, INSTALL, BILL])
    sj = np.repeat(jidx, len(steps))
    sa = np.tile(steps, nj)
    sk = CORE_KEY[sa].copy()
    # parallel branch: half the journeys have the router before the appointment
    flip = np.repeat(rng.random(nj) < 0.5, len(steps))
    sk[flip & (sa == SCHEDULE)] = 31.0
    sk[flip & (sa == ROUTER)] = 30.0
    keep = np.ones(sj.size, dtype=bool)
    keep[sa == ADDONS] = rng.random(nj) < ADDONS_P  # the optional step
    err_rows = erratic[sj]
    skip = err_rows & (rng.random(sj.size) < ERR_SKIP)
    keep &= ~skip
    # swapped order: an erratic journey moves a step earlier, before the step designed ahead of it
    swap = err_rows & (rng.random(sj.size) < ERR_SWAP / len(steps)) & (sa != PLACE)
    sk[swap] -= 10.5
    sj, sa, sk = sj[keep], sa[keep], sk[keep]
    add(sj, sk, sa, O_SUCCESS)
    # repeated steps (erratic journeys): the same step again a little later
    rep = erratic[sj] & (rng.random(sj.size) < ERR_REPEAT)
    add(sj[rep], sk[rep] + 0.6, sa[rep], O_SUCCESS)
    # a failed identity check / installation, then the step again (success); failure comes first
    for code, rate in ((IDCHECK, ID_FAIL), (INSTALL, INSTALL_FAIL)):
        m = (sa == code) & (rng.random(sj.size) < rate)
        add(sj[m], sk[m] - 0.3, sa[m], O_FAILURE)
        # the customer gets in touch between the failure and the retry
        contact = m & (rng.random(sj.size) < 0.5)
        reason = _code("Call: Identity documents") if code == IDCHECK else _code("Call: Installation fault")
        add(sj[contact], sk[contact] - 0.2, np.full(int(contact.sum()), reason), O_SUCCESS)

    # Habitual extras: independent, at fixed places.
    hj = np.repeat(jidx, len(HABITS))
    hi = np.tile(np.arange(len(HABITS)), nj)
    hm = rng.random(hj.size) < HABIT_P[hi]
    add(hj[hm], HABIT_KEY[hi[hm]], HABIT_CODE[hi[hm]], O_NULL)

    # Erratic extras: 1 + Poisson events from the Zipf vocabulary at random places.
    ej_idx = jidx[erratic]
    n_extra = 1 + rng.poisson(ERR_EXTRA_MEAN, ej_idx.size)
    ej = np.repeat(ej_idx, n_extra)
    ea = EXTRA0 + rng.choice(N_EXTRA, size=ej.size, p=extra_w)
    ek = rng.uniform(0.0, 60.0, ej.size)
    add(ej, ek, ea, O_NULL)

    j = np.concatenate(parts_j)
    k = np.concatenate(parts_k)
    a = np.concatenate(parts_a)
    o = np.concatenate(parts_o)
    # calls end in success or failure, other extras have no outcome
    is_call = (a >= EXTRA0) & (EXTRA_KIND[np.clip(a - EXTRA0, 0, N_EXTRA - 1)] == KIND_CALL)
    o[is_call] = np.where(rng.random(int(is_call.sum())) < 0.8, O_SUCCESS, O_FAILURE)

    # Drop-outs: nothing after a designed step (keys at or beyond the cut are removed).
    cut = np.full(nj, np.inf)
    drop = rng.random(nj) < DROPOUT
    cut[drop] = rng.choice(np.array([12.0, 22.0, 32.0, 42.0, 52.0]), size=int(drop.sum()))
    alive = k < cut[j]
    j, k, a, o = j[alive], k[alive], a[alive], o[alive]

    order = np.lexsort((k, j))
    j, k, a, o = j[order], k[order], a[order], o[order]
    if j.size < n_events:
        raise RuntimeError("internal: chunk too short")  # nj has a wide margin; never expected
    j, a, o = j[:n_events], a[:n_events], o[:n_events]
    next_journey = int(j[-1]) + 1  # ids of journeys that lost every event are simply not used

    # Time: journeys start uniformly over January 2026; each later event follows after a gap
    # (designed steps: hours to days; page views, e-mails, chats: minutes), at least 1 s.
    is_core = a < EXTRA0
    gap = np.where(is_core, rng.exponential(86_400.0, a.size), rng.exponential(600.0, a.size))
    gap = np.floor(gap).astype(np.int64) + 1
    first = np.ones(a.size, dtype=bool)
    first[1:] = j[1:] != j[:-1]
    gap[first] = 0
    csum = np.cumsum(gap)
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, a.size))
    offset_s = csum - np.repeat(csum[starts], counts)
    start_s = rng.integers(0, MONTH_S, next_journey)
    micros = rng.integers(0, 1_000_000, a.size)
    ts = START_US + (start_s[j] + offset_s) * 1_000_000 + micros

    # Channels.
    u = rng.random(a.size)
    ch = np.full(a.size, BACKOFFICE, dtype=np.int8)
    online = np.where(u < 0.62, WEB, APP)
    ch[a == PLACE] = np.select([u < 0.55, u < 0.85, u < 0.90], [WEB, APP, STORE], PHONE)[a == PLACE]
    ch[a == ADDONS] = online[a == ADDONS]
    ch[a == SCHEDULE] = np.select([u < 0.5, u < 0.8], [WEB, APP], PHONE)[a == SCHEDULE]
    ch[(a == ROUTER) | (a == INSTALL)] = FIELD
    kind = np.where(a >= EXTRA0, EXTRA_KIND[np.clip(a - EXTRA0, 0, N_EXTRA - 1)], -1)
    ch[kind == KIND_PAGE] = online[kind == KIND_PAGE]
    ch[kind == KIND_CALL] = PHONE
    ch[kind == KIND_CHAT] = CHAT
    ch[kind == KIND_EMAIL] = EMAIL

    gj = j.astype(np.int64) + first_journey
    order = np.lexsort((gj, ts))  # the export's order: time, then journey
    gj, ts, ch, a, o = gj[order], ts[order], ch[order], a[order], o[order]
    ids = pl.Series(gj)
    frame = pl.DataFrame({
        "journey_id": ids.cast(pl.String).str.zfill(9).str.pad_start(10, "J"),
        # nine customers per ten journeys: every tenth customer has two journeys
        "customer_id": (ids * 9 // 10).cast(pl.String).str.zfill(9).str.pad_start(10, "C"),
        "timestamp": pl.Series(ts).cast(pl.Datetime("us", "UTC")),
        "channel": pl.Series(CHANNELS, dtype=pl.String).gather(ch.astype(np.uint32)),
        "activity": pl.Series(ACTIVITIES, dtype=pl.String).gather(a.astype(np.uint32)),
        "outcome": pl.Series(OUTCOMES, dtype=pl.String).gather(o.astype(np.uint32)),
    })
    return frame, next_journey


def generate(events: int, seed: int, out: str | Path, *, chunk_events: int = CHUNK_EVENTS,
             progress: bool = False) -> dict[str, int]:
    """Write ``events`` events to the Parquet file ``out``; returns ``events`` and ``journeys``."""
    import pyarrow.parquet as pq

    if events < 1:
        raise ValueError("--events must be at least 1")
    rng = np.random.default_rng(seed)
    extra_w = _zipf_weights(rng)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    written = numbers = journeys = 0
    writer = None
    t0 = time.perf_counter()
    try:
        while written < events:
            n = min(chunk_events, events - written)
            frame, used = _chunk(rng, n, numbers, extra_w)
            table = frame.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=n)
            written += n
            numbers += used
            journeys += frame["journey_id"].n_unique()
            if progress:
                print(f"  {written:,} events, {journeys:,} journeys, {time.perf_counter() - t0:.1f} s",
                      file=sys.stderr, flush=True)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    tmp.replace(out)
    return {"events": written, "journeys": journeys}


def write_model(path: str | Path) -> None:
    """The designed model: ``.ptree`` (pm4py process-tree syntax) or ``.bpmn`` (via pm4py)."""
    path = Path(path)
    if path.suffix.lower() == ".bpmn":
        sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # keep pm4py's banner off stderr
        import pm4py

        pm4py.write_bpmn(pm4py.convert_to_bpmn(pm4py.parse_process_tree(DESIGNED_TREE)), str(path))
    else:
        path.write_text(DESIGNED_TREE + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000, help="number of events (exact)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True, help="Parquet file to write")
    ap.add_argument("--model-out", help="also write the designed model (.ptree or .bpmn)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.events < 1:
        ap.error("--events must be at least 1")
    t0 = time.perf_counter()
    stats = generate(args.events, args.seed, args.output, progress=not args.quiet and args.events > CHUNK_EVENTS)
    if args.model_out:
        write_model(args.model_out)
    if not args.quiet:
        print(f"wrote {args.output}: {stats['events']:,} events, {stats['journeys']:,} journeys "
              f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
