/ sub.q: a subscriber for borf's tick tests that keeps only some symbols.
/   borf tests/tick/sub.q TPPORT SYM... -p PORT
upd:{[t;x] t insert x;};
.s.syms:`$1_.z.x;
.s.h:hopen "J"$.z.x 0;
{[s] (s 0) set s 1} .s.h(`.u.sub;`trade;.s.syms);
