/ Issue 15 (mapscan): queries over a partitioned table, whose columns each query maps
/ (storage/kept.rs keeps them while the files are unchanged), ms per query (min of 20).
/ usage: RAYON_NUM_THREADS=1 borf benches/threads/mapped_parts.q -q DIR </dev/null
/ (then =2). Writes DIR (2 partitions of 20M rows s v f) once, then \l DIR.
dir:.z.x 0;
if[not `sym in key hsym `$dir;
  t:([]s:20000000#`a;v:20000000?1000;f:20000000?1f);
  .Q.dpft[hsym `$dir;2024.01.02;`s;`t];
  .Q.dpft[hsym `$dir;2024.01.03;`s;`t];
  -1 "wrote ",dir];
system "l ",dir;
r:{[s;e] x:value e; -1 (string s),"\t",string min {system"t ",x} each 20#enlist e};
r[`sum_v;"select sum v from t"];
r[`count_v_gt;"select count i from t where v>990"];
\\
