/ Issue 15: the comparative benchmark's filters (q9, q12, q13, q15, q16) on
/ data of the same shape as benches/compare/gen.py (10M trades, 10M quotes
/ in time order; sizes: 80% round lots 100*geometric(0.3), else 1..99),
/ made here; ms per run (\t:20 / 20).
/ usage: RAYON_NUM_THREADS=1 borf benches/threads/filters.q -q </dev/null (then =2)
n:10000000
syms:`$"S",/:string til 500
/ skewed activity: sym k drawn with weight 1/(k+1)
w:1%1+til 500; cw:sums w%sum w
t:`time xasc ([]time:09:30:00.000000000+n?0D06:30:00; sym:syms cw binr n?1f; price:100+0.01*floor 1000*n?1f; size:?[0.8>n?1f; 100*1+floor (log n?1f)%log 0.7; 1+n?99]; ex:n?"DQNPKZVJYXBA"; cond:n?`I`F`O`R`T)
q:`time xasc ([]time:09:30:00.000000000+n?0D06:30:00; sym:syms cw binr n?1f; bid:100+n?1f; ask:101+n?1f; bsize:100*1+n?49; asize:100*1+n?49; ex:n?"DQNPKZVJYXBA")
X:syms 4; Y:500; T0:0D10:00 0D10:30
r:{[s;e] x:value e; -1 (string s),"\t",(string count x),"\t",string 0.05*system"t:20 ",e}
r[`q9_sym_eq;"select from t where sym=X"];
r[`q12_size_gt;"select from t where size>10*Y"];
r[`q12_size_gt_kept;"select from t where size>1000"];
r[`q13_price_size;"select from t where price>100, size>=1000"];
r[`q15_sym_time;"select from q where sym=X, time within T0"];
r[`q16_ex_cond;"select from t where ex=\"N\", cond=`F"];
\\
