"""Comparative benchmark driver (issue 6): borf vs DuckDB vs Polars.

Run through benches/compare/run, which sets up the venv and builds borf.

  compare.py main --scale small|large|both --reps N
  compare.py engine duckdb|polars DATADIR OUTDIR REPS     (one engine, own process)

Every engine loads both tables fully into memory first (untimed), then warms each
query up (runs it until WARM_S seconds have passed, at least once, at most
WARM_MAX times: the same rule in bench.q) and runs it REPS more times; the best
wall-clock time counts.
Answers are written to OUTDIR and compared afterwards.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import polars as pl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BORF = os.path.join(ROOT, "target", "release", "borf")
BANDWIDTH = os.path.join(ROOT, "target", "release", "examples", "bandwidth")
DATA = os.path.join(ROOT, "target", "compare-data")
EPOCH_2000_NS = 946684800 * 10**9
QUERIES = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"]
DESCR = {
    "q1": "sum size",
    "q2": "count,avg price where sym=X,size>Y",
    "q3": "vwap, sum size by sym",
    "q4": "5-min OHLCV bars by sym",
    "q5": "aj trades->quotes, avg spread by sym",
    "q6": "sort trades by sym,time",
    "q7": "count distinct (sym,size)",
    "q8": "top 10 by price*size",
}
# generation + database format version: bump to force regeneration
DATA_VERSION = "1"


def params(datadir):
    with open(os.path.join(datadir, "params.txt")) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


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


def fingerprint(size, tns):
    """Order-sensitive checksum of a sorted trades table (same as bench.q)."""
    i = np.arange(len(size), dtype=np.int64)
    f1 = int(np.sum((i % 1009) * size.astype(np.int64)))
    f2 = int(np.sum((i % 1013) * (tns.astype(np.int64) % 1000003)))
    return pl.DataFrame({"n": [len(size)], "f1": [f1], "f2": [f2]})


# ---------------------------------------------------------------------------
# engines


def run_duckdb(datadir, outdir, reps):
    import duckdb

    p = params(datadir)
    con = duckdb.connect()  # in-memory database, default threads (= cores)
    con.execute(
        f"CREATE TABLE trades AS SELECT * FROM read_parquet('{datadir}/trades.parquet')"
    )
    con.execute(
        f"CREATE TABLE quotes AS SELECT * FROM read_parquet('{datadir}/quotes.parquet')"
    )
    sq = {
        "q1": "SELECT sum(size) AS x FROM trades",
        "q2": f"SELECT count(*) AS n, avg(price) AS ap FROM trades "
        f"WHERE sym = '{p['q2sym']}' AND size > {p['q2size']}",
        "q3": "SELECT sym, sum(size * price) / sum(size) AS vwap, sum(size) AS tot "
        "FROM trades GROUP BY sym ORDER BY sym",
        "q4": "SELECT sym, time_bucket(INTERVAL '5 minutes', time) AS bar, "
        "arg_min(price, time) AS o, max(price) AS h, min(price) AS l, "
        "arg_max(price, time) AS c, sum(size) AS v "
        "FROM trades GROUP BY sym, bar ORDER BY sym, bar",
        "q5": "SELECT t.sym, avg(q.ask - q.bid) AS spread FROM trades t "
        "ASOF LEFT JOIN quotes q ON t.sym = q.sym AND t.time >= q.time "
        "GROUP BY t.sym ORDER BY t.sym",
        "q7": "SELECT count(*) AS x FROM (SELECT DISTINCT sym, size FROM trades)",
        "q8": "SELECT *, price * size AS v FROM trades ORDER BY v DESC LIMIT 10",
    }
    times, results = {}, {}
    for q in QUERIES:
        if q == "q6":
            # materialised inside DuckDB (a table, as borf and Polars produce one)
            def f():
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE q6 AS SELECT * FROM trades ORDER BY sym, time"
                )

            times[q], _ = best_of(f, reps)
            r = con.execute("SELECT size, time FROM q6").fetchnumpy()
            tns = r["time"].astype("datetime64[ns]").astype(np.int64) - EPOCH_2000_NS
            results[q] = fingerprint(r["size"], tns)
            con.execute("DROP TABLE q6")
        else:
            times[q], r = best_of(lambda: con.sql(sq[q]).to_arrow_table(), reps)
            results[q] = pl.from_arrow(r)
    con.close()
    return times, results


def run_polars(datadir, outdir, reps):
    # join_asof cannot check sortedness within `by` groups; the times are
    # strictly increasing in both tables (gen.py), so the warning is moot
    warnings.filterwarnings("ignore", message="Sortedness of columns")
    p = params(datadir)
    tr = pl.read_parquet(f"{datadir}/trades.parquet").with_columns(
        pl.col("sym").cast(pl.Categorical)
    )
    qu = pl.read_parquet(f"{datadir}/quotes.parquet").with_columns(
        pl.col("sym").cast(pl.Categorical)
    )
    tr = tr.with_columns(pl.col("time").set_sorted())
    qu = qu.with_columns(pl.col("time").set_sorted())
    tr, qu = tr.rechunk(), qu.rechunk()
    c = pl.col
    x, y = p["q2sym"], int(p["q2size"])
    qs = {
        "q1": lambda: tr.lazy().select(x=c("size").sum()).collect(),
        "q2": lambda: tr.lazy()
        .filter((c("sym") == x) & (c("size") > y))
        .select(n=pl.len(), ap=c("price").mean())
        .collect(),
        "q3": lambda: tr.lazy()
        .group_by("sym")
        .agg(
            vwap=(c("size") * c("price")).sum() / c("size").sum(),
            tot=c("size").sum(),
        )
        .sort("sym")
        .collect(),
        "q4": lambda: tr.lazy()
        .group_by("sym", bar=c("time").dt.truncate("5m"))
        .agg(
            o=c("price").first(),
            h=c("price").max(),
            l=c("price").min(),
            c=c("price").last(),
            v=c("size").sum(),
        )
        .sort("sym", "bar")
        .collect(),
        "q5": lambda: tr.lazy()
        .join_asof(qu.lazy(), on="time", by="sym", strategy="backward")
        .group_by("sym")
        .agg(spread=(c("ask") - c("bid")).mean())
        .sort("sym")
        .collect(),
        "q6": lambda: tr.sort("sym", "time"),
        "q7": lambda: tr.lazy().select("sym", "size").unique().select(x=pl.len()).collect(),
        "q8": lambda: tr.lazy().with_columns(v=c("price") * c("size")).top_k(10, by="v").collect(),
    }
    times, results = {}, {}
    for q in QUERIES:
        times[q], r = best_of(qs[q], reps)
        if q == "q6":
            tns = r["time"].cast(pl.Int64).to_numpy() - EPOCH_2000_NS
            r = fingerprint(r["size"].to_numpy(), tns)
        results[q] = r
    return times, results


def engine_main(name, datadir, outdir, reps):
    os.makedirs(outdir, exist_ok=True)
    fn = {"duckdb": run_duckdb, "polars": run_polars}[name]
    times, results = fn(datadir, outdir, reps)
    for q, r in results.items():
        r.with_columns(pl.col(pl.Categorical).cast(pl.String)).write_parquet(
            os.path.join(outdir, f"{q}.parquet")
        )
    with open(os.path.join(outdir, "times.json"), "w") as f:
        json.dump(times, f)


# ---------------------------------------------------------------------------
# answers: canonical numpy columns, compared with a tolerance


def canon(q, df):
    """The answer as (key columns, value columns), rows ordered by key."""
    df = df.with_columns(pl.col(pl.Categorical).cast(pl.String))
    for name, dt in df.schema.items():
        if isinstance(dt, pl.Datetime):
            df = df.with_columns(
                (pl.col(name).dt.cast_time_unit("ns").cast(pl.Int64) - EPOCH_2000_NS).alias(name)
            )
    keys = {"q3": ["sym"], "q4": ["sym", "bar"], "q5": ["sym"]}.get(q, [])
    vals = {
        "q1": ["x"],
        "q2": ["n", "ap"],
        "q3": ["vwap", "tot"],
        "q4": ["o", "h", "l", "c", "v"],
        "q5": ["spread"],
        "q6": ["n", "f1", "f2"],
        "q7": ["x"],
        "q8": ["v"],
    }[q]
    if keys:
        df = df.sort(keys)
    if q == "q8":
        df = df.sort("v", descending=True)
    return df.select(keys + vals)


def agree(q, a, b):
    """None if the answers agree, else a short reason."""
    a, b = canon(q, a), canon(q, b)
    if a.height != b.height:
        return f"{a.height} vs {b.height} rows"
    for name in a.columns:
        x, y = a[name], b[name]
        if x.dtype == pl.String or y.dtype == pl.String:
            if not x.cast(pl.String).equals(y.cast(pl.String)):
                return f"column {name} differs"
            continue
        xf, yf = x.cast(pl.Float64).to_numpy(), y.cast(pl.Float64).to_numpy()
        if x.dtype.is_integer() and y.dtype.is_integer():
            if not np.array_equal(x.to_numpy(), y.to_numpy()):
                return f"column {name} differs (exact)"
        elif not np.allclose(xf, yf, rtol=1e-9, atol=1e-12, equal_nan=True):
            i = int(np.argmax(~np.isclose(xf, yf, rtol=1e-9, atol=1e-12, equal_nan=True)))
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


def run_borf(d, out, reps):
    p = params(d)
    os.makedirs(out, exist_ok=True)
    r = sh(
        [BORF, os.path.join(HERE, "bench.q"), os.path.join(d, "db"), p["date"].replace("-", "."),
         out, str(reps), p["q2sym"], p["q2size"]],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    times = {}
    for line in r.stdout.splitlines():
        if line.startswith("TIME "):
            _, q, s = line.split()
            times[q] = float(s)
        elif line.startswith("LOADED"):
            print("  borf: " + line)
    if r.returncode != 0 or "DONE" not in r.stdout:
        print(r.stdout + r.stderr)
        print(f"  borf: FAILED (exit {r.returncode}); queries without a time were not run")
    results = {}
    for q in times:
        df = pl.read_csv(os.path.join(out, f"{q}.csv"), infer_schema_length=None)
        results[q] = df
    return times, results


def run_engine(name, d, out, reps):
    r = sh([sys.executable, os.path.abspath(__file__), "engine", name, d, out, str(reps)])
    if r.returncode != 0:
        print(f"  {name}: FAILED (exit {r.returncode})")
        return {}, {}
    times = json.load(open(os.path.join(out, "times.json")))
    results = {q: pl.read_parquet(os.path.join(out, f"{q}.parquet")) for q in times}
    return times, results


def fmt(x):
    return "-" if x is None else f"{x:.4f}"


def scale_main(scale, reps, bw):
    need = {"small": 4, "large": 16}[scale]
    if mem_available_gb() < need:
        print(f"[{scale}] SKIPPED: needs ~{need} GB free, {mem_available_gb():.1f} GB available")
        return None
    d = prepare(scale)
    p = params(d)
    out = os.path.join(d, "out")
    eng = {}
    eng["borf"] = run_borf(d, os.path.join(out, "borf"), reps)
    eng["duckdb"] = run_engine("duckdb", d, os.path.join(out, "duckdb"), reps)
    eng["polars"] = run_engine("polars", d, os.path.join(out, "polars"), reps)

    print()
    print(f"== scale {scale}: {int(p['ntrade']):,} trades, {int(p['nquote']):,} quotes, "
          f"best of {reps} warm runs, seconds ==")
    hdr = f"{'query':<42} {'borf':>8} {'duckdb':>8} {'polars':>8} {'ratio':>6}  answers"
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for q in QUERIES:
        t = {e: eng[e][0].get(q) for e in eng}
        others = [t[e] for e in ("duckdb", "polars") if t[e] is not None]
        ratio = t["borf"] / min(others) if t["borf"] is not None and others else None
        checks = []
        ref = eng["borf"][1].get(q)
        for e in ("duckdb", "polars"):
            res = eng[e][1].get(q)
            if ref is None or res is None:
                checks.append(f"{e}:n/a")
                continue
            why = agree(q, ref, res)
            checks.append(f"{e}:OK" if why is None else f"{e}:MISMATCH({why})")
        status = "OK" if all(c.endswith(":OK") for c in checks) else " ".join(checks)
        print(f"{q + ' ' + DESCR[q]:<42} {fmt(t['borf']):>8} {fmt(t['duckdb']):>8} "
              f"{fmt(t['polars']):>8} {('-' if ratio is None else f'{ratio:.2f}'):>6}  {status}")
        rows.append((q, t, ratio, status))
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
    return rows


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
    m.add_argument("--scale", choices=["small", "large", "both"], default="both")
    m.add_argument("--reps", type=int, default=5)
    e = sub.add_parser("engine")
    e.add_argument("name")
    e.add_argument("datadir")
    e.add_argument("outdir")
    e.add_argument("reps", type=int)
    a = ap.parse_args()
    if a.cmd == "engine":
        engine_main(a.name, a.datadir, a.outdir, a.reps)
        return
    print(f"borf {BORF}; duckdb and polars from {sys.prefix}; "
          f"{os.cpu_count()} cores, {mem_available_gb():.1f} GB available")
    bw = bandwidth()
    scales = ["small", "large"] if a.scale == "both" else [a.scale]
    ok = True
    for s in scales:
        rows = scale_main(s, a.reps, bw)
        if rows is not None and any(r[3] != "OK" for r in rows):
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
