#!/bin/sh
# Feed -> tickerplant -> RDB benchmark (not a test): starts borf's test
# tickerplant (tests/tick/tp.q, zero latency), RDB and a latency subscriber
# on free-ish local ports, runs benches/tick/bench.q, stops them by PID.
#   benches/tick/run.sh [N]     (N single-row messages; default 200000)
set -e
cd "$(dirname "$0")/../.."
B=${BORF:-target/release/borf}
N=${1:-200000}
D=$(mktemp -d /tmp/borftickbenchXXXX)
P=${PORT:-17010}
$B tests/tick/tp.q tests/tick/schema.q "$D" -p $P </dev/null >"$D/tp.out" 2>&1 & TP=$!
sleep 0.5
$B tests/tick/rdb.q $P $((P+2)) "$D/hdb" -p $((P+1)) </dev/null >"$D/rdb.out" 2>&1 & RDB=$!
$B benches/tick/lat.q $P -p $((P+3)) </dev/null >"$D/lat.out" 2>&1 & LAT=$!
sleep 0.5
$B benches/tick/bench.q $P $((P+1)) $((P+3)) $N </dev/null || true
kill $TP $RDB $LAT
rm -rf "$D"
