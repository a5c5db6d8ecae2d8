/ lat.q: a subscriber that records publish->receive latency: the bench
/ feed puts its send time (.z.p as a long) in `size`.
/   borf benches/tick/lat.q TPPORT -p PORT
lat:`long$();
upd:{[t;x] if[t=`trade;lat::lat,(`long$.z.p)-exec size from x]};
h:hopen "J"$.z.x 0;
h".u.sub[`trade;`]";
