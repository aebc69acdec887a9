#!/usr/bin/env bash
# Creates the certificates of process TLS ([process_tls], docs/SECURITY.md
# "Between processes") with the openssl CLI:
#   DIR/ca.crt, DIR/ca.key        the deployment CA (keep ca.key offline)
#   DIR/NAME.crt, DIR/NAME.key    one per process: CN and DNS:NAME = its name
# Usage: examples/make-certs.sh DIR NAME...   (the `name`s of [[processes]])
#        examples/make-certs.sh DIR --config FILE   (every process of FILE)
# An existing DIR/ca.key is reused (to add or renew a process's certificate);
# certificates are valid for DAYS days (default 825). Keys are EC P-256,
# mode 0600.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 DIR NAME... | $0 DIR --config FILE" >&2
  exit 2
fi
dir=$1
shift
names=()
if [ "$1" = "--config" ]; then
  [ $# -eq 2 ] || { echo "usage: $0 DIR --config FILE" >&2; exit 2; }
  # The name of each [[processes]] table (a line `name = "..."` after it).
  mapfile -t names < <(awk '/^\[\[processes\]\]/{p=1; next} /^\[/{p=0}
    p && /^name *= *"/{ sub(/^name *= *"/, ""); sub(/".*/, ""); print }' "$2")
  [ ${#names[@]} -gt 0 ] || { echo "$2: no [[processes]] with a name" >&2; exit 1; }
else
  names=("$@")
fi
days=${DAYS:-825}
mkdir -p "$dir"
umask 077
if [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" -days "$days" \
    -subj "/CN=tether deployment CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "CA: $dir/ca.crt (key $dir/ca.key)"
fi
for name in "${names[@]}"; do
  case "$name" in
    *[!A-Za-z0-9.-]* | "") echo "$name: a process name for a certificate uses A-Z a-z 0-9 . -" >&2; exit 1 ;;
  esac
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
  ext=$(mktemp)
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:%s\n' \
    "$name" >"$ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/$name.crt" -days "$days" -extfile "$ext" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
  echo "process $name: $dir/$name.crt (key $dir/$name.key)"
done
