"""Polars on the shapes of sorts.q (10M rows): arg_sort of floats, a sort by
(sym, time) with sym categorical and string, top_k of a computed column.
Milliseconds, best of 3. Usage: POLARS_MAX_THREADS=N python sorts_polars.py"""
import polars as pl, numpy as np, time
n=10_000_000
rng=np.random.default_rng(1)
f=pl.Series(rng.random(n))
syms=np.array("AAPL MSFT GOOG IBM AMZN META NVDA TSLA A B C D E F G H".split())
t=pl.DataFrame({"sym":syms[rng.integers(0,16,n)],"time":rng.integers(0,23400000,n),"price":100+10*rng.random(n),"size":rng.integers(0,1000,n)}).with_columns(pl.col("sym").cast(pl.Categorical))
def best(fn):
    o=[]
    for _ in range(3):
        t0=time.perf_counter(); fn(); o.append(time.perf_counter()-t0)
    return min(o)*1000
print("arg_sort f", best(lambda: f.arg_sort()))
print("sort sym,time", best(lambda: t.sort(["sym","time"])))
ts=t.with_columns(pl.col("sym").cast(pl.String))
print("sort sym(str),time", best(lambda: ts.sort(["sym","time"])))
print("top_k", best(lambda: t.with_columns(n=pl.col("size")*pl.col("price")).top_k(10,by="n")))
