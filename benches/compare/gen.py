"""Deterministic TAQ-shaped trades/quotes generator for the comparative benchmark.

Writes, for one scale, into OUT:
  trades.parquet, quotes.parquet   (time: timestamp[ns], sym/ex/cond: string, ...)
  raw/{trade,quote}_{col}.bin      little-endian column values for borf's `1:`
                                   (time: i64 ns since 2000.01.01, sym and cond:
                                   i16 index, ex: one ASCII byte)
  raw/syms.txt, raw/conds.txt      the symbol / condition names, one a line, sorted
  params.txt                       generator parameters and the queries' constants

Columns, TAQ-like: trades(time,sym,price,size,ex,cond), quotes(time,sym,bid,ask,
bsize,asize,ex). `ex` is a venue code (a char, one of a dozen with skewed
shares, as in TAQ's exchange field); `cond` a sale condition (odd lots `I`,
intermarket sweeps `F`, regular `R`, ...).

The same numpy arrays feed both outputs, so both engines see identical values.
Rows are in time order (as a feed delivers them); times are strictly increasing
in each table, so "first/last by time" and "prevailing quote" are unambiguous.
"""

import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20240102
NSYM = 100
DATE = "2024-01-02"  # one trading day
# 2000.01.01 (q's epoch) to 2024.01.02 in days, and 09:30/16:00 in ns
DAYS_2000 = (np.datetime64(DATE) - np.datetime64("2000-01-01")).astype(int)
EPOCH_2000_NS = 946684800 * 10**9  # 1970 -> 2000, in ns
OPEN_NS = (9 * 3600 + 30 * 60) * 10**9
SPAN_NS = int(6.5 * 3600 * 10**9)
SCALES = {
    "small": (1_000_000, 5_000_000),
    "medium": (10_000_000, 20_000_000),
    "large": (10_000_000, 50_000_000),
}
# venues (TAQ exchange codes) with skewed shares of the trades; quotes come
# from the same venues less D (the FINRA facility reports trades only)
EXCH = np.array(list("DQNPKZVJYXBA"))
EXSHARE = np.array([0.30, 0.18, 0.12, 0.10, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.02, 0.01])
# sale conditions: odd lot (size < 100) is I; the rest F/O/R/T
CONDS = ["F", "I", "O", "R", "T"]
ROUND_COND = np.array([0, 2, 3, 4])  # indices into CONDS for round lots
ROUND_SHARE = np.array([0.15, 0.005, 0.83, 0.015])


def times(rng, n):
    """n strictly increasing ns timestamps (since 2000.01.01) inside the session."""
    t = np.sort(rng.integers(0, SPAN_NS - n, n, dtype=np.int64))
    t += np.arange(n, dtype=np.int64)
    t += DAYS_2000 * 86400 * 10**9 + OPEN_NS
    return t


def mid(base, phase, freq, symidx, t):
    """Deterministic smooth price path per symbol (no sequential random walk)."""
    x = (t - t[0]).astype(np.float64) / SPAN_NS
    return base[symidx] * (1.0 + 0.03 * np.sin(2 * np.pi * (freq[symidx] * x + phase[symidx])))


def main():
    scale, out = sys.argv[1], sys.argv[2]
    ntrade, nquote = SCALES[scale]
    rng = np.random.default_rng(SEED)
    os.makedirs(os.path.join(out, "raw"), exist_ok=True)

    # 100 distinct 3-4 letter tickers, sorted (so index order = text order)
    names = set()
    while len(names) < NSYM:
        k = int(rng.integers(3, 5))
        names.add("".join(chr(65 + int(c)) for c in rng.integers(0, 26, k)))
    syms = np.array(sorted(names))
    # activity: Zipf-like weights, assigned to symbols in a shuffled order
    w = 1.0 / (np.arange(NSYM) + 5.0)
    w = w[rng.permutation(NSYM)]
    w /= w.sum()
    base = np.round(rng.uniform(10, 500, NSYM), 2)
    phase = rng.uniform(0, 1, NSYM)
    freq = rng.uniform(0.5, 3, NSYM)
    tick = np.maximum(0.01, np.round(base / 10000, 2))  # spread unit per symbol

    def write_raw(table, cols):
        for c, a in cols.items():
            a.tofile(os.path.join(out, "raw", f"{table}_{c}.bin"))

    def write_parquet(path, t, s, cols):
        arrs = {
            "time": pa.array(t + EPOCH_2000_NS, type=pa.timestamp("ns")),
            "sym": pa.DictionaryArray.from_arrays(
                pa.array(s.astype(np.int32)), pa.array(syms)
            ).cast(pa.string()),
        }
        for c, a in cols.items():
            arrs[c] = pa.array(a)
        pq.write_table(pa.table(arrs), path, compression="snappy")

    # trades
    t = times(rng, ntrade)
    s = rng.choice(NSYM, ntrade, p=w).astype(np.int16)
    m = mid(base, phase, freq, s, t)
    price = np.round(m * (1 + rng.normal(0, 0.0005, ntrade)), 2)
    lot = rng.random(ntrade) < 0.8
    size = np.where(
        lot, 100 * rng.geometric(0.3, ntrade), rng.integers(1, 100, ntrade)
    ).astype(np.int64)
    ex = EXCH[rng.choice(len(EXCH), ntrade, p=EXSHARE)]
    cond = np.where(
        size < 100, 1, ROUND_COND[rng.choice(len(ROUND_COND), ntrade, p=ROUND_SHARE)]
    ).astype(np.int16)
    write_raw(
        "trade",
        {"time": t, "sym": s, "price": price, "size": size,
         "ex": ex.astype("S1").view(np.uint8), "cond": cond},
    )
    write_parquet(
        os.path.join(out, "trades.parquet"), t, s,
        {"price": price, "size": size, "ex": ex, "cond": np.array(CONDS)[cond]},
    )
    # constants: symbols by activity rank (X the 5th, S3 the 1st/10th/50th)
    rank = np.argsort(-np.bincount(s, minlength=NSYM), kind="stable")
    q2sym = syms[rank[4]]
    s3 = ",".join(syms[rank[[0, 9, 49]]])
    del t, s, m, price, lot, size, ex, cond

    # quotes
    t = times(rng, nquote)
    s = rng.choice(NSYM, nquote, p=w).astype(np.int16)
    m = mid(base, phase, freq, s, t)
    sp = tick[s] * rng.integers(1, 6, nquote)
    bid = np.round(m - sp / 2, 2)
    ask = np.round(bid + sp, 2)
    bsize = (100 * rng.integers(1, 50, nquote)).astype(np.int64)
    asize = (100 * rng.integers(1, 50, nquote)).astype(np.int64)
    qsh = EXSHARE[1:] / EXSHARE[1:].sum()
    qex = EXCH[1:][rng.choice(len(EXCH) - 1, nquote, p=qsh)]
    cols = {"bid": bid, "ask": ask, "bsize": bsize, "asize": asize}
    write_raw("quote", {"time": t, "sym": s, **cols, "ex": qex.astype("S1").view(np.uint8)})
    write_parquet(os.path.join(out, "quotes.parquet"), t, s, {**cols, "ex": qex})

    with open(os.path.join(out, "raw", "syms.txt"), "w") as f:
        f.write("\n".join(syms) + "\n")
    with open(os.path.join(out, "raw", "conds.txt"), "w") as f:
        f.write("\n".join(CONDS) + "\n")
    with open(os.path.join(out, "params.txt"), "w") as f:
        f.write(f"seed={SEED}\nscale={scale}\nntrade={ntrade}\nnquote={nquote}\n")
        f.write(f"date={DATE}\nq2sym={q2sym}\nq2size=500\ns3={s3}\n")


if __name__ == "__main__":
    main()
