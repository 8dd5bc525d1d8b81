#!/bin/sh
# Makes development TLS material for Splice in DIR (see certs/README.md):
#   ca.pem, ca.key                   a development certificate authority (10 years)
#   server.pem, server.key           a server certificate for localhost and 127.0.0.1, signed by that CA
#   edit-bay-1.pem, edit-bay-1.key   client certificates (CN=edit-bay-N, DNS:edit-bay-N.studio.lan), signed by the CA
#   edit-bay-2.pem, edit-bay-2.key
# Keys are EC P-256, PEM, unencrypted, readable by their owner only. For development and tests only.
set -eu

usage() {
    echo "usage: $0 DIR   (DIR is made if missing; never a folder git would commit)" >&2
    exit 2
}
[ "$#" -eq 1 ] || usage
dir=$1
command -v openssl >/dev/null 2>&1 || { echo "$0: openssl not found (Debian: apt-get install openssl)" >&2; exit 1; }

mkdir -p "$dir"
if [ -e "$dir/ca.key" ]; then
    echo "$0: $dir/ca.key already exists: not replacing a CA that may already be trusted somewhere" >&2
    exit 1
fi
# Keys must never be committed: refuse a folder inside a git work tree unless git ignores what is written there.
if command -v git >/dev/null 2>&1 && git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    if ! git -C "$dir" check-ignore -q ca.key; then
        echo "$0: $dir is inside a git work tree and ca.key would not be ignored: choose another folder" >&2
        rmdir "$dir" 2>/dev/null || true
        exit 1
    fi
fi

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# The CA.
key "$dir/ca.key"
cat >"$work/ca.ext" <<'EXT'
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EXT
openssl req -new -key "$dir/ca.key" -subj "/O=Splice Development/CN=Splice Development CA" -out "$work/ca.csr"
openssl x509 -req -in "$work/ca.csr" -signkey "$dir/ca.key" -days 3650 -sha256 -extfile "$work/ca.ext" \
    -out "$dir/ca.pem" 2>/dev/null

# leaf NAME SUBJECT SAN USAGE
leaf() {
    key "$dir/$1.key"
    cat >"$work/$1.ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = $4
subjectAltName = $3
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
    openssl req -new -key "$dir/$1.key" -subj "$2" -out "$work/$1.csr"
    openssl x509 -req -in "$work/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -CAserial "$work/ca.srl" -days 825 -sha256 -extfile "$work/$1.ext" -out "$dir/$1.pem" 2>/dev/null
}

leaf server "/CN=localhost" "DNS:localhost, IP:127.0.0.1" serverAuth
leaf edit-bay-1 "/CN=edit-bay-1" "DNS:edit-bay-1.studio.lan" clientAuth
leaf edit-bay-2 "/CN=edit-bay-2" "DNS:edit-bay-2.studio.lan" clientAuth

chmod 600 "$dir"/*.key
chmod 644 "$dir"/*.pem
echo "wrote $dir: ca.pem ca.key server.pem server.key edit-bay-1.pem edit-bay-1.key edit-bay-2.pem edit-bay-2.key"
