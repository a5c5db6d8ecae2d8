/ Issue 15 thread sweep: groups and aj at 10M rows, ms per run (\t:3).
/ RAYON_NUM_THREADS=1 borf benches/threads/groups_aj.q -q </dev/null, then =2.
n:10000000;
syms:`$"s",/:string til 100;
exnames:"ABCDNPQZ"!`amex`bats`chx`edgx`nyse`arca`nasdaq`bx;
t:([]sym:n?syms;ex:n?"ABCDNPQZ";price:n?100f;size:n?1000;time:asc 09:30:00.000+n?23400000);
q:([]sym:n?syms;time:asc 09:30:00.000+n?23400000;bid:n?100f;ask:n?100f);
tr:([]sym:n?syms;time:asc 09:30:00.000+n?23400000;price:n?100f);
r:{[s;e] x:value e; -1 (string s),"\t",string floor (system"t:3 ",e)%3};
r[`group_sym;"group t`sym"];
r[`group_size;"group t`size"];
r[`sum_by_sym;"select sum size by sym from t"];
r[`avg_by_sym;"select avg price by sym from t"];
r[`wavg_by_sym;"select size wavg price by sym from t"];
r[`by_dict_lookup;"select sum size, avg price by exnames ex from t"];
r[`by_sums_differ;"select sum size by g:sums differ sym from t"];
r[`fby_max;"select from t where price=(max;price) fby sym"];
r[`aj_10M_10M;"aj[`sym`time;tr;q]"];
\\
