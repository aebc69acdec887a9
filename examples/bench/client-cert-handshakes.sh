#!/usr/bin/env bash
# Full TLS handshakes per second with a device certificate against the
# gateway ([edge_tls] client_ca_file and crl_file; docs/SECURITY.md "Device
# certificates"), for two builds run alternately in the same minutes
# (A, B, A, B, ...): what checking client certificates costs a reconnect
# storm of devices that prove their id with a certificate.
#
#   examples/bench/client-cert-handshakes.sh BUILD_A BUILD_B [ROUNDS] [SECONDS]
#
# BUILD_A, BUILD_B: build directories (their net/tetherd is run); ROUNDS
# (default 3) pairs of runs; SECONDS (default 10) of `openssl s_time -new`
# per run (one client process, handshake then close, no HTTP request).
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
build_a=${1:?BUILD_A (a build directory) is required}
build_b=${2:?BUILD_B (a build directory) is required}
rounds=${3:-3} secs=${4:-10}
work=$(mktemp -d /tmp/tether-bench-XXXXXX)
server_pid=''
trap 'kill $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# The server's certificate, a device CA, a device, and the CA's CRL (one
# other serial revoked, so that the CRL lookup has something to search).
make_pki() {
  local d=$work/pki
  mkdir -p "$d/ca" && cd "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout server-key.pem -out server.pem 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=bench-device-ca -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout ca-key.pem -out ca.pem 2>/dev/null
  for dev in T1 T2; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -subj "/CN=$dev" -keyout "$dev-key.pem" -out "$dev.csr" 2>/dev/null
    openssl x509 -req -in "$dev.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -days 1 -out "$dev.pem" \
      -extfile <(printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n') 2>/dev/null
  done
  touch ca/index.txt && echo 1000 >ca/crlnumber
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=ca/index.txt\ncrlnumber=ca/crlnumber\ndefault_md=sha256\ndefault_crl_days=1\n' >ca.cnf
  openssl ca -config ca.cnf -cert ca.pem -keyfile ca-key.pem -revoke T2.pem -batch 2>/dev/null
  openssl ca -config ca.cnf -cert ca.pem -keyfile ca-key.pem -gencrl -out crl.pem 2>/dev/null
  cd - >/dev/null
}

# run_one BUILD LABEL: one server of BUILD, SECONDS of handshakes as T1.
run_one() {
  local build=$1 label=$2 dir=$work/run d=$work/pki
  rm -rf "$dir" && mkdir -p "$dir"
  bench_topology "$dir/topology.toml"
  printf '\n[edge_tls]\ncert_file = "%s"\nkey_file = "%s"\nclient_ca_file = "%s"\ncrl_file = "%s"\n' \
    "$d/server.pem" "$d/server-key.pem" "$d/ca.pem" "$d/crl.pem" >>"$dir/topology.toml"
  "$build/net/tetherd" --config "$dir/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 \
    --data "$dir/data" --ready-file "$dir/ready.json" --log-level warn >"$dir/tetherd.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -f "$dir/ready.json" ] && break; sleep 0.1; done
  local http
  http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$dir/ready.json")
  local line
  line=$(openssl s_time -connect "$http" -new -time "$secs" -cert "$d/T1.pem" -key "$d/T1-key.pem" \
    -CAfile "$d/server.pem" 2>&1 | grep 'connections in .* real seconds' || true)
  echo "$label: ${line:-no handshakes (see $dir/tetherd.log)}"
  kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
  server_pid=''
}

make_pki
echo "load before: $(uptime)"
for r in $(seq "$rounds"); do
  run_one "$build_a" "round $r A ($build_a)"
  run_one "$build_b" "round $r B ($build_b)"
done
echo "load after: $(uptime)"
