/ Issue 15: filters, scans and simple aggregates at 10M rows, ms per run (\t:3).
/ RAYON_NUM_THREADS=1 borf benches/threads/scans.q -q </dev/null, then =2.
/ Trades and quotes in time order (`time xasc: time has s#), as the
/ comparative benchmark (benches/compare/bench.q) loads them.
n:10000000;
syms:`$"s",/:string til 100;
d:2024.01.02D00:00;
t:`time xasc ([]time:d+09:30:00.000000000+n?23400000000000;sym:n?syms;price:50+n?100f;size:100*1+n?20;ex:n?"DQNPKZVJYXBA";cond:n?`R`F`T`O`I);
q:`time xasc ([]time:d+09:30:00.000000000+n?23400000000000;sym:n?syms;bid:n?100f;ask:n?100f;bsize:n?1000;asize:n?1000;ex:n?"DQNPKZVJYXBA");
T0:(d+10:00:00.000000000;d+10:30:00.000000000);
T2:d+15:30:00.000000000;
r:{[s;e] x:value e; -1 (string s),"\t",string floor (system"t:3 ",e)%3};
r[`q11_within_sorted;"select from t where time within T0"];
r[`q14_lt_sorted_92pct;"select from q where time<T2"];
r[`within_then_sym;"select from t where time within T0, sym=`s5"];
r[`count_within;"exec count i from t where time within T0"];
r[`q12_size_gt;"select from t where size>1900"];
r[`q13_price_size;"select from t where price>100, size>=1000"];
r[`count_price_gt;"exec count i from t where price>100"];
r[`count_size_gt;"exec count i from t where size>1000"];
r[`q17_by_ex;"select n:count i, v:sum size, hi:max price, lo:min price by ex from t"];
r[`q18_by_cond;"select n:count i, v:sum size by cond from t"];
r[`q19_wavg_by_sym_ex;"select vwap:size wavg price by sym, ex from t"];
r[`q30_by_ex_hour;"select v:sum size by ex, bar:0D01:00 xbar time from t"];
r[`q21_avg_dev_by_sym;"select a:avg price, sd:dev price by sym from t"];
r[`q22_med_by_sym;"select mp:med price, ms:med size by sym from t"];
r[`var_by_sym;"select v:var price, sv:svar size, sd:sdev price by sym from t"];
\\
