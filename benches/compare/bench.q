/ Comparative benchmark (issues 6, 15): the borf side.
/ usage: borf bench.q DBDIR DATE OUTDIR REPS X Y S3 [ONLY]
/   X: a symbol (the 5th most active), Y: a size (500), S3: three symbols
/   "A,B,C"; ONLY (optional): comma-separated query names to run, else all.
/ Loads both tables of partition DATE into memory in time order (the order the
/ Parquet files have), then times each query of the table `qs` below: warm-up
/ runs until 0.25 s have passed (at least one, at most 50: compare.py's
/ WARM_S/WARM_MAX), then the best of REPS runs, wall clock (.z.n) around the
/ call. Prints "TIME name seconds"; writes each answer as CSV to OUTDIR/name.csv
/ (temporal columns as ns since 2000; large answers as a fingerprint, below).
/ The kernels' worker threads are rayon's global pool: RAYON_NUM_THREADS sets
/ their number (compare.py's thread sweep runs this script at 1 and 2).
\P 0
dir:.z.x 0; dt:"D"$.z.x 1; out:.z.x 2; reps:"J"$.z.x 3; X:`$.z.x 4; Y:"J"$.z.x 5
S3:`$"," vs .z.x 6
only:$[7<count .z.x; `$"," vs .z.x 7; `symbol$()]
system "l ",dir
/ in memory, in time order; the partitioned tables are sorted by sym (p#)
t:`time xasc select time,sym,price,size,ex,cond from trade where date=dt
q:`time xasc select time,sym,bid,ask,bsize,asize,ex from quote where date=dt
-1 "LOADED ",string[count t]," trades ",string[count q]," quotes";

/ constants the queries use: a half hour in the morning, the time before
/ which ~92% of the day's rows fall, the venues, their families
T0:(dt+10:00:00.000000000; dt+10:30:00.000000000)
T2:dt+15:30:00.000000000
PX:`$string asc distinct t`ex
exfam:"DQNPKZVJYXBA"!`OTHER`NASDAQ`NYSE`NYSE`CBOE`CBOE`OTHER`CBOE`CBOE`NASDAQ`NASDAQ`NYSE

bench:{[nm;f]
  w0:.z.n; k:0;
  while[(k<50)&(k=0)|(.z.n-w0)<0D00:00:00.25; v:f[]; k+:1];
  r:`long$();
  do[reps; t0:.z.n; v:f[]; r,:`long$.z.n-t0];
  -1 "TIME ",nm," ",string 1e-9*min r;
  v}

/ answers: temporal columns as long ns; an atom as a one-cell table
lng:{$[(abs type x) within 12 19h; `long$x; x]}
tab:{$[99h=type x; 0!x; 98h=type x; x; ([] x:enlist x)]}
/ fingerprint of a large answer (compare.py's fingerprint() is the same):
/ n rows; per column c, s_c the sum, and when the order is part of the
/ answer w_c = sum (i mod 1009)*c; temporal columns taken as (ns mod 1000003)
fpv:{$[(abs type x) within 12 19h; (`long$x) mod 1000003; x]}
fp:{[r;cs;o]
  r:0!r; n:count r; v:fpv each r cs;
  d:(enlist[`n],`$"s_",/:string cs)!(enlist n),sum each v;
  if[o; w:(til n) mod 1009; d,:(`$"w_",/:string cs)!{sum x*y}[w] each v];
  enlist d}
save1:{[nm;x] (hsym `$out,"/",nm,".csv") 0: csv 0: x}

/ The queries: (name; query; fingerprint columns, or () to save the whole
/ answer; whether the fingerprint includes the order). compare.py has the
/ same names with their SQL and Polars forms and how answers compare.
qs:(
  / the first eight of issue 6
  (`q1; {exec sum size from t}; (); 0b);
  (`q2; {select n:count i, ap:avg price from t where sym=X, size>Y}; (); 0b);
  (`q3; {select vwap:size wavg price, tot:sum size by sym from t}; (); 0b);
  (`q4; {select o:first price, h:max price, l:min price, c:last price, v:sum size by sym, bar:0D00:05 xbar time from t}; (); 0b);
  (`q5; {select spread:avg ask-bid by sym from aj[`sym`time;t;q]}; (); 0b);
  (`q6; {`sym`time xasc t}; `size`time; 1b);
  (`q7; {count distinct select sym,size from t}; (); 0b);
  (`q8; {select[10;>v] from update v:price*size from t}; (); 0b);
  / filters
  (`q9; {select from t where sym=X}; `price`size`time; 1b);
  (`q10; {select from t where sym in S3}; `price`size`time; 1b);
  (`q11; {select from t where time within T0}; `price`size`time; 1b);
  (`q12; {select from t where size>10*Y}; `price`size`time; 1b);
  (`q13; {select from t where price>100, size>=1000}; `price`size`time; 1b);
  (`q14; {select from q where time<T2}; `bid`ask`bsize`time; 1b);
  (`q15; {select from q where sym=X, time within T0}; `bid`ask`asize`time; 1b);
  (`q16; {select from t where ex="N", cond=`F}; `price`size`time; 1b);
  / aggregations, bars, spreads, VWAP/TWAP, medians
  (`q17; {select n:count i, v:sum size, hi:max price, lo:min price by ex from t}; (); 0b);
  (`q18; {select n:count i, v:sum size by cond from t}; (); 0b);
  (`q19; {select vwap:size wavg price by sym, ex from t}; (); 0b);
  (`q20; {select twap:(0^`long$(next time)-time) wavg price by sym from t}; (); 0b);
  (`q21; {select a:avg price, sd:dev price by sym from t}; (); 0b);
  (`q22; {select mp:med price, ms:med size by sym from t}; (); 0b);
  (`q23; {select mid:avg 0.5*bid+ask by sym, bar:0D00:01 xbar time from q}; (); 0b);
  (`q24; {select v:sum size, n:count i by bar:0D00:30 xbar time from t}; (); 0b);
  (`q25; {select s:avg ask-bid, mx:max ask-bid by sym from q}; (); 0b);
  (`q26; {select bps:avg 10000*(ask-bid)%0.5*bid+ask by sym from q}; (); 0b);
  (`q27; {select imb:avg (bsize-asize)%bsize+asize by sym from q}; (); 0b);
  (`q28; {select bid:last bid, ask:last ask by sym from q}; (); 0b);
  (`q29; {select t0:first time, t1:last time, n:count i by sym from t}; (); 0b);
  (`q30; {select v:sum size by ex, bar:0D01:00 xbar time from t}; (); 0b);
  (`q31; {select n:count i by sz:100 xbar size from t}; (); 0b);
  / fby
  (`q32; {select from t where size>(avg;size) fby sym}; `price`size`time; 0b);
  (`q33; {select from t where price=(max;price) fby sym}; `price`size`time; 0b);
  / deltas, prior, differ, runs
  (`q34; {select up:sum 0<deltas price by sym from t}; (); 0b);
  (`q35; {select mv:avg abs 1_(-) prior price by sym from t}; (); 0b);
  (`q36; {select runs:sum differ price by sym from t}; (); 0b);
  (`q37; {select nruns:count i, av:avg v by sym from select v:sum size by sym, run from update run:sums differ ex by sym from t}; (); 0b);
  / moving windows
  (`q38; {update m:10 mavg price by sym from t}; `price`m; 0b);
  (`q39; {update v:20 msum size by sym from t}; `size`v; 0b);
  (`q40; {select mx:max 100 mavg price by sym from t}; (); 0b);
  / pivot, computed keys
  (`q41; {exec PX#(`$string ex)!v by sym:sym from select v:sum size by sym, ex from t}; (); 0b);
  (`q42; {select v:sum size, n:count i by fam:exfam ex from t}; (); 0b);
  (`q43; {select n:count i by sym, fam:exfam ex from q}; (); 0b);
  / as-of joins: the prevailing quote per trade
  (`q44; {select es:avg 2*abs price-0.5*bid+ask by sym from aj[`sym`time;t;q]}; (); 0b);
  (`q45; {select buyv:sum size*0<=price-ask, sellv:sum size*0<=bid-price by sym from aj[`sym`time;t;q]}; (); 0b);
  (`q46; {aj[`sym`time;select time,sym,price from t where sym=X;select time,sym,bid,ask from q where sym=X]}; `price`bid`ask`time; 0b);
  (`q47; {select s:avg ask-bid by ex from aj[`sym`time;t;select time,sym,bid,ask from q]}; (); 0b);
  / top-k, distinct counts, sorts
  (`q48; {ungroup select size:3 sublist desc size by sym from t}; (); 0b);
  (`q49; {select[10;>s] from select s:ask-bid from q}; (); 0b);
  (`q50; {select nd:count distinct size by sym from t}; (); 0b);
  (`q51; {count distinct select sym,ex from q}; (); 0b);
  (`q52; {`size`time xdesc t}; `size`time`price; 1b);
  (`q53; {`ex`time xasc q}; `bid`time; 1b))

/ a query that fails prints FAIL and the error, and the run goes on
run1:{[e]
  nm:string e 0; f:e 1; cs:e 2;
  r:@[bench[nm]; f; {[nm;m] -1 "FAIL ",nm," '",m; ::}[nm]];
  if[(::)~r; :()];
  a:@[{[cs;o;r] $[count cs; fp[r;cs;o]; {flip lng each flip x} tab r]}[cs;e 3];
    r; {[nm;m] -1 "FAIL ",nm," answer is not a table: '",m; ::}[nm]];
  if[not (::)~a; save1[nm;a]]}
run1 each $[count only; qs where (first each qs) in only; qs];
-1 "DONE";
\\
