/ Comparative benchmark (issue 6): the borf side.
/ usage: borf bench.q DBDIR DATE OUTDIR REPS Q2SYM Q2SIZE
/ Loads both tables of partition DATE into memory in time order (the order the
/ Parquet files have), then times each query: warm-up runs until 0.25 s have
/ passed (at least one, at most 50: compare.py's WARM_S/WARM_MAX), then the
/ best of REPS runs, wall clock (.z.n) around the call. Prints "TIME qN seconds";
/ writes each answer as CSV to OUTDIR/qN.csv (timestamps as ns since 2000).
\P 0
dir:.z.x 0; dt:"D"$.z.x 1; out:.z.x 2; reps:"J"$.z.x 3; X:`$.z.x 4; Y:"J"$.z.x 5
system "l ",dir
/ in memory, in time order; the partitioned tables are sorted by sym (p#)
t:`time xasc select time,sym,price,size from trade where date=dt
q:`time xasc select time,sym,bid,ask,bsize,asize from quote where date=dt
-1 "LOADED ",string[count t]," trades ",string[count q]," quotes";

bench:{[nm;f]
  w0:.z.n; k:0;
  while[(k<50)&(k=0)|(.z.n-w0)<0D00:00:00.25; v:f[]; k+:1];
  r:`long$();
  do[reps; t0:.z.n; v:f[]; r,:`long$.z.n-t0];
  -1 "TIME ",nm," ",string 1e-9*min r;
  v}
save1:{[nm;x] (hsym `$out,"/",nm,".csv") 0: csv 0: x}

q1:{exec sum size from t}
q2:{select n:count i, ap:avg price from t where sym=X, size>Y}
q3:{select vwap:size wavg price, tot:sum size by sym from t}
q4:{select o:first price, h:max price, l:min price, c:last price, v:sum size by sym, bar:0D00:05 xbar time from t}
q5:{select spread:avg ask-bid by sym from aj[`sym`time;t;q]}
q6:{`sym`time xasc t}
q7:{count distinct select sym,size from t}
q8:{select[10;>v] from update v:price*size from t}

r:bench["q1";q1]; save1["q1";([] x:enlist r)]
r:bench["q2";q2]; save1["q2";r]
r:bench["q3";q3]; save1["q3";0!r]
r:bench["q4";q4]; save1["q4";update `long$bar from 0!r]
r:bench["q5";q5]; save1["q5";0!r]
r:bench["q6";q6]; save1["q6";([] n:enlist count r; f1:enlist sum ((til count r) mod 1009)*r`size; f2:enlist sum ((til count r) mod 1013)*(`long$r`time) mod 1000003)]
r:0
r:bench["q7";q7]; save1["q7";([] x:enlist r)]
r:bench["q8";q8]; save1["q8";select v from r]
-1 "DONE";
\\
