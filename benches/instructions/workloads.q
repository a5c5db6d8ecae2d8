/ Instruction-count workloads for scripts/bench-instructions: one per line,
/ "name|setup|measured expression". The script times nothing: it counts the
/ instructions of setup+measured minus setup alone, under callgrind.
lambda_each|f:{x+1}|r:f each til 200000
do_loop|a:0|do[300000;a+:1]
sum_long|x:til 2000000|do[20;s:sum x]
add_long|x:til 2000000;y:reverse x|do[5;z:x+y]
mul_float_long|x:0.5*til 2000000;y:til 2000000|do[5;z:x*y]
select_by_compiled|n:1000000;t:([]sym:n#`a`b`c`d`e`f`g;price:0.01*n?10000;size:n?1000)|r:select sum size,max price by sym from t
select_by_interp|system"compile 0";n:1000000;t:([]sym:n#`a`b`c`d`e`f`g;price:0.01*n?10000;size:n?1000)|r:select sum size,max price by sym from t
where_compiled|n:1000000;t:([]sym:n#`a`b`c`d`e`f`g;price:0.01*n?10000;size:n?1000)|r:select from t where size>500,sym=`a
iasc_float|x:1000000?1.0|r:iasc x
group_long|x:1000000?1000|r:group x
distinct_sym|x:1000000?`a`b`c`d`e`f`g`h|r:distinct x
aj_join|n:200000;t:([]sym:n#`a`b`c;time:til n;px:til n);q:([]sym:(5*n)#`a`b`c;time:til 5*n;bid:til 5*n)|r:aj[`sym`time;t;q]
show_table|t:([]a:til 1000;b:1000#`x`yy`zzz;c:0.5*til 1000)|do[20;s:.Q.s 30#t]
string_ops|s:string 200000?`abc`defg`hi|r:s like "d*"
parse_eval|src:1000#enlist"f:{[a;b] a+b*2}; x:f[3;4]; y:x+til 10"|do[1;value each src]
xbar_time|p:2000.01.01D+1000000000*til 1000000|r:0D00:05 xbar p
distinct_long|x:1000000?1000|r:distinct x
distinct_table2|t:([]a:1000000?100;b:1000000?50)|r:distinct t
by_two_keys|t:([]a:1000000?100;b:1000000?50;v:1000000?1.0)|r:select sum v by a,b from t
by_xbar_key|t:([]ts:2000.01.01D+1000000000*til 1000000;a:1000000?10;v:1000000?1.0)|r:select avg v by 0D00:05 xbar ts,a from t
by_dict_lookup|e:"ABCDNPQZ"!`amex`bats`chx`edgx`nyse`arca`nasdaq`bx;t:([]ex:1000000?"ABCDNPQZ";size:1000000?1000;price:1000000?100f)|r:select sum size, avg price by e ex from t
by_sums_differ|t:([]sym:1000000?`a`b`c;size:1000000?1000)|r:select sum size by g:sums differ sym from t
group_sym|x:1000000?`$string til 100|r:group x
fby_max|t:([]sym:1000000?`$string til 100;price:1000000?100f)|r:select from t where price=(max;price) fby sym
aj_two_keys|n:200000;t:([]sym:n#`a`b`c;ex:n#"XY";time:til n;px:til n);q:([]sym:(5*n)#`a`b`c;ex:(5*n)#"XY";time:til 5*n;bid:til 5*n)|r:aj[`sym`ex`time;t;q]
fby_avg|t:([]sym:1000000?`$string til 100;size:1000000?1000)|r:select from t where size>(avg;size) fby sym
fby_sums_rows|t:([]sym:1000000?`$string til 100;size:1000000?1000)|r:(sums;t`size) fby t`sym
gw_max_mavg|n:1000000;t:`time xasc ([]sym:n?`$"s",/:string til 100;time:09:30:00.000000000+n?23400000000000;price:100+n?10f;size:100*1+n?10;ex:n?"ABCDNPQZ")|r:select mx:max 100 mavg price by sym from t
gw_avg_prior|n:1000000;t:`time xasc ([]sym:n?`$"s",/:string til 100;time:09:30:00.000000000+n?23400000000000;price:100+n?10f;size:100*1+n?10;ex:n?"ABCDNPQZ")|r:select mv:avg abs 1_(-) prior price by sym from t
gw_top3|n:1000000;t:`time xasc ([]sym:n?`$"s",/:string til 100;time:09:30:00.000000000+n?23400000000000;price:100+n?10f;size:100*1+n?10;ex:n?"ABCDNPQZ")|r:ungroup select size:3 sublist desc size by sym from t
gw_twap|n:1000000;t:`time xasc ([]sym:n?`$"s",/:string til 100;time:09:30:00.000000000+n?23400000000000;price:100+n?10f;size:100*1+n?10;ex:n?"ABCDNPQZ")|r:select twap:(0^`long$(next time)-time) wavg price by sym from t
