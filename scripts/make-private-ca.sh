#!/usr/bin/env bash
# Makes a private certificate authority (an EC P-256 key and a self-signed certificate) for a cluster's TLS: the
# nodes issue their own certificates with it at start, clients verify with its certificate. Never overwrites: an
# existing CA stays (replacing it means new certificates everywhere).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/make-private-ca.sh --name NAME [--out DIR] [--days N]

  --name NAME   the CA's common name, e.g. "orders-prod database CA"
  --out DIR     where ca.key (mode 0600) and ca.crt are written (default: ./private-ca); refused if they exist
  --days N      validity of the CA certificate in days (default 3650)

Then give them to the stack's CA variables, as its docs say: the certificate as a normal variable, the key as a
secret (an environment variable such as TF_VAR_<name>="$(cat DIR/ca.key)", never a file in the repository).
Keep ca.key somewhere safe (a password manager or an offline store) and delete it here.
USAGE
}

fail() { echo "make-private-ca.sh: $*" >&2; exit 2; }

name="" out="./private-ca" days=3650
while (($#)); do
  case $1 in
    --name) [[ $# -ge 2 ]] || fail "--name needs a value"; name=$2; shift 2 ;;
    --out) [[ $# -ge 2 ]] || fail "--out needs a value"; out=$2; shift 2 ;;
    --days) [[ $# -ge 2 ]] || fail "--days needs a value"; days=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument: $1 (see --help)" ;;
  esac
done
[[ -n "$name" ]] || fail "--name is required (see --help)"
[[ "$name" =~ ^[A-Za-z0-9\ ._-]{1,64}$ ]] || fail "--name must be 1-64 letters, digits, spaces and . _ -"
[[ "$days" =~ ^[1-9][0-9]{0,4}$ ]] || fail "--days must be a whole number of days, e.g. 3650"
command -v openssl >/dev/null || fail "openssl is not installed"
if [[ -e "$out/ca.key" || -e "$out/ca.crt" ]]; then
  fail "$out already holds a CA (ca.key or ca.crt): keep it, or move it away to make a new one"
fi

mkdir -p "$out"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" -subj "/CN=$name" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
chmod 0600 "$out/ca.key"
chmod 0644 "$out/ca.crt"
echo "CA \"$name\" written: $out/ca.crt (public), $out/ca.key (secret, mode 0600), valid $days days"
