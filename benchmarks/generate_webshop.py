#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog. The data it writes is synthetic.
"""Generate a seeded web-shop log whose designed model has many activities, for alignment benchmarks.

::

    python benchmarks/generate_webshop.py --events 300000 --seed 11 -o webshop.parquet --model-out webshop.ptree

The designed journey (:data:`WEBSHOP_TREE`, 48 activities) has choices, parallel branches and
loops with silent steps: browse (a loop), cart, checkout with three log-in paths, shipping and
delivery choices in parallel, four payment methods, a payment retry loop, fulfilment in parallel
with the confirmation e-mail, a delivery-attempt loop and four after-sales endings. Journeys are
played out from the model (pm4py's process-tree playout, seeded: a pool of paths drawn with Zipf weights), then 40% get noise: an
adjacent swap, a skipped step, a repeated step, a step from elsewhere in the model; one in seven
stops early (an abandoned cart or checkout); a few page views the model does not contain are
sprinkled in. The result has thousands of distinct variants after projection on the model's
activities, unlike the telecom benchmark log (``generate.py``), whose model has 7 activities.

Columns as ``generate.py``: ``journey_id``, ``customer_id``, ``timestamp`` (UTC, strictly
increasing within a journey), ``channel``, ``activity``, ``outcome`` (null).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import polars as pl

START_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z

WEBSHOP_TREE = (
    "->('Land on site', "
    "*(->(X('Search products', 'Browse category', 'Open promotion'), 'View product', X('Read reviews', tau)), "
    "'Back to results'), "
    "'Add to cart', X(->('View cart', X('Apply coupon', tau)), tau), 'Start checkout', "
    "X(->('Log in', X('Two-factor check', tau)), ->('Continue as guest', 'Enter e-mail'), "
    "->('Register account', 'Confirm e-mail')), "
    "+(->('Enter shipping address', X('Validate address', tau)), ->('Choose delivery option', X('Choose time slot', tau))), "
    "X(->('Pay by card', X('3-D Secure check', tau)), 'Pay with wallet', ->('Pay on invoice', 'Credit check'), "
    "'Pay with voucher'), "
    "*('Authorise payment', 'Retry payment'), 'Order confirmed', "
    "+('Send confirmation e-mail', ->('Pick items', 'Pack parcel', X('Gift wrap', tau)), 'Reserve stock'), "
    "'Hand to carrier', *('Parcel in transit', 'Delivery attempt failed'), 'Parcel delivered', "
    "X(tau, ->('Request return', 'Print label', 'Return received', X('Refund issued', 'Exchange sent')), "
    "'Write review', ->('Contact support', X('Support resolved', 'Escalate complaint')))"
    ")"
)
#: distinct played-out paths journeys are drawn from (Zipf-weighted)
POOL = 1500
PAGES = ["View page: FAQ", "View page: Shipping costs", "View page: Returns policy", "View page: Account"]


def journeys(n: int, seed: int) -> list[list[str]]:
    """``n`` journeys: played out from the model, then noised (seeded)."""
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # no AGPL banner on stdout
    import pm4py
    from pm4py.algo.simulation.playout.process_tree import algorithm as playout

    random.seed(seed)
    tree = pm4py.parse_process_tree(WEBSHOP_TREE)
    pool = [[e["concept:name"] for e in trace] for trace in playout.apply(tree, parameters={"num_traces": POOL})]
    vocab = sorted({lab for acts in pool for lab in acts})
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(pool))]  # a few common paths, a long tail
    out = []
    for base in rng.choices(pool, weights=weights, k=n):
        acts = list(base)
        if rng.random() < 0.4:
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                _noise(acts, rng, vocab)
        if rng.random() < 1 / 7 and len(acts) > 3:
            acts = acts[: rng.randrange(2, len(acts))]
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            acts.insert(rng.randrange(len(acts) + 1), rng.choice(PAGES))
        out.append(acts)
    return out


def _noise(acts: list[str], rng: random.Random, vocab: list[str]) -> None:
    kind = rng.choice(("swap", "skip", "repeat", "insert"))
    if len(acts) < 2:
        return
    i = rng.randrange(len(acts) - 1)
    if kind == "swap":
        acts[i], acts[i + 1] = acts[i + 1], acts[i]
    elif kind == "skip":
        del acts[i]
    elif kind == "repeat":
        acts.insert(i + 1, acts[i])
    else:
        acts.insert(i, rng.choice(vocab))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=300_000, help="at least this many events (whole journeys)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--model-out", type=Path)
    args = ap.parse_args(argv)
    per = 30  # about this many events per journey
    rows: dict[str, list[object]] = {"journey_id": [], "customer_id": [], "timestamp": [], "channel": [], "activity": []}
    made = 0
    j = 0
    batches = (journeys(max(1, args.events // per), args.seed + k) for k in range(1_000_000))
    for acts in (acts for batch in batches for acts in batch):
        if made >= args.events:
            break
        t = START_US + j * 600_000_000
        for k, a in enumerate(acts):
            rows["journey_id"].append(f"J{j:07d}")
            rows["customer_id"].append(f"C{j // 2:07d}")
            rows["timestamp"].append(t + k * 60_000_000)
            rows["channel"].append("web" if k % 5 else "app")
            rows["activity"].append(a)
        made += len(acts)
        j += 1
    df = pl.DataFrame(rows).with_columns(
        pl.col("timestamp").cast(pl.Datetime("us", "UTC")), pl.lit(None, dtype=pl.String).alias("outcome"))
    df.write_parquet(args.out)
    if args.model_out is not None:
        args.model_out.write_text(WEBSHOP_TREE + "\n", encoding="utf-8")
    print(f"{df.height} events, {j} journeys -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
