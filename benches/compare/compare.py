"""Comparative benchmark driver (issues 6, 15): borf vs DuckDB vs Polars.

Run through benches/compare/run, which sets up the venv and builds borf.

  compare.py main --scale small|medium|large|both --reps N [--only q1,q5] [--no-sweep]
  compare.py engine duckdb|polars DATADIR OUTDIR REPS THREADS [ONLY]   (one engine, own process)

Every engine loads both tables fully into memory first (untimed), then warms each
query up (runs it until WARM_S seconds have passed, at least once, at most
WARM_MAX times: the same rule in bench.q) and runs it REPS more times; the best
wall-clock time counts. Answers are written to OUTDIR and compared afterwards.

The queries are one table, QUERIES below: per query its name, a description,
the DuckDB SQL, the Polars code and how answers compare; the q text of each is
the row of the same name in bench.q. The main run gives every engine 2 worker
threads; the thread sweep runs all three again at 1 (borf: RAYON_NUM_THREADS,
DuckDB: SET threads, Polars: POLARS_MAX_THREADS).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
import warnings
from datetime import datetime

import numpy as np
import polars as pl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BORF = os.path.join(ROOT, "target", "release", "borf")
BANDWIDTH = os.path.join(ROOT, "target", "release", "examples", "bandwidth")
DATA = os.path.join(ROOT, "target", "compare-data")
EPOCH_2000_NS = 946684800 * 10**9
# generation + database format version: bump to force regeneration
DATA_VERSION = "2"
# memory each scale needs (GB available), its sizes are in gen.py
NEED_GB = {"small": 4, "medium": 10, "large": 16}
# venue families: the dictionary q42/q43 group by (bench.q's exfam)
EXFAM = dict(zip("DQNPKZVJYXBA", "OTHER NASDAQ NYSE NYSE CBOE CBOE OTHER CBOE CBOE NASDAQ NASDAQ NYSE".split()))


def params(datadir):
    with open(os.path.join(datadir, "params.txt")) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


class K:
    """Constants the queries use, from params.txt (bench.q defines the same)."""

    def __init__(self, p):
        d = datetime.strptime(p["date"], "%Y-%m-%d")
        self.x, self.y = p["q2sym"], int(p["q2size"])
        self.s3 = p["s3"].split(",")
        self.t0 = d.replace(hour=10)
        self.t1 = d.replace(hour=10, minute=30)
        self.t2 = d.replace(hour=15, minute=30)

    def ts(self, d):
        return f"TIMESTAMP '{d:%Y-%m-%d %H:%M:%S}'"


# ---------------------------------------------------------------------------
# the queries
#
# cmp: ("tab", keys)   the whole answer, rows ordered by the key columns
#      ("all",)        the whole answer, rows ordered by every column
#      ("top", col)    the values of col, descending (ties may pick other rows)
#      ("fp", cols, ordered)  a fingerprint (fingerprint() below; bench.q's fp)
# sql(k) gives the SQL text; pl(tr, qu, k) runs the Polars query.

c = pl.col


def lz(df):
    return df.lazy()


def aj_pl(tr, qu, tcols=None, qcols=None):
    t = lz(tr) if tcols is None else lz(tr).select(tcols)
    q = lz(qu).drop("ex") if qcols is None else lz(qu).select(qcols)
    return t.join_asof(q, on="time", by="sym", strategy="backward")


AJ_SQL = (
    "FROM trades t ASOF LEFT JOIN quotes q ON t.sym = q.sym AND t.time >= q.time"
)
Q = []


def query(name, descr, cmp, sql, pl_):
    Q.append({"name": name, "descr": descr, "cmp": cmp, "sql": sql, "pl": pl_})


TIME_COLS = ("price", "size", "time")

# -- the first eight (issue 6)
query("q1", "sum size", ("tab", []),
      lambda k: "SELECT sum(size) AS x FROM trades",
      lambda tr, qu, k: lz(tr).select(x=c("size").sum()).collect())
query("q2", "count, avg price where sym=X, size>Y", ("tab", []),
      lambda k: f"SELECT count(*) AS n, avg(price) AS ap FROM trades "
      f"WHERE sym = '{k.x}' AND size > {k.y}",
      lambda tr, qu, k: lz(tr).filter((c("sym") == k.x) & (c("size") > k.y))
      .select(n=pl.len(), ap=c("price").mean()).collect())
query("q3", "vwap, sum size by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, sum(size * price) / sum(size) AS vwap, sum(size) AS tot "
      "FROM trades GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(vwap=(c("size") * c("price")).sum() / c("size").sum(), tot=c("size").sum()).collect())
query("q4", "5-min OHLCV bars by sym", ("tab", ["sym", "bar"]),
      lambda k: "SELECT sym, time_bucket(INTERVAL '5 minutes', time) AS bar, "
      "arg_min(price, time) AS o, max(price) AS h, min(price) AS l, "
      "arg_max(price, time) AS c, sum(size) AS v FROM trades GROUP BY sym, bar",
      lambda tr, qu, k: lz(tr).group_by("sym", bar=c("time").dt.truncate("5m"))
      .agg(o=c("price").first(), h=c("price").max(), l=c("price").min(),
           c=c("price").last(), v=c("size").sum()).collect())
query("q5", "aj, avg spread by sym", ("tab", ["sym"]),
      lambda k: f"SELECT t.sym, avg(q.ask - q.bid) AS spread {AJ_SQL} GROUP BY t.sym",
      lambda tr, qu, k: aj_pl(tr, qu).group_by("sym")
      .agg(spread=(c("ask") - c("bid")).mean()).collect())
query("q6", "sort trades by sym, time", ("fp", ["size", "time"], True),
      lambda k: "SELECT * FROM trades ORDER BY sym, time",
      lambda tr, qu, k: tr.sort("sym", "time"))
query("q7", "count distinct (sym, size)", ("tab", []),
      lambda k: "SELECT count(*) AS x FROM (SELECT DISTINCT sym, size FROM trades)",
      lambda tr, qu, k: lz(tr).select("sym", "size").unique().select(x=pl.len()).collect())
query("q8", "top 10 by price*size", ("top", "v"),
      lambda k: "SELECT *, price * size AS v FROM trades ORDER BY v DESC LIMIT 10",
      lambda tr, qu, k: lz(tr).with_columns(v=c("price") * c("size")).top_k(10, by="v").collect())

# -- filters (answers keep the tables' time order)
FP_T = ("fp", list(TIME_COLS), True)
query("q9", "filter sym=X", FP_T,
      lambda k: f"SELECT * FROM trades WHERE sym = '{k.x}'",
      lambda tr, qu, k: lz(tr).filter(c("sym") == k.x).collect())
query("q10", "filter sym in 3 syms", FP_T,
      lambda k: "SELECT * FROM trades WHERE sym IN ({})".format(",".join(f"'{s}'" for s in k.s3)),
      lambda tr, qu, k: lz(tr).filter(c("sym").cast(pl.String).is_in(k.s3)).collect())
query("q11", "filter time within 30 min", FP_T,
      lambda k: f"SELECT * FROM trades WHERE time BETWEEN {k.ts(k.t0)} AND {k.ts(k.t1)}",
      lambda tr, qu, k: lz(tr).filter(c("time").is_between(k.t0, k.t1)).collect())
query("q12", "filter size>10*Y", FP_T,
      lambda k: f"SELECT * FROM trades WHERE size > {10 * k.y}",
      lambda tr, qu, k: lz(tr).filter(c("size") > 10 * k.y).collect())
query("q13", "filter price>100, size>=1000", FP_T,
      lambda k: "SELECT * FROM trades WHERE price > 100 AND size >= 1000",
      lambda tr, qu, k: lz(tr).filter((c("price") > 100) & (c("size") >= 1000)).collect())
query("q14", "quotes where time<15:30 (~92% kept)", ("fp", ["bid", "ask", "bsize", "time"], True),
      lambda k: f"SELECT * FROM quotes WHERE time < {k.ts(k.t2)}",
      lambda tr, qu, k: lz(qu).filter(c("time") < k.t2).collect())
query("q15", "quotes where sym=X, time within", ("fp", ["bid", "ask", "asize", "time"], True),
      lambda k: f"SELECT * FROM quotes WHERE sym = '{k.x}' AND "
      f"time BETWEEN {k.ts(k.t0)} AND {k.ts(k.t1)}",
      lambda tr, qu, k: lz(qu).filter((c("sym") == k.x) & c("time").is_between(k.t0, k.t1)).collect())
query("q16", "filter ex=N, cond=F", FP_T,
      lambda k: "SELECT * FROM trades WHERE ex = 'N' AND cond = 'F'",
      lambda tr, qu, k: lz(tr).filter((c("ex") == "N") & (c("cond") == "F")).collect())

# -- aggregations, bars, spreads, VWAP/TWAP, medians
query("q17", "count, volume, high, low by ex", ("tab", ["ex"]),
      lambda k: "SELECT ex, count(*) AS n, sum(size) AS v, max(price) AS hi, min(price) AS lo "
      "FROM trades GROUP BY ex",
      lambda tr, qu, k: lz(tr).group_by("ex").agg(
          n=pl.len(), v=c("size").sum(), hi=c("price").max(), lo=c("price").min()).collect())
query("q18", "count, volume by cond", ("tab", ["cond"]),
      lambda k: "SELECT cond, count(*) AS n, sum(size) AS v FROM trades GROUP BY cond",
      lambda tr, qu, k: lz(tr).group_by("cond").agg(n=pl.len(), v=c("size").sum()).collect())
query("q19", "vwap by sym, ex", ("tab", ["sym", "ex"]),
      lambda k: "SELECT sym, ex, sum(size * price) / sum(size) AS vwap FROM trades GROUP BY sym, ex",
      lambda tr, qu, k: lz(tr).group_by("sym", "ex")
      .agg(vwap=(c("size") * c("price")).sum() / c("size").sum()).collect())


def twap_w():
    return (c("time").shift(-1) - c("time")).dt.total_nanoseconds().fill_null(0)


query("q20", "twap by sym (weights: time to next trade)", ("tab", ["sym"]),
      lambda k: "SELECT sym, sum(w * price) / sum(w) AS twap FROM (SELECT sym, price, "
      "coalesce(epoch_ns(lead(time) OVER (PARTITION BY sym ORDER BY time)) - epoch_ns(time), 0) "
      "AS w FROM trades) GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(twap=(twap_w() * c("price")).sum() / twap_w().sum()).collect())
query("q21", "avg, dev price by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, avg(price) AS a, stddev_pop(price) AS sd FROM trades GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(a=c("price").mean(), sd=c("price").std(ddof=0)).collect())
query("q22", "median price, size by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, median(price) AS mp, median(size) AS ms FROM trades GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(mp=c("price").median(), ms=c("size").median()).collect())
query("q23", "1-min avg mid by sym (quotes)", ("tab", ["sym", "bar"]),
      lambda k: "SELECT sym, time_bucket(INTERVAL '1 minute', time) AS bar, "
      "avg(0.5 * (bid + ask)) AS mid FROM quotes GROUP BY sym, bar",
      lambda tr, qu, k: lz(qu).group_by("sym", bar=c("time").dt.truncate("1m"))
      .agg(mid=(0.5 * (c("bid") + c("ask"))).mean()).collect())
query("q24", "30-min volume, count", ("tab", ["bar"]),
      lambda k: "SELECT time_bucket(INTERVAL '30 minutes', time) AS bar, sum(size) AS v, "
      "count(*) AS n FROM trades GROUP BY bar",
      lambda tr, qu, k: lz(tr).group_by(bar=c("time").dt.truncate("30m"))
      .agg(v=c("size").sum(), n=pl.len()).collect())
query("q25", "avg, max spread by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, avg(ask - bid) AS s, max(ask - bid) AS mx FROM quotes GROUP BY sym",
      lambda tr, qu, k: lz(qu).group_by("sym")
      .agg(s=(c("ask") - c("bid")).mean(), mx=(c("ask") - c("bid")).max()).collect())
query("q26", "avg spread in bps of mid by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, avg(10000 * (ask - bid) / (0.5 * (bid + ask))) AS bps "
      "FROM quotes GROUP BY sym",
      lambda tr, qu, k: lz(qu).group_by("sym")
      .agg(bps=(10000 * (c("ask") - c("bid")) / (0.5 * (c("bid") + c("ask")))).mean()).collect())
query("q27", "avg size imbalance by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, avg((bsize - asize)::DOUBLE / (bsize + asize)) AS imb "
      "FROM quotes GROUP BY sym",
      lambda tr, qu, k: lz(qu).group_by("sym")
      .agg(imb=((c("bsize") - c("asize")) / (c("bsize") + c("asize"))).mean()).collect())
query("q28", "last bid, ask by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, arg_max(bid, time) AS bid, arg_max(ask, time) AS ask "
      "FROM quotes GROUP BY sym",
      lambda tr, qu, k: lz(qu).group_by("sym").agg(bid=c("bid").last(), ask=c("ask").last()).collect())
query("q29", "first, last time, count by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, min(time) AS t0, max(time) AS t1, count(*) AS n FROM trades GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(t0=c("time").first(), t1=c("time").last(), n=pl.len()).collect())
query("q30", "hourly volume by ex", ("tab", ["ex", "bar"]),
      lambda k: "SELECT ex, time_bucket(INTERVAL '1 hour', time) AS bar, sum(size) AS v "
      "FROM trades GROUP BY ex, bar",
      lambda tr, qu, k: lz(tr).group_by("ex", bar=c("time").dt.truncate("1h"))
      .agg(v=c("size").sum()).collect())
query("q31", "count by 100 xbar size", ("tab", ["sz"]),
      lambda k: "SELECT (size // 100) * 100 AS sz, count(*) AS n FROM trades GROUP BY sz",
      lambda tr, qu, k: lz(tr).group_by(sz=(c("size") // 100) * 100).agg(n=pl.len()).collect())

# -- fby (DuckDB's window/join output order is its own: fingerprints without order)
FP_U = ("fp", list(TIME_COLS), False)
query("q32", "rows with size > their sym's avg (fby)", FP_U,
      lambda k: "SELECT * FROM trades QUALIFY size > avg(size) OVER (PARTITION BY sym)",
      lambda tr, qu, k: lz(tr).filter(c("size") > c("size").mean().over("sym")).collect())
query("q33", "rows at their sym's max price (fby)", FP_U,
      lambda k: "SELECT * FROM trades QUALIFY price = max(price) OVER (PARTITION BY sym)",
      lambda tr, qu, k: lz(tr).filter(c("price") == c("price").max().over("sym")).collect())

# -- deltas, prior, differ, runs (per sym, in time order)
W = "OVER (PARTITION BY sym ORDER BY time)"
query("q34", "count of 0<deltas price by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, sum(CASE WHEN d > 0 THEN 1 ELSE 0 END) AS up FROM "
      f"(SELECT sym, price - coalesce(lag(price) {W}, 0) AS d FROM trades) GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(up=(c("price").diff().fill_null(c("price")) > 0).sum()).collect())
query("q35", "avg abs (-) prior price by sym", ("tab", ["sym"]),
      lambda k: f"SELECT sym, avg(abs(price - p)) AS mv FROM (SELECT sym, price, lag(price) {W} "
      "AS p FROM trades) GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym").agg(mv=c("price").diff().abs().mean()).collect())
query("q36", "price runs (sum differ) by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, sum(CASE WHEN price IS DISTINCT FROM p THEN 1 ELSE 0 END) AS runs "
      f"FROM (SELECT sym, price, lag(price) {W} AS p FROM trades) GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(runs=(c("price") != c("price").shift(1)).fill_null(True).sum()).collect())
query("q37", "venue runs (sums differ ex): count, avg volume by sym", ("tab", ["sym"]),
      lambda k: "WITH a AS (SELECT sym, time, size, CASE WHEN ex IS DISTINCT FROM "
      f"lag(ex) {W} THEN 1 ELSE 0 END AS d FROM trades), "
      f"b AS (SELECT sym, size, sum(d) {W} AS run FROM a), "
      "r AS (SELECT sym, run, sum(size) AS v FROM b GROUP BY sym, run) "
      "SELECT sym, count(*) AS nruns, avg(v) AS av FROM r GROUP BY sym",
      lambda tr, qu, k: lz(tr)
      .with_columns(run=(c("ex") != c("ex").shift(1)).fill_null(True).cum_sum().over("sym"))
      .group_by("sym", "run").agg(v=c("size").sum())
      .group_by("sym").agg(nruns=pl.len(), av=c("v").mean()).collect())

# -- moving windows
query("q38", "10 mavg price by sym (update)", ("fp", ["price", "m"], False),
      lambda k: "SELECT *, avg(price) OVER (PARTITION BY sym ORDER BY time ROWS BETWEEN 9 "
      "PRECEDING AND CURRENT ROW) AS m FROM trades",
      lambda tr, qu, k: lz(tr).with_columns(
          m=c("price").rolling_mean(10, min_samples=1).over("sym")).collect())
query("q39", "20 msum size by sym (update)", ("fp", ["size", "v"], False),
      lambda k: "SELECT *, sum(size) OVER (PARTITION BY sym ORDER BY time ROWS BETWEEN 19 "
      "PRECEDING AND CURRENT ROW) AS v FROM trades",
      lambda tr, qu, k: lz(tr).with_columns(
          v=c("size").rolling_sum(20, min_samples=1).over("sym")).collect())
query("q40", "max of 100 mavg price by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, max(m) AS mx FROM (SELECT sym, avg(price) OVER (PARTITION BY sym "
      "ORDER BY time ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS m FROM trades) GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym")
      .agg(mx=c("price").rolling_mean(100, min_samples=1).max()).collect())

# -- pivot, computed keys
query("q41", "pivot: volume by sym x ex", ("tab", ["sym"]),
      lambda k: "PIVOT (SELECT sym, ex, size FROM trades) ON ex USING sum(size) GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym", "ex").agg(v=c("size").sum()).collect()
      .pivot(on="ex", index="sym", values="v"))
query("q42", "volume, count by venue family (dict lookup)", ("tab", ["fam"]),
      lambda k: "SELECT f.fam, sum(t.size) AS v, count(*) AS n FROM trades t "
      "JOIN exfam f ON t.ex = f.ex GROUP BY f.fam",
      lambda tr, qu, k: lz(tr).group_by(fam=c("ex").replace_strict(EXFAM))
      .agg(v=c("size").sum(), n=pl.len()).collect())
query("q43", "quote count by sym, venue family", ("tab", ["sym", "fam"]),
      lambda k: "SELECT q.sym, f.fam, count(*) AS n FROM quotes q JOIN exfam f ON q.ex = f.ex "
      "GROUP BY q.sym, f.fam",
      lambda tr, qu, k: lz(qu).group_by("sym", fam=c("ex").replace_strict(EXFAM))
      .agg(n=pl.len()).collect())

# -- as-of joins: the prevailing quote per trade
query("q44", "aj, avg effective spread by sym", ("tab", ["sym"]),
      lambda k: "SELECT t.sym, avg(2 * abs(t.price - 0.5 * (q.bid + q.ask))) AS es "
      f"{AJ_SQL} GROUP BY t.sym",
      lambda tr, qu, k: aj_pl(tr, qu).group_by("sym")
      .agg(es=(2 * (c("price") - 0.5 * (c("bid") + c("ask"))).abs()).mean()).collect())
query("q45", "aj, volume at/above ask, at/below bid by sym", ("tab", ["sym"]),
      lambda k: "SELECT t.sym, sum(CASE WHEN t.price - q.ask >= 0 THEN t.size ELSE 0 END) AS buyv, "
      "sum(CASE WHEN q.bid - t.price >= 0 THEN t.size ELSE 0 END) AS sellv "
      f"{AJ_SQL} GROUP BY t.sym",
      lambda tr, qu, k: aj_pl(tr, qu).group_by("sym").agg(
          buyv=pl.when(c("price") - c("ask") >= 0).then(c("size")).otherwise(0).sum(),
          sellv=pl.when(c("bid") - c("price") >= 0).then(c("size")).otherwise(0).sum()).collect())
query("q46", "aj for one sym", ("fp", ["price", "bid", "ask", "time"], False),
      lambda k: f"SELECT t.time, t.sym, t.price, q.bid, q.ask FROM (SELECT time, sym, price FROM "
      f"trades WHERE sym = '{k.x}') t ASOF LEFT JOIN (SELECT time, sym, bid, ask FROM quotes "
      f"WHERE sym = '{k.x}') q ON t.sym = q.sym AND t.time >= q.time",
      lambda tr, qu, k: lz(tr).filter(c("sym") == k.x).select("time", "sym", "price")
      .join_asof(lz(qu).filter(c("sym") == k.x).select("time", "sym", "bid", "ask"),
                 on="time", by="sym", strategy="backward").collect())
query("q47", "aj, avg quoted spread by trade venue", ("tab", ["ex"]),
      lambda k: f"SELECT t.ex, avg(q.ask - q.bid) AS s {AJ_SQL} GROUP BY t.ex",
      lambda tr, qu, k: aj_pl(tr, qu).group_by("ex")
      .agg(s=(c("ask") - c("bid")).mean()).collect())

# -- top-k, distinct counts, sorts
query("q48", "top 3 sizes per sym", ("all",),
      lambda k: "SELECT sym, size FROM (SELECT sym, size, row_number() OVER "
      "(PARTITION BY sym ORDER BY size DESC) AS rn FROM trades) WHERE rn <= 3",
      lambda tr, qu, k: lz(tr).group_by("sym").agg(c("size").top_k(3)).explode("size").collect())
query("q49", "top 10 quoted spreads", ("top", "s"),
      lambda k: "SELECT ask - bid AS s FROM quotes ORDER BY s DESC LIMIT 10",
      lambda tr, qu, k: lz(qu).select(s=c("ask") - c("bid")).top_k(10, by="s").collect())
query("q50", "count distinct size by sym", ("tab", ["sym"]),
      lambda k: "SELECT sym, count(DISTINCT size) AS nd FROM trades GROUP BY sym",
      lambda tr, qu, k: lz(tr).group_by("sym").agg(nd=c("size").n_unique()).collect())
query("q51", "count distinct (sym, ex) of quotes", ("tab", []),
      lambda k: "SELECT count(*) AS x FROM (SELECT DISTINCT sym, ex FROM quotes)",
      lambda tr, qu, k: lz(qu).select("sym", "ex").unique().select(x=pl.len()).collect())
query("q52", "sort trades by size desc, time desc", ("fp", ["size", "time", "price"], True),
      lambda k: "SELECT * FROM trades ORDER BY size DESC, time DESC",
      lambda tr, qu, k: tr.sort("size", "time", descending=True))
query("q53", "sort quotes by ex, time", ("fp", ["bid", "time"], True),
      lambda k: "SELECT * FROM quotes ORDER BY ex, time",
      lambda tr, qu, k: qu.sort("ex", "time"))

QUERIES = [x["name"] for x in Q]
BY_NAME = {x["name"]: x for x in Q}


# Warm-up rule, identical for every engine (bench.q has the same numbers): a
# query that takes milliseconds gets tens of warm-up runs, so caches, page
# tables and idle worker threads are in their steady state for all engines.
WARM_S = 0.25
WARM_MAX = 50


def best_of(fn, reps):
    t0 = time.perf_counter()
    for _ in range(WARM_MAX):
        fn()
        if time.perf_counter() - t0 >= WARM_S:
            break
    best, res = float("inf"), None
    for _ in range(reps):
        res = None
        t0 = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t0)
    return best, res


def fingerprint(df, cols, ordered):
    """n rows; per column the sum and, if ordered, sum (i mod 1009)*x (bench.q's fp).

    Temporal columns count as (ns since 2000 mod 1000003)."""
    n = df.height
    out = {"n": [n]}
    w = pl.Series(np.arange(n, dtype=np.int64) % 1009)
    vals = {}
    for name in cols:
        s = df[name]
        if isinstance(s.dtype, pl.Datetime):
            s = (s.dt.cast_time_unit("ns").cast(pl.Int64) - EPOCH_2000_NS) % 1000003
        elif isinstance(s.dtype, pl.Decimal):
            s = s.cast(pl.Int64) if s.dtype.scale == 0 else s.cast(pl.Float64)
        elif s.dtype.is_integer():
            s = s.cast(pl.Int64)
        vals[name] = s
        out[f"s_{name}"] = [s.sum()]
    if ordered:
        for name in cols:
            out[f"w_{name}"] = [(vals[name] * w).sum()]
    return pl.DataFrame(out)


# ---------------------------------------------------------------------------
# engines


def run_duckdb(datadir, reps, threads, only):
    import duckdb

    k = K(params(datadir))
    con = duckdb.connect()  # in-memory database
    con.execute(f"SET threads = {threads}")
    con.execute(
        f"CREATE TABLE trades AS SELECT * FROM read_parquet('{datadir}/trades.parquet')"
    )
    con.execute(
        f"CREATE TABLE quotes AS SELECT * FROM read_parquet('{datadir}/quotes.parquet')"
    )
    con.execute("CREATE TABLE exfam (ex VARCHAR, fam VARCHAR)")
    con.executemany("INSERT INTO exfam VALUES (?, ?)", list(EXFAM.items()))
    times, results = {}, {}
    for e in Q:
        if only and e["name"] not in only:
            continue
        sql, cmp = e["sql"](k), e["cmp"]
        try:
            if cmp[0] == "fp":
                # large answers are materialised inside DuckDB (a table, as
                # borf and Polars produce one), fingerprinted untimed
                def f():
                    con.execute(f"CREATE OR REPLACE TEMP TABLE r AS {sql}")

                times[e["name"]], _ = best_of(f, reps)
                r = pl.from_arrow(con.sql("SELECT * FROM r").to_arrow_table())
                results[e["name"]] = fingerprint(r, cmp[1], cmp[2])
                con.execute("DROP TABLE r")
            else:
                times[e["name"]], r = best_of(lambda: con.sql(sql).to_arrow_table(), reps)
                results[e["name"]] = pl.from_arrow(r)
        except Exception as ex:  # a failing query is a finding, not the end of the run
            print(f"  duckdb {e['name']}: FAILED {type(ex).__name__}: {ex}", flush=True)
    con.close()
    return times, results


def run_polars(datadir, reps, threads, only):
    # join_asof cannot check sortedness within `by` groups; the times are
    # strictly increasing in both tables (gen.py), so the warning is moot
    warnings.filterwarnings("ignore", message="Sortedness of columns")
    k = K(params(datadir))
    tr = pl.read_parquet(f"{datadir}/trades.parquet").with_columns(
        pl.col("sym").cast(pl.Categorical)
    )
    qu = pl.read_parquet(f"{datadir}/quotes.parquet").with_columns(
        pl.col("sym").cast(pl.Categorical)
    )
    tr = tr.with_columns(pl.col("time").set_sorted())
    qu = qu.with_columns(pl.col("time").set_sorted())
    tr, qu = tr.rechunk(), qu.rechunk()
    times, results = {}, {}
    for e in Q:
        if only and e["name"] not in only:
            continue
        cmp = e["cmp"]
        try:
            times[e["name"]], r = best_of(lambda: e["pl"](tr, qu, k), reps)
            if cmp[0] == "fp":
                r = fingerprint(r, cmp[1], cmp[2])
            results[e["name"]] = r
        except Exception as ex:
            print(f"  polars {e['name']}: FAILED {type(ex).__name__}: {ex}", flush=True)
    return times, results


def engine_main(name, datadir, outdir, reps, threads, only):
    os.makedirs(outdir, exist_ok=True)
    fn = {"duckdb": run_duckdb, "polars": run_polars}[name]
    times, results = fn(datadir, reps, threads, only)
    for q, r in results.items():
        r.with_columns(pl.col(pl.Categorical).cast(pl.String)).write_parquet(
            os.path.join(outdir, f"{q}.parquet")
        )
    with open(os.path.join(outdir, "times.json"), "w") as f:
        json.dump(times, f)


# ---------------------------------------------------------------------------
# answers: canonical columns, compared with a tolerance


def canon(q, df, cols):
    """The answer's columns `cols` (borf's), rows in the order the query's cmp says."""
    df = df.with_columns(pl.col(pl.Categorical).cast(pl.String))
    for name, dt in df.schema.items():
        if isinstance(dt, pl.Datetime):
            df = df.with_columns(
                (pl.col(name).dt.cast_time_unit("ns").cast(pl.Int64) - EPOCH_2000_NS).alias(name)
            )
        elif isinstance(dt, pl.Duration):
            df = df.with_columns(pl.col(name).dt.total_nanoseconds().alias(name))
    missing = [x for x in cols if x not in df.columns]
    if missing:
        return None, f"no column(s) {','.join(missing)}"
    df = df.select(cols)
    cmp = BY_NAME[q]["cmp"]
    if cmp[0] == "tab" and cmp[1]:
        df = df.sort(cmp[1])
    elif cmp[0] == "all":
        df = df.sort(cols)
    elif cmp[0] == "top":
        df = df.sort(cmp[1], descending=True)
    return df, None


def agree(q, ref, other):
    """None if the answers agree, else a short reason (ref is borf's answer)."""
    cols = ref.columns
    a, why = canon(q, ref, cols)
    b, why2 = canon(q, other, cols)
    if why or why2:
        return why or why2
    if a.height != b.height:
        return f"{a.height} vs {b.height} rows"
    for name in cols:
        x, y = a[name], b[name]
        if x.dtype == pl.String or y.dtype == pl.String:
            if not x.cast(pl.String).equals(y.cast(pl.String)):
                return f"column {name} differs"
            continue
        if x.dtype.is_integer() and y.dtype.is_integer():
            xi = x.cast(pl.Int64).fill_null(-(2**62)).to_numpy()
            yi = y.cast(pl.Int64).fill_null(-(2**62)).to_numpy()
            if not np.array_equal(xi, yi):
                i = int(np.argmax(xi != yi))
                return f"column {name} row {i}: {xi[i]} vs {yi[i]} (exact)"
            continue
        xf = x.cast(pl.Float64).fill_null(np.nan).to_numpy()
        yf = y.cast(pl.Float64).fill_null(np.nan).to_numpy()
        close = np.isclose(xf, yf, rtol=1e-9, atol=1e-12, equal_nan=True)
        if not close.all():
            i = int(np.argmax(~close))
            return f"column {name} row {i}: {xf[i]!r} vs {yf[i]!r}"
    return None


# ---------------------------------------------------------------------------
# driver


def sh(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw)


def mem_available_gb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    return 0.0


def prepare(scale):
    """Generates the data and the borf database once per scale (cached)."""
    d = os.path.join(DATA, scale)
    stamp = os.path.join(d, "READY")
    if os.path.exists(stamp) and open(stamp).read().strip() == DATA_VERSION:
        print(f"[{scale}] reusing data in {d}")
        return d
    subprocess.run(["rm", "-rf", d], check=True)
    os.makedirs(d)
    t0 = time.time()
    sh([sys.executable, os.path.join(HERE, "gen.py"), scale, d], check=True)
    p = params(d)
    r = sh(
        [BORF, os.path.join(HERE, "mkdb.q"), os.path.join(d, "raw"), os.path.join(d, "db"),
         p["date"].replace("-", ".")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode != 0 or "borf database written" not in r.stdout:
        raise SystemExit(f"[{scale}] borf failed to write the database (see above)")
    subprocess.run(["rm", "-rf", os.path.join(d, "raw")], check=True)
    with open(stamp, "w") as f:
        f.write(DATA_VERSION + "\n")
    print(f"[{scale}] data generated in {time.time() - t0:.0f} s: {d}")
    return d


def run_borf(d, out, reps, threads, only):
    p = params(d)
    os.makedirs(out, exist_ok=True)
    cmd = [BORF, os.path.join(HERE, "bench.q"), os.path.join(d, "db"),
           p["date"].replace("-", "."), out, str(reps), p["q2sym"], p["q2size"], p["s3"]]
    if only:
        cmd.append(",".join(only))
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    print(f"+ RAYON_NUM_THREADS={threads} " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    times = {}
    for line in r.stdout.splitlines():
        if line.startswith("TIME "):
            _, q, s = line.split()
            times[q] = float(s)
        elif line.startswith("LOADED"):
            print("  borf: " + line)
        elif line.startswith("FAIL"):
            # a query that fails, or whose answer is not a table, has no time
            print("  borf: " + line)
            times.pop(line.split()[1], None)
    if r.returncode != 0 or "DONE" not in r.stdout:
        print(r.stdout[-3000:] + r.stderr[-3000:])
        print(f"  borf: FAILED (exit {r.returncode}); queries without a time were not run")
    results = {}
    for q in times:
        path = os.path.join(out, f"{q}.csv")
        if os.path.exists(path):
            results[q] = pl.read_csv(path, infer_schema_length=None)
    return times, results


def run_engine(name, d, out, reps, threads, only):
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "engine", name, d, out, str(reps),
           str(threads)]
    if only:
        cmd.append(",".join(only))
    r = sh(cmd, env=env)
    if r.returncode != 0:
        print(f"  {name}: FAILED (exit {r.returncode})")
        return {}, {}
    times = json.load(open(os.path.join(out, "times.json")))
    results = {q: pl.read_parquet(os.path.join(out, f"{q}.parquet")) for q in times
               if os.path.exists(os.path.join(out, f"{q}.parquet"))}
    return times, results


ENGINES = ("borf", "duckdb", "polars")


def run_all(d, out, reps, threads, only):
    """Every engine at each thread count in `threads`, an engine's runs back to
    back (so a change of the shared machine's load between engines does not
    enter one engine's speed-up). Returns {threads: {engine: (times, answers)}}
    and the load average (1 min) seen before each engine's runs."""
    eng = {n: {} for n in threads}
    loads = []
    for e in ENGINES:
        loads.append(os.getloadavg()[0])
        for n in threads:
            o = os.path.join(out, f"{e}{n}")
            if e == "borf":
                eng[n][e] = run_borf(d, o, reps, n, only)
            else:
                eng[n][e] = run_engine(e, d, o, reps, n, only)
    return eng, loads


def fmt(x):
    return "-" if x is None else f"{x:.4f}"


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def scale_main(scale, reps, bw, only, sweep):
    need = NEED_GB[scale]
    if mem_available_gb() < need:
        print(f"[{scale}] SKIPPED: needs ~{need} GB free, {mem_available_gb():.1f} GB available")
        return None
    d = prepare(scale)
    p = params(d)
    out = os.path.join(d, "out")
    names = [q for q in QUERIES if not only or q in only]
    threads = [2, 1] if sweep else [2]
    runs, loads = run_all(d, out, reps, threads, only)
    eng = runs[2]

    print()
    print(f"== scale {scale}: {int(p['ntrade']):,} trades, {int(p['nquote']):,} quotes, "
          f"best of {reps} warm runs, 2 threads each, seconds "
          f"(load average before borf, duckdb, polars: "
          f"{', '.join(f'{x:.1f}' for x in loads)}) ==")
    hdr = f"{'query':<52} {'borf':>8} {'duckdb':>8} {'polars':>8} {'ratio':>6}  answers"
    print(hdr)
    print("-" * len(hdr))
    # the same tables as markdown, for docs/PERF.md: <datadir>/results.md
    md = [f"Scale {scale}: {int(p['ntrade']):,} trades, {int(p['nquote']):,} quotes; best of "
          f"{reps} warm runs, 2 threads each, seconds; load average (1 min) before borf, "
          f"DuckDB, Polars: {', '.join(f'{x:.1f}' for x in loads)}.", "",
          "| query | borf | DuckDB | Polars | borf/best | answers |", "|---|---|---|---|---|---|"]
    rows = []
    for q in names:
        t = {e: eng[e][0].get(q) for e in eng}
        others = [t[e] for e in ("duckdb", "polars") if t[e] is not None]
        ratio = t["borf"] / min(others) if t["borf"] is not None and others else None
        checks = []
        ref = eng["borf"][1].get(q)
        if ref is None:
            checks.append("borf:FAILED")
        for e in ("duckdb", "polars"):
            res = eng[e][1].get(q)
            if ref is None or res is None:
                checks.append(f"{e}:n/a")
                continue
            why = agree(q, ref, res)
            checks.append(f"{e}:OK" if why is None else f"{e}:MISMATCH({why})")
        status = "OK" if all(c_.endswith(":OK") for c_ in checks) else " ".join(checks)
        print(f"{q + ' ' + BY_NAME[q]['descr']:<52.52} {fmt(t['borf']):>8} {fmt(t['duckdb']):>8} "
              f"{fmt(t['polars']):>8} {('-' if ratio is None else f'{ratio:.2f}'):>6}  {status}")
        rows.append((q, t, ratio, status))
        md.append(f"| {q} {BY_NAME[q]['descr']} | {fmt(t['borf'])} | {fmt(t['duckdb'])} | "
                  f"{fmt(t['polars'])} | {'-' if ratio is None else f'{ratio:.2f}'} | {status} |")
    ratios = [r[2] for r in rows if r[2] is not None]
    gm = geomean(ratios)
    summary = (f"geometric mean of borf/best-other over {len(ratios)} queries: "
               f"{'-' if gm is None else f'{gm:.2f}'}; at or below 1.0: "
               f"{sum(1 for x in ratios if x <= 1.0)} of {len(ratios)}; "
               f"answers OK: {sum(1 for r in rows if r[3] == 'OK')} of {len(rows)}")
    print(summary)
    md += ["", summary[0].upper() + summary[1:] + ".", ""]
    t1 = eng["borf"][0].get("q1")
    if t1:
        gbs = 8 * int(p["ntrade"]) / t1 / 1e9
        line = f"Q1 effective bandwidth: borf {gbs:.1f} GB/s (8 B x {int(p['ntrade']):,} rows)"
        for e in ("duckdb", "polars"):
            if eng[e][0].get("q1"):
                line += f", {e} {8 * int(p['ntrade']) / eng[e][0]['q1'] / 1e9:.1f} GB/s"
        if bw:
            line += f"; machine: {bw}"
        print(line)
    print()
    if sweep:
        md += thread_sweep(names, runs[1], eng)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"(markdown tables: {os.path.join(d, 'results.md')})")
    return rows


def thread_sweep(names, eng1, eng2):
    """Second table: every engine at 1 and at 2 threads; speed-up = t1/t2."""
    print("== thread sweep: seconds at 1 and 2 worker threads, speed-up = t1/t2 ==")
    hdr = f"{'query':<10}" + "".join(f" {e + ' 1':>9} {e + ' 2':>9} {'x':>5}" for e in ENGINES)
    print(hdr)
    print("-" * len(hdr))
    md = ["Thread sweep, seconds at 1 and 2 worker threads, speed-up = t1/t2:", "",
          "| query | " + " | ".join(f"{e} 1 | {e} 2 | x" for e in ENGINES) + " |",
          "|---" * (1 + 3 * len(ENGINES)) + "|"]
    ups = {e: [] for e in ENGINES}
    tot = {e: ([], []) for e in ENGINES}
    for q in names:
        line = f"{q:<10}"
        cells = []
        for e in ENGINES:
            a, b = eng1[e][0].get(q), eng2[e][0].get(q)
            up = a / b if a and b else None
            if up:
                ups[e].append(up)
                tot[e][0].append(a)
                tot[e][1].append(b)
            line += f" {fmt(a):>9} {fmt(b):>9} {('-' if up is None else f'{up:.2f}'):>5}"
            cells += [fmt(a), fmt(b), "-" if up is None else f"{up:.2f}"]
        print(line)
        md.append(f"| {q} | " + " | ".join(cells) + " |")
    line = f"{'geomean':<10}"
    cells = []
    for e in ENGINES:
        g1, g2, gu = geomean(tot[e][0]), geomean(tot[e][1]), geomean(ups[e])
        line += f" {fmt(g1):>9} {fmt(g2):>9} {('-' if gu is None else f'{gu:.2f}'):>5}"
        cells += [f"**{fmt(g1)}**", f"**{fmt(g2)}**", "**-**" if gu is None else f"**{gu:.2f}**"]
    print(line)
    print()
    md.append("| geomean | " + " | ".join(cells) + " |")
    return md


def bandwidth():
    if not os.path.exists(BANDWIDTH):
        return None
    r = subprocess.run([BANDWIDTH], capture_output=True, text=True)
    print(r.stdout.strip())
    for line in r.stdout.splitlines():
        if line.startswith("SUMMARY "):
            return line[len("SUMMARY "):]
    return None


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("main")
    m.add_argument("--scale", choices=["small", "medium", "large", "both"], default="both")
    m.add_argument("--reps", type=int, default=5)
    m.add_argument("--only", default="", help="comma-separated query names (default: all)")
    m.add_argument("--no-sweep", action="store_true", help="skip the 1-thread runs")
    e = sub.add_parser("engine")
    e.add_argument("name")
    e.add_argument("datadir")
    e.add_argument("outdir")
    e.add_argument("reps", type=int)
    e.add_argument("threads", type=int)
    e.add_argument("only", nargs="?", default="")
    a = ap.parse_args()
    only = [x for x in a.only.split(",") if x]
    if a.cmd == "engine":
        engine_main(a.name, a.datadir, a.outdir, a.reps, a.threads, only)
        return
    bad = [x for x in only if x not in BY_NAME]
    if bad:
        raise SystemExit(f"unknown queries: {','.join(bad)}")
    print(f"borf {BORF}; duckdb and polars from {sys.prefix}; "
          f"{os.cpu_count()} cores, {mem_available_gb():.1f} GB available, "
          f"load average {os.getloadavg()[0]:.1f}")
    bw = bandwidth()
    scales = ["small", "large"] if a.scale == "both" else [a.scale]
    ok = True
    for s in scales:
        rows = scale_main(s, a.reps, bw, only, not a.no_sweep)
        if rows is not None and any(r[3] != "OK" for r in rows):
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
