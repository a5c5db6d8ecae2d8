/ feed2.q: a second feed, in the manner of KX's cookbook feed: random-walk
/ prices for a few stocks, trades and quotes in batches, from the timer.
/   borf tests/tick/feed2.q TPPORT [-t MS]
.g.h:hopen "J"$.z.x 0;
.g.syms:`IBM`MSFT`AAPL`GOOG`KX`ORCL;
.g.px:.g.syms!100 210 180 140 55 75f;
.g.walk:{[s] p:.g.px s;p:p*1+0.001*-5+count[s]?11;.g.px[s]:p;p};
.g.trades:{[n] s:n?.g.syms;(s;.g.walk s;1000*1+n?10)};
.g.quotes:{[n] s:n?.g.syms;p:.g.walk s;(s;p-0.01;p+0.01;100*1+n?5;100*1+n?5)};
.g.sent:0;
.z.ts:{
  (neg .g.h)(`.u.upd;`trade;.g.trades 1+rand 5);
  (neg .g.h)(`.u.upd;`quote;.g.quotes 1+rand 10);
  .g.sent:.g.sent+2};
if[0=system"t";system"t 50"];
