/ feed.q: a feed for borf's tick tests.
/   borf tests/tick/feed.q TPPORT MODE N [-t MS]
/ MODE timer: every tick of the timer (\t) sends a batch of N trades;
/ MODE loop: sends N single-row trades at once, then N/100 batches of
/ 100 rows, then flushes. Prices number the rows so that a subscriber can
/ check the order (price i is the i-th row sent).
.f.h:hopen "J"$.z.x 0;
.f.mode:`$.z.x 1;
.f.n:"J"$.z.x 2;
.f.syms:`IBM`MSFT`AAPL`GOOG`KX;
.f.k:0;
.f.row:{r:(.f.syms .f.k mod 5;`float$.f.k;.f.k);.f.k:.f.k+1;r};
.f.batch:{[n] i:.f.k+til n;.f.k:.f.k+n;(.f.syms i mod 5;`float$i;i)};
.f.send:{[x] (neg .f.h)(".u.upd";`trade;x)};
if[.f.mode=`timer;
  .z.ts:{.f.send .f.batch .f.n};
  if[0=system"t";system"t 100"]];
if[.f.mode=`loop;
  do[.f.n;.f.send .f.row[]];
  do[.f.n div 100;.f.send .f.batch 100];
  (neg .f.h)[]];
