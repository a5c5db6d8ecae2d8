/ Issue 15: sorts and top-k at 10M rows, ms (best of 3).
/ RAYON_NUM_THREADS=1 borf benches/threads/sorts.q -q </dev/null, then =2;
/ sorts_polars.py (run with a Python that has polars and numpy) times Polars on the same shapes.
n:10000000
f:n?1.0
t:([]sym:n?`AAPL`MSFT`GOOG`IBM`AMZN`META`NVDA`TSLA`A`B`C`D`E`F`G`H;time:09:30:00.000+n?23400000;price:100+n?10f;size:n?1000)
-1 "iasc f: ",string min {system"t iasc f"} each til 3;
-1 "sym`time xasc t: ",string min {system"t `sym`time xasc t"} each til 3;
-1 "10 sublist `n xdesc: ",string min {system"t 10 sublist `n xdesc update n:size*price from t"} each til 3;
-1 "select[10;>n]: ",string min {system"t select[10;>n] from update n:size*price from t"} each til 3;
\\
