#!/usr/bin/env bash
# The native reference for the README: OpenSSL's own cost per operation for the algorithms of the ESP suites, at the
# benchmark payload sizes. AEADs run with -aead (a fresh nonce, AAD, update and tag per operation, like one packet).
# Usage: benchmarks/openssl-speed.sh [seconds-per-figure]   (default 1)
set -euo pipefail
seconds=${1:-1}
sizes=(${SIZES:-64 512 1400 9000})
run() { # label, then openssl speed arguments
  local label=$1; shift
  printf '%-22s' "$label"
  for size in "${sizes[@]}"; do
    line=$(openssl speed -seconds "$seconds" -bytes "$size" "$@" 2>&1 | grep -E '^Doing ' | tail -1)
    ops=$(sed -E 's/.*: ([0-9]+) .* in ([0-9.]+)s.*/\1 \2/' <<<"$line")
    awk -v o="${ops% *}" -v s="${ops#* }" 'BEGIN { printf "%10.3f", 1e6 * s / o }'
  done
  echo
}
echo "$(openssl version); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); microseconds per operation"
printf '%-22s' "algorithm"; printf '%10s' "${sizes[@]}"; echo
run aes-128-gcm -aead -evp aes-128-gcm
run aes-256-gcm -aead -evp aes-256-gcm
run chacha20-poly1305 -aead -evp chacha20-poly1305
run aes-128-cbc -evp aes-128-cbc
run aes-128-ctr -evp aes-128-ctr
run hmac-sha256 -hmac sha256
run hmac-sha1 -hmac sha1
