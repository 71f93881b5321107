#!/usr/bin/env bash
# Throughput of the EspGateway sample against wireguard-go and the bare veth, all in one run, in the same layout: two
# network namespaces joined by a veth pair (outer 192.168.77.1/.2), a tunnel between them (inner 10.10.0.1 and 10.20.0.1),
# iperf3 TCP (1 and 4 streams) and UDP across it. For each: Gbit/s (received) and the CPU seconds the data-plane
# processes (both gateways / both wireguard-go daemons) spent per GB, from /proc/<pid>/stat utime+stime.
# Ends with one line "tcp gateway/wireguard-go: R" (single-stream TCP, AES-GCM-128 gateway over wireguard-go).
#
# Usage: benchmarks/gateway-throughput.sh            (as root; installs iperf3, wireguard-go, wireguard-tools with apt-get)
# Environment: SECONDS_PER_TEST (default 8), ROUNDS (default 2; rows interleaved per round), WORKERS (gateway workers, 1),
# PHASES (default "veth gcm chacha wireguard").
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
duration=${SECONDS_PER_TEST:-8}
rounds=${ROUNDS:-2}
workers=${WORKERS:-1}
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces, TUN devices)"; exit 1; }

need=()
command -v iperf3 >/dev/null || need+=(iperf3)
command -v wireguard-go >/dev/null || need+=(wireguard-go)
command -v wg >/dev/null || need+=(wireguard-tools)
command -v ip >/dev/null || need+=(iproute2)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required to build the gateway"; exit 1; }
dotnet build samples/EspGateway -c Release -v q -nologo >/dev/null
gateway=$PWD/samples/EspGateway/bin/Release/net10.0/EspGateway.dll

id=$$
A=gtpa$id B=gtpb$id
work=$(mktemp -d /tmp/gateway-throughput.XXXXXX)
pids=()
stop_daemons() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  pids=()
}
cleanup() {
  stop_daemons
  for ns in $A $B; do
    for pid in $(ip netns pids $ns 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del $ns 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add $A; ip netns add $B
ip link add va$id netns $A type veth peer name vb$id netns $B
ip -n $A addr add 192.168.77.1/24 dev va$id; ip -n $B addr add 192.168.77.2/24 dev vb$id
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set va$id up; ip -n $B link set vb$id up

cpu_ticks() { # utime+stime of the given pids, in clock ticks
  local total=0
  for pid in "$@"; do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat") ))
  done
  echo $total
}
hz=$(getconf CLK_TCK)

# iperf3 client in A to the server in B at $1; $2.. extra client arguments. Prints "gbits bytes".
iperf() {
  local server=$1; shift
  ip netns exec $B iperf3 -s -1 -B "$server" -p 5399 >/dev/null 2>&1 &
  local spid=$!
  sleep 0.5
  ip netns exec $A iperf3 -c "$server" -p 5399 -t "$duration" -J "$@" > "$work/iperf.json" || true
  wait $spid 2>/dev/null || true
  python3 - "$work/iperf.json" <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))["end"]
s = end.get("sum_received") or end.get("sum")
print(f"{s['bits_per_second'] / 1e9:.3f} {int(s['bytes'])}")
PY
}

rows=()
measure() { # label, server address, data-plane pids...
  local label=$1 server=$2; shift 2
  local test args before after result gbits bytes cpu
  for test in "tcp-1" "tcp-4" "udp"; do
    case $test in
      tcp-1) args=() ;;
      tcp-4) args=(-P 4) ;;
      udp) args=(-u -b 0 -l 1300) ;;
    esac
    before=$( [ $# -gt 0 ] && cpu_ticks "$@" || echo 0 )
    result=$(iperf "$server" "${args[@]}")
    after=$( [ $# -gt 0 ] && cpu_ticks "$@" || echo 0 )
    gbits=${result% *}; bytes=${result#* }
    if [ $# -gt 0 ] && [ "$bytes" -gt 0 ]; then
      cpu=$(awk -v t=$(( after - before )) -v hz=$hz -v b=$bytes 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')
    else
      cpu="-"
    fi
    printf '%-26s %-6s %8s Gbit/s %8s CPU s/GB\n' "$label" "$test" "$gbits" "$cpu"
    rows+=("$label $test $gbits $cpu")
  done
}

start_gateways() { # aead name, key A->B, key B->A
  local aead=$1
  for side in a b; do
    if [ $side = a ]; then s=192.168.77.1 d=192.168.77.2 k=$2 spi=0x00001001; else s=192.168.77.2 d=192.168.77.1 k=$3 spi=0x00002001; fi
    printf 'src %s dst %s\n\tproto esp spi %s reqid 1 mode tunnel\n\treplay-window 1024 flag esn\n\taead %s 0x%s 128\n' $s $d $spi "$aead" $k
  done > "$work/sa.xfrm"
  ip netns exec $A dotnet "$gateway" --sa "$work/sa.xfrm" --local 192.168.77.1 --peer 192.168.77.2 --address 10.10.0.1/32 \
    --route 10.20.0.0/24 --tun espa --workers "$workers" --control "$work/a.sock" > "$work/gateway-a.log" 2>&1 &
  pids+=($!)
  ip netns exec $B dotnet "$gateway" --sa "$work/sa.xfrm" --local 192.168.77.2 --peer 192.168.77.1 --address 10.20.0.1/32 \
    --route 10.10.0.0/24 --tun espb --workers "$workers" --control "$work/b.sock" > "$work/gateway-b.log" 2>&1 &
  pids+=($!)
  for log in gateway-a gateway-b; do
    for _ in $(seq 600); do grep -q '^running' "$work/$log.log" && break; sleep 0.1; done
    grep -q '^running' "$work/$log.log" || { cat "$work/$log.log"; exit 1; }
  done
  ip netns exec $A ping -c 1 -W 5 10.20.0.1 >/dev/null
}

gateway_allocations() { # from the statistics both gateways print at exit
  for log in gateway-a gateway-b; do
    awk -v side=${log#gateway-} '/^datapath_packets_after_warmup/ { p = $2 } /^datapath_allocated_bytes_after_warmup/ { b = $2 }
      END { printf "  gateway %s: %s bytes allocated on the data path over %s packets after warm-up\n", side, b, p }' "$work/$log.log"
  done
}

start_wireguard() { # one wireguard-go per namespace; distinct interface names, since their control sockets share /var/run/wireguard
  for ns in $A $B; do wg genkey > "$work/$ns.key"; wg pubkey < "$work/$ns.key" > "$work/$ns.pub"; done
  for side in a b; do
    if [ $side = a ]; then ns=$A peer=$B inner=10.10.0.1 route=10.20.0.0/24 endpoint=192.168.77.2; else ns=$B peer=$A inner=10.20.0.1 route=10.10.0.0/24 endpoint=192.168.77.1; fi
    dev=wg$side$id
    ip netns exec $ns wireguard-go -f $dev > "$work/wg-$side.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do ip -n $ns link show $dev >/dev/null 2>&1 && [ -S /var/run/wireguard/$dev.sock ] && break; sleep 0.1; done
    ip netns exec $ns wg set $dev private-key "$work/$ns.key" listen-port 51820 \
      peer "$(cat "$work/$peer.pub")" allowed-ips $route endpoint $endpoint:51820
    ip -n $ns addr add $inner/32 dev $dev
    ip -n $ns link set $dev up
    ip -n $ns route add $route dev $dev
  done
  ip netns exec $A ping -c 1 -W 5 10.20.0.1 >/dev/null
}

phases=" ${PHASES:-veth gcm chacha wireguard} "
want() { [[ $phases == *" $1 "* ]]; }
echo "gateway-throughput: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) vCPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ${duration} s per test, $rounds round(s), $workers gateway worker(s)"
echo "$(wireguard-go --version 2>/dev/null | head -1); $(iperf3 --version | head -1)"
for round in $(seq "$rounds"); do
  echo "--- round $round"
  if want veth; then measure "bare veth" 192.168.77.2; fi

  if want gcm; then
    start_gateways "rfc4106(gcm(aes))" 000102030405060708090a0b0c0d0e0f10111213 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
    measure "gateway AES-GCM-128" 10.20.0.1 "${pids[@]}"
    stop_daemons
    gateway_allocations
  fi

  if want chacha; then
    start_gateways "rfc7539esp(chacha20,poly1305)" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00010203 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf10111213
    measure "gateway ChaCha20-Poly1305" 10.20.0.1 "${pids[@]}"
    stop_daemons
    gateway_allocations
  fi

  if want wireguard; then
    start_wireguard
    measure "wireguard-go" 10.20.0.1 "${pids[@]}"
    stop_daemons
  fi
done

echo "--- mean over $rounds round(s)"
printf '%s\n' "${rows[@]}" | awk '
  { key = $0; sub(/ [^ ]+ [^ ]+$/, "", key); n[key]++; g[key] += $(NF-1); if ($NF != "-") { c[key] += $NF; cn[key]++ } }
  END { for (k in n) printf "%-34s %8.3f Gbit/s %8s CPU s/GB\n", k, g[k] / n[k], cn[k] ? sprintf("%.2f", c[k] / cn[k]) : "-" }' | sort
gw=$(printf '%s\n' "${rows[@]}" | awk '/^gateway AES-GCM-128 tcp-1 / { s += $(NF-1); n++ } END { print s / n }')
wg=$(printf '%s\n' "${rows[@]}" | awk '/^wireguard-go tcp-1 / { s += $(NF-1); n++ } END { print s / n }')
echo "tcp gateway/wireguard-go: $(awk -v a="$gw" -v b="$wg" 'BEGIN { printf "%.2f", a / b }')"
