# TLS between the processes of a job: with --tls-ca/--tls-cert/--tls-key on every process the
# exchange and the coordination sessions use mutual TLS, so a process must hold a certificate
# of the job's CA, for the address it is known by, to take part.
#
# The test makes a CA and a certificate for 127.0.0.1 (and localhost) with openssl, and:
#
#   ok         2 processes under the supervisor with TLS: the output (stdout and a CSV file)
#              equals a run on 1 process of 1 worker
#   other CA   process 1 has a certificate of another CA: process 0 must not start the job (no
#              output at all) and must keep saying that it waits for process 1, at its
#              address; SIGTERM then stops both (exit 0: the state dir keeps nothing to resume)
#   wrong name process 0 has a certificate of the right CA for another host name: process 1
#              cannot verify it, so the same must happen
#   no TLS     process 1 runs without TLS: the same; then it is stopped and a process 1 with
#              TLS takes its place, and the job completes with the right output
#
# The three refused cases run at the same time (the leader says whom it waits for every 3 s).
set -eu
. "$ROOT/tests/lib/processes.sh"
cd "$WORK" && rm -rf process_tls && mkdir -p process_tls && cd process_tls

# ca NAME: a self-signed CA (NAME.pem, NAME.key).
ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=$1" -keyout "$1.key" -out "$1.pem" 2> /dev/null
}
# cert NAME CA SAN: a certificate for client and server use, signed by CA, for SAN.
cert() {
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" > "$1.ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
        -keyout "$1.key" -out "$1.csr" 2> /dev/null
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.pem" 2> /dev/null
}
ca ca
ca other
cert good ca "IP:127.0.0.1,DNS:localhost"
cert foreign other "IP:127.0.0.1,DNS:localhost"
cert misnamed ca "DNS:elsewhere.example"
openssl verify -CAfile ca.pem good.pem misnamed.pem > /dev/null
if openssl verify -CAfile ca.pem foreign.pem > /dev/null 2>&1; then
    echo "foreign.pem verifies against ca.pem: the certificates are wrong"; exit 1
fi
certs=$PWD
tls() { echo "--tls-ca $certs/ca.pem --tls-cert $certs/$1.pem --tls-key $certs/$1.key"; }

cat > sums.mstr <<'MSTR'
source n: i64 = range(0, 2000);
stream sums = n
  |> key_by k: i64 { return value % 17; }
  |> stateful_op total: i64 (state i64) {
       *state += value;
     } on_epoch {
       if (epoch == MSTR_EPOCH_MAX)
           emit(*state);
     };
sums |> sink file = csv("sums.csv");
sums |> sink print = stdout;
MSTR
"$MSTRC" build sums.mstr -o sums
mkdir want
(cd want && timeout 60 ../sums --workers 1 > stdout)
[ "$(wc -l < want/stdout)" = 17 ] || { echo "the reference run printed $(wc -l < want/stdout) lines"; exit 1; }

# same_output DIR CASE: DIR holds the reference's output.
same_output() {
    same_sorted want/stdout "$1/stdout" "$2: stdout" || true
    same_csv want/sums.csv "$1/sums.csv" "$2: sums.csv" || true
}

# ok: the supervisor passes the TLS flags to both processes.
mkdir ok
status=0
(cd ok && timeout 120 ../sums --processes 2 --workers 1 --state-dir state $(tls good) \
    > stdout 2> stderr) || status=$?
[ $status = 0 ] || { bad "ok: exit status $status"; tail -5 ok/stderr; }
same_output ok ok

# refused CASE CERT0 TLS1...: starts process 0 with CERT0 and process 1 with the flags TLS1 in
# ./CASE; sets pid0_CASE and pid1_CASE.
refused() {
    local case=$1 cert0=$2 list
    shift 2
    mkdir "$case"
    list=$(peers $(free_ports 2))
    echo "$list" > "$case/peers"
    (cd "$case" && exec ../sums --process 0 --peers "$list" --workers 1 --state-dir state \
        $(tls "$cert0") > stdout.0 2> stderr.0) &
    eval "pid0_$case=$!"
    (cd "$case" && exec ../sums --process 1 --peers "$list" --workers 1 --state-dir state \
        "$@" > stdout.1 2> stderr.1) &
    eval "pid1_$case=$!"
}
refused other_ca good $(tls foreign)
refused wrong_name misnamed $(tls good)
refused no_tls good

# waits CASE: whether process 0 of CASE has said that it waits for process 1 at its address.
waits() {
    grep -qxF "mstr: process 0 waits for process 1 ($(cut -d, -f2 "$1/peers"))" "$1/stderr.0"
}

# check_refused CASE: process 0 waits for process 1, both running, and nothing was output.
check_refused() {
    local case=$1 p0 p1
    p0=$(eval echo "\$pid0_$case") p1=$(eval echo "\$pid1_$case")
    if ! wait_until 60 waits "$case"; then
        bad "$case: process 0 never said that it waits for process 1 at $(cut -d, -f2 "$case/peers")"
        tail -3 "$case/stderr.0"
    fi
    alive "$p0" || bad "$case: process 0 ended"
    alive "$p1" || bad "$case: process 1 ended"
    ! grep -q '^mstr: resumed\|rolls back' "$case/stderr.0" ||
        bad "$case: process 0 started a round"
    [ ! -s "$case/stdout.0" ] && [ ! -s "$case/stdout.1" ] || bad "$case: the job printed output"
    [ ! -e "$case/sums.csv" ] || bad "$case: the job wrote sums.csv"
}

# stop PID CASE I: SIGTERM, then exit status 0 within 30 s.
stop() {
    local pid=$1 status=0
    kill -TERM "$pid"
    wait_until 30 eval '! alive $pid' || { bad "$2: process $3 ignored SIGTERM"; kill_tree "$pid"; }
    wait "$pid" || status=$?
    [ $status = 0 ] || { bad "$2: process $3 stopped with status $status"; tail -3 "$2/stderr.$3"; }
}

for case in other_ca wrong_name no_tls; do
    check_refused $case
done
for case in other_ca wrong_name; do
    stop "$(eval echo "\$pid1_$case")" $case 1
    stop "$(eval echo "\$pid0_$case")" $case 0
    [ ! -s "$case/stdout.0" ] && [ ! -e "$case/sums.csv" ] || bad "$case: output after the stop"
done

# no TLS: stop the plain process 1, start one with TLS; the job must complete.
stop "$pid1_no_tls" no_tls 1
list=$(cat no_tls/peers)
status=0
(cd no_tls && timeout 120 ../sums --process 1 --peers "$list" --workers 1 --state-dir state \
    $(tls good) > stdout.1 2>> stderr.1) || status=$?
[ $status = 0 ] || bad "no_tls: process 1 with TLS: exit status $status"
wait_until 60 eval '! alive $pid0_no_tls' ||
    { bad "no_tls: process 0 did not end after process 1 with TLS"; kill_tree "$pid0_no_tls"; }
status=0
wait "$pid0_no_tls" || status=$?
[ $status = 0 ] || { bad "no_tls: process 0: exit status $status"; tail -3 no_tls/stderr.0; }
cat no_tls/stdout.0 no_tls/stdout.1 > no_tls/stdout
same_output no_tls "no TLS, then TLS"

[ $failures = 0 ]
