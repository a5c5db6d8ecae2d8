/ Comparative benchmark (issues 6, 15): builds the borf database from the raw
/ little-endian column files gen.py wrote (exactly the values in the Parquet).
/ usage: borf mkdb.q RAWDIR DBDIR DATE      (DATE as yyyy.mm.dd)
/ Result: a date-partitioned database DBDIR/DATE/{trade,quote}/ written by
/ .Q.dpft (sorted by sym, p# on sym, symbols enumerated in DBDIR/sym).
raw:.z.x 0; db:hsym `$.z.x 1; dt:"D"$.z.x 2
col:{[t;c;ty;w] first (enlist ty;enlist w) 1: hsym `$raw,"/",t,"_",c,".bin"}
syms:`$read0 hsym `$raw,"/syms.txt"
conds:`$read0 hsym `$raw,"/conds.txt"
trade:([] time:col["trade";"time";"p";8]; sym:syms col["trade";"sym";"h";2]; price:col["trade";"price";"f";8]; size:col["trade";"size";"j";8]; ex:col["trade";"ex";"c";1]; cond:conds col["trade";"cond";"h";2])
.Q.dpft[db;dt;`sym;`trade]
trade:0
quote:([] time:col["quote";"time";"p";8]; sym:syms col["quote";"sym";"h";2]; bid:col["quote";"bid";"f";8]; ask:col["quote";"ask";"f";8]; bsize:col["quote";"bsize";"j";8]; asize:col["quote";"asize";"j";8]; ex:col["quote";"ex";"c";1])
.Q.dpft[db;dt;`sym;`quote]
-1 "borf database written: ",string db;
\\
