/ rdb.q: borf's own real-time database for its tick tests.
/   borf tests/tick/rdb.q TPPORT HDBPORT HDBDIR -p PORT
/ Subscribes to every table, replays the tickerplant's log up to the
/ count it was told, then takes updates as they come. At end of day it
/ saves to the HDB with .Q.hdpf and tells the HDB to reload.

upd:{[t;x] t insert x;};

.r.tp:"J"$.z.x 0;
.r.hdb:`$"::",.z.x 1;
.r.dir:.z.x 2;

.u.end:{[d] .Q.hdpf[.r.hdb;`:.;d;`sym];};

/ (schemas;(count;log)) from the tickerplant, in one sync call
.r.init:{[x]
  {[s] (s 0) set s 1} each x 0;
  if[not null last x 1;-11!(first x 1;last x 1)];
  system"cd ",.r.dir};
.r.h:hopen .r.tp;
.r.init .r.h"(.u.sub[`;`];(.u.i;.u.L))";
