/ tp.q: borf's own tickerplant for its tick tests (written for borf, in the
/ manner of kdb+tick: subscribers, a log replayed with -11!, end of day)
/   borf tests/tick/tp.q SCHEMA LOGDIR -p PORT            zero latency
/   borf tests/tick/tp.q SCHEMA LOGDIR -p PORT -t MS      batched: the timer publishes
/ Feeds call .u.upd[t;x] (x: a row or a list of columns, time omitted).
/ Subscribers call .u.sub[t;syms] (`: every table; `: every sym) and get
/ (t;empty table) back, then async (`upd;t;rows) messages; at end of day
/ (`.u.end;date). .u.i is the log's message count, .u.L its file.

system"l ",.z.x 0;
if[0=system"p";system"p 5010"];

.u.t:`trade`quote;
.u.w:.u.t!(();());                 / table -> list of (handle;syms)
.u.d:.z.D;
.u.batched:0<system"t";

/ the log: one file a day, created empty, checked, then opened for appends
.u.logname:{hsym`$(.z.x 1),"/tp",string x};
.u.openlog:{[d]
  .u.L:.u.logname d;
  if[not type key .u.L;.[.u.L;();:;()]];
  n:-11!(-2;.u.L);
  if[0<=type n;-2 (string .u.L)," is torn after ",(string n 0)," messages (",(string n 1)," bytes)";exit 1];
  .u.i:.u.j:n;
  hopen .u.L};
.u.l:.u.openlog .u.d;

/ subscriptions
.u.drop:{[t;h] w:.u.w t;if[count w;.u.w[t]:w where not h=first each w]};
.z.pc:{[h] .u.drop[;h] each .u.t;};
.u.sub1:{[t;s]
  if[not t in .u.t;'t];
  .u.drop[t;.z.w];
  .u.w[t],:enlist(.z.w;s);
  (t;0#value t)};
.u.sub:{[t;s] $[t~`;.u.sub1[;s] each .u.t;.u.sub1[t;s]]};
.u.subs:{raze {[t] {[t;e](t;e 0;e 1)}[t] each .u.w t} each .u.t};

/ publish rows of t to every subscriber that wants them
.u.pick:{[x;s] $[s~`;x;select from x where sym in s]};
.u.pub:{[t;x]
  {[t;x;e] r:.u.pick[x;e 1];if[count r;(neg e 0)(`upd;t;r)]}[t;x] each .u.w t;};

/ time-stamp an update: a row gets an atom, columns a column
.u.stamp:{[x] $[0>type first x;(enlist .z.N),x;(enlist (count first x)#.z.N),x]};
.u.rows:{[t;x] $[0>type first x;enlist (cols value t)!x;flip (cols value t)!x]};

.u.endofday:{
  {[d;h] (neg h)(`.u.end;d)} [.u.d] each distinct raze {first each .u.w x} each .u.t;
  .u.d:.u.d+1;
  hclose .u.l;
  .u.l:.u.openlog .u.d};
.u.tick:{[today] if[.u.d<today;.u.endofday[]]};

/ batched: rows wait in the tables; the timer publishes and empties them
if[.u.batched;
  .u.upd:{[t;x]
    x:.u.stamp x;
    t insert x;
    .u.l enlist(`upd;t;x);
    .u.j:.u.j+1;};
  .z.ts:{
    {[t] if[count value t;.u.pub[t;value t];t set 0#value t]} each .u.t;
    .u.i:.u.j;
    .u.tick .z.D}];

/ zero latency: every update is published as it comes
if[not .u.batched;
  .u.upd:{[t;x]
    x:.u.stamp x;
    .u.pub[t;.u.rows[t;x]];
    .u.l enlist(`upd;t;x);
    .u.i:.u.j:.u.i+1;};
  .z.ts:{.u.tick .z.D};
  system"t 1000"];
