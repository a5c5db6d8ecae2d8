/ Issue 15: a mapped (splayed, \l) table's scans, ms per run (\t:5 / 5).
/ usage: RAYON_NUM_THREADS=1 borf benches/threads/mapped.q -q DIR </dev/null
/ (then =2). Writes DIR/big (100M longs and floats) once, then \l DIR.
dir:.z.x 0;
if[not `big in key hsym `$dir;
  n:100000000;
  (hsym `$dir,"/big/") set ([]v:n?1000;f:n?1f);
  -1 "wrote ",dir,"/big"];
system "l ",dir;
r:{[s;e] x:value e; -1 (string s),"\t",string floor (system"t:5 ",e)%5};
r[`exec_sum_v;"exec sum v from big"];
r[`exec_sum_f;"exec sum f from big"];
r[`select_max_v;"select max v from big"];
r[`count_v_gt;"exec count i from big where v>990"];
\\
