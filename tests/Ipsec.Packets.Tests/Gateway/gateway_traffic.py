#!/usr/bin/env python3
"""Traffic for the EspGateway end-to-end tests, run inside a test namespace with `ip netns exec`.

  recv HOST PORT                     accept one TCP connection, read to the end, print "bytes N sha256 H"
  send HOST PORT BYTES SEED MBPS     send BYTES pseudo-random bytes (seeded), at most MBPS megabytes/s (0: no limit)
  icmp-sizes DEST MAX                ICMP echo with DF set for every payload size 0..MAX; print "ok N" or the failures
  inject HOST PORT FILE              send each hex line of FILE as one UDP datagram to HOST:PORT
"""
import hashlib
import random
import socket
import struct
import sys
import time


def recv(host, port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, int(port)))
    server.listen(1)
    print("listening", flush=True)
    conn, _ = server.accept()
    digest, total = hashlib.sha256(), 0
    while True:
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        digest.update(chunk)
        total += len(chunk)
    print(f"bytes {total} sha256 {digest.hexdigest()}", flush=True)


def send(host, port, count, seed, mbps):
    count, rate = int(count), float(mbps) * 1e6
    rng = random.Random(int(seed))
    conn = socket.create_connection((host, int(port)), timeout=60)
    digest, sent, start = hashlib.sha256(), 0, time.monotonic()
    while sent < count:
        chunk = rng.randbytes(min(1 << 18, count - sent))
        conn.sendall(chunk)
        digest.update(chunk)
        sent += len(chunk)
        if rate > 0:
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    conn.shutdown(socket.SHUT_WR)
    conn.recv(1)
    conn.close()
    print(f"bytes {sent} sha256 {digest.hexdigest()}", flush=True)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp_sizes(dest, maximum):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO: never fragment
    sock.settimeout(2)
    ident, failures = 0x4753, []
    for size in range(int(maximum) + 1):
        payload = bytes((size + i) & 0xFF for i in range(size))
        ok = False
        for attempt in range(3):
            seq = (size * 4 + attempt) & 0xFFFF
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload
            sock.sendto(packet, (dest, 0))
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and not ok:
                try:
                    data = sock.recv(65535)
                except socket.timeout:
                    break
                ihl = (data[0] & 0xF) * 4
                icmp = data[ihl:]
                if len(icmp) >= 8 and icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
                    ok = icmp[8:] == payload
                    if not ok:
                        failures.append(f"size {size}: reply payload differs")
                        break
            if ok:
                break
        if not ok:
            failures.append(f"size {size}: no reply")
    print("\n".join(failures) if failures else f"ok {int(maximum) + 1}", flush=True)


def inject(host, port, path):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    count = 0
    for line in open(path):
        line = line.strip()
        if line:
            sock.sendto(bytes.fromhex(line), (host, int(port)))
            count += 1
            time.sleep(0.001)
    print(f"injected {count}", flush=True)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"recv": recv, "send": send, "icmp-sizes": icmp_sizes, "inject": inject}[command](*args)
