#!/usr/bin/python3
"""Traffic for the strongSwan interop tests, run inside one of the test's network namespaces.

  serve ADDRESS                  UDP echo on ADDRESS:7777; TCP on ADDRESS:5001 answers the SHA-256 of what it received.
  client SRC DST ICMP_MAX UDP_MAX TCP_BYTES [PACE_MS]
                                 ICMP echo requests with 0..ICMP_MAX data bytes, one at a time, each waiting for its reply;
                                 UDP datagrams of 0..UDP_MAX bytes to DST:7777, each waiting for its echo; then TCP_BYTES
                                 random bytes to DST:5001 (16 KiB every PACE_MS ms if given) and the SHA-256
                                 checked. A negative maximum skips that part. Prints one JSON summary line.
  inject                         reads hex outer IPv4 packets (one per line) and sends each whole (IP_HDRINCL).
Only the standard library: the tests need nothing from pip.
"""
import hashlib
import json
import os
import select
import socket
import struct
import sys
import threading
import time

UDP_PORT = 7777
TCP_PORT = 5001


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def serve(address):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((address, UDP_PORT))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((address, TCP_PORT))
    tcp.listen(8)

    def udp_loop():
        while True:
            data, peer = udp.recvfrom(65535)
            udp.sendto(data, peer)

    def tcp_one(conn):
        digest = hashlib.sha256()
        total = 0
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                digest.update(chunk)
                total += len(chunk)
            conn.sendall(("%d %s\n" % (total, digest.hexdigest())).encode())

    threading.Thread(target=udp_loop, daemon=True).start()
    print("serving", flush=True)
    while True:
        conn, _ = tcp.accept()
        threading.Thread(target=tcp_one, args=(conn,), daemon=True).start()


def icmp_sweep(src, dst, maximum):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.bind((src, 0))
    ident = os.getpid() & 0xFFFF
    lost = []
    for size in range(0, maximum + 1):
        data = bytes((size + i) & 0xFF for i in range(size))
        header = struct.pack("!BBHHH", 8, 0, 0, ident, size)
        packet = struct.pack("!BBHHH", 8, 0, checksum(header + data), ident, size) + data
        answered = False
        for _ in range(3):
            sock.sendto(packet, (dst, 0))
            deadline = time.monotonic() + 1.0
            while not answered and time.monotonic() < deadline:
                ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    break
                reply = sock.recv(65535)
                ihl = (reply[0] & 0x0F) * 4
                if reply[ihl] == 0 and struct.unpack("!HH", reply[ihl + 4:ihl + 8]) == (ident, size) and reply[ihl + 8:] == data:
                    answered = True
            if answered:
                break
        if not answered:
            lost.append(size)
    return lost


def udp_sweep(src, dst, maximum):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, 0))
    sock.settimeout(1.0)
    lost = []
    for size in range(0, maximum + 1):
        data = bytes((0x40 + size + i) & 0xFF for i in range(size))
        answered = False
        for _ in range(3):
            sock.sendto(data, (dst, UDP_PORT))
            try:
                while True:
                    reply = sock.recv(65535)
                    if reply == data:
                        answered = True
                        break
            except socket.timeout:
                pass
            if answered:
                break
        if not answered:
            lost.append(size)
    return lost


def tcp_transfer(src, dst, length, pace_ms):
    if length <= 0:
        return True, ""
    payload = os.urandom(length)
    sock = socket.create_connection((dst, TCP_PORT), timeout=60, source_address=(src, 0))
    if pace_ms > 0:
        # 16 KiB at a time with a pause: a transfer long enough to span a rekey, slow enough for the captures.
        for start in range(0, length, 16384):
            sock.sendall(payload[start:start + 16384])
            time.sleep(pace_ms / 1000.0)
    else:
        sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    answer = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    sock.close()
    expected = "%d %s" % (length, hashlib.sha256(payload).hexdigest())
    return answer.decode().strip() == expected, answer.decode().strip()


def client(src, dst, icmp_max, udp_max, tcp_bytes, pace_ms):
    result = {"icmpLost": icmp_sweep(src, dst, icmp_max) if icmp_max >= 0 else []}
    result["udpLost"] = udp_sweep(src, dst, udp_max) if udp_max >= 0 else []
    ok, answer = tcp_transfer(src, dst, tcp_bytes, pace_ms)
    result["tcpOk"] = ok
    result["tcpAnswer"] = answer
    print(json.dumps(result), flush=True)


def inject():
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    count = 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        packet = bytes.fromhex(line)
        sock.sendto(packet, (socket.inet_ntoa(packet[16:20]), 0))
        count += 1
        time.sleep(0.005)
    print(json.dumps({"sent": count}), flush=True)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "serve":
        serve(sys.argv[2])
    elif command == "client":
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]),
               int(sys.argv[7]) if len(sys.argv) > 7 else 0)
    elif command == "inject":
        inject()
    else:
        sys.exit("unknown command " + command)
