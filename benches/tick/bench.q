/ bench.q: feed -> tickerplant -> RDB throughput and latency.
/   borf benches/tick/bench.q TPPORT RDBPORT LATPORT N
/ Throughput: N messages of 1 row, then N/100 messages of 100 rows, sent
/ as fast as the feed can; the rate is rows (and messages) per second from
/ the first send until the RDB holds them all. Latency: 2000 single-row
/ messages 1 ms apart; the subscriber records receive time - send time.
tp:hopen "J"$.z.x 0;
rdb:hopen "J"$.z.x 1;
lt:hopen "J"$.z.x 2;
N:"J"$.z.x 3;
syms:`IBM`MSFT`AAPL`GOOG`KX;
wait:{[n] while[n>rdb"count trade";system"sleep 0.002"]};
run:{[nmsg;rows]
  base:rdb"count trade";
  i:til rows;
  x:$[rows=1;(`IBM;1.5;7);(rows#syms;`float$i;i)];
  t0:.z.p;
  do[nmsg;neg[tp](".u.upd";`trade;x)];
  neg[tp][];
  ts:.z.p;
  wait base+nmsg*rows;
  s:1e-9*`long$.z.p-t0;
  -1 "rows/msg ",(string rows),": ",(string nmsg)," msgs in ",(string s),"s: ",(string `long$nmsg%s)," msgs/s, ",(string `long$nmsg*rows%s)," rows/s (feed sent in ",(string 1e-9*`long$ts-t0),"s)";
  };
run[N;1];
run[N div 100;100];
/ latency: one message a millisecond, nothing else in flight
lt"lat:`long$()";
do[2000;neg[tp](".u.upd";`trade;(`IBM;1.5;`long$.z.p));neg[tp][];system"sleep 0.001"];
while[2000>lt"count lat";system"sleep 0.01"];
l:asc lt"lat";
-1 "latency publish->subscriber over 2000 msgs (us): median ",(string 0.001*l 1000),", p99 ",(string 0.001*l 1980),", max ",(string 0.001*last l);
exit 0;
