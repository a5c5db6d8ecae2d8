n:1000000
t:([]sym:n?`$string til 100;time:n?1000000;price:n?100f;size:n?1000;ex:n?"ABCDNPQZ";c1:n?1f;c2:n?1f;c3:n?100)
-1 "xasc sym time: ",string 0.1*system"t:10 r:`sym`time xasc t";
-1 "fby max: ",string 0.1*system"t:10 r:select from t where price=(max;price) fby sym";
-1 "fby avg: ",string 0.1*system"t:10 r:select from t where size>(avg;size) fby sym";
-1 "fby sums rows: ",string 0.1*system"t:10 r:(sums;t`size) fby t`sym";
\\
