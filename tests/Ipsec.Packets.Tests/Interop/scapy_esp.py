#!/usr/bin/python3
"""Scapy side of the ESP interoperability tests.

Reads a JSON list of jobs on stdin. Each job names an SA in Scapy's terms (transport or tunnel mode, IPv4 or IPv6 outer
header, optional NAT-T UDP header) and asks Scapy to encrypt packets and to decrypt packets made by Ipsec.Packets.
Writes a JSON list of results on stdout. Runs with Debian's python3 and python3-scapy (2.5).

Scapy 2.5 departures from the RFCs handled here:
- its AES-GCM always emits a 16-byte tag: 8- and 12-byte ICVs use an algorithm entry built on cryptography's classic
  GCM mode, which truncates and verifies short tags;
- it leaves the ESN high half out of the ICV of non-AEAD ESP (RFC 4303 §2.2.1 requires it): a job with "esn_icv" set
  gets EsnIcv below, which feeds Scapy's own MAC the RFC's input (the ESP packet, then the high half);
- it writes the UDP length of NAT-T packets as 8 (the header alone): corrected after encryption;
- it reads a sequence number of 0 as "not given": an ESN packet whose low half is 0 goes through the SA's counter;
- with NAT-T over IPv6 in transport mode it neither encapsulates nor decapsulates correctly: it leaves the next header
  of the last extension header at 50, and on decryption keeps the UDP header. Corrected around encrypt and decrypt.
See SCAPY-DEPARTURES.md.
"""
import json
import struct
import sys

from cryptography.hazmat.primitives.ciphers import algorithms, modes
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers import ipsec
from scapy.layers.ipsec import CryptAlgo, SecurityAssociation, ESP, IPSecIntegrityError
from scapy.packet import Raw


class EsnIcv:
    """A Scapy integrity algorithm whose ESP ICV covers the ESN high half, as RFC 4303 §2.2.1 and §3.3.2.1 require:
    the MAC input is the ESP packet (SPI to Next Header) followed by the high 32 bits, which are not sent."""

    def __init__(self, algo):
        self.algo = algo
        self.icv_size = algo.icv_size
        self.high = 0

    def _mac(self, esp_bytes, key):
        mac = self.algo.new_mac(key)
        mac.update(esp_bytes + struct.pack('!L', self.high))
        return mac.finalize()[:self.icv_size]

    def sign(self, pkt, key, esn_en=False, esn=0):
        pkt[ESP].data += self._mac(bytes(pkt[ESP]), key)
        return pkt

    def verify(self, pkt, key, esn_en=False, esn=0):
        icv = pkt.data[len(pkt.data) - self.icv_size:]
        clone = pkt.copy()
        clone.data = clone.data[:len(clone.data) - self.icv_size]
        computed = self._mac(bytes(clone), key)
        if icv != computed:
            raise IPSecIntegrityError('pkt_icv=%r, computed_icv=%r' % (icv, computed))


def classic_gcm(icv_size):
    return CryptAlgo('AES-GCM-%d' % icv_size, cipher=algorithms.AES, mode=modes.GCM, key_size=(16, 24, 32),
                     salt_size=4, block_size=1, iv_size=8, icv_size=icv_size,
                     format_mode_iv=ipsec._salt_format_mode_iv)


def make_sa(spec):
    crypt_algo = spec['crypt_algo']
    icv = spec.get('crypt_icv_size')
    if crypt_algo == 'AES-GCM' and icv in (8, 12):
        crypt_algo = 'AES-GCM-%d' % icv
        ipsec.CRYPT_ALGOS[crypt_algo] = classic_gcm(icv)
    kwargs = dict(spi=spec['spi'], crypt_algo=crypt_algo, crypt_key=bytes.fromhex(spec['crypt_key']),
                  esn_en=spec.get('esn_en', False))
    if spec.get('mode', 'tunnel') == 'tunnel':
        outer = IPv6 if ':' in spec['tunnel_src'] else IP
        kwargs['tunnel_header'] = outer(src=spec['tunnel_src'], dst=spec['tunnel_dst'])
    if spec.get('nat_t'):
        kwargs['nat_t_header'] = UDP(sport=spec['nat_t'][0], dport=spec['nat_t'][1])
    if icv is not None:
        kwargs['crypt_icv_size'] = icv
    if spec.get('auth_algo'):
        kwargs['auth_algo'] = spec['auth_algo']
        kwargs['auth_key'] = bytes.fromhex(spec['auth_key'])
    sa = SecurityAssociation(ESP, **kwargs)
    if spec.get('esn_icv'):
        sa.auth_algo = EsnIcv(sa.auth_algo)
    return sa


def parse(hex_packet):
    data = bytes.fromhex(hex_packet)
    return IPv6(data) if data[0] >> 4 == 6 else IP(data)


def fix_nat_t_udp(packet):
    """Scapy 2.5 writes UDP length 8 (the header alone) before ESP; fixed upstream (PR #4125). Correct it here.
    Over IPv6 in transport mode it also leaves the next header of the last extension header at 50 (ESP) instead of 17."""
    if UDP not in packet:
        return bytes(packet)
    udp = packet[UDP]
    if udp.underlayer is not packet and hasattr(udp.underlayer, 'nh'):
        udp.underlayer.nh = 17
    udp.len = len(udp)
    udp.chksum = 0 if packet.version == 4 else None
    return bytes(packet)


def strip_nat_t_ipv6(data):
    """RFC 3948 §3.3 decapsulation (remove the UDP header, next header becomes 50) for IPv6 transport mode, which Scapy
    2.5 decrypts into a packet that keeps the UDP header."""
    packet = IPv6(data)
    udp = packet.getlayer(UDP)
    if udp is None or (udp.sport != 4500 and udp.dport != 4500):
        return packet
    if udp.len != len(udp):
        raise ValueError('NAT-T UDP length %d, expected %d' % (udp.len, len(udp)))
    esp = bytes(udp.payload)
    under = udp.underlayer
    under.nh = 50
    under.remove_payload()
    data = bytearray(bytes(packet) + esp)
    struct.pack_into('!H', data, 4, len(data) - 40)
    return IPv6(bytes(data))


def transport_bytes(inner):
    """The packet Scapy decrypted in transport mode, cut to the length Scapy itself wrote in its IP header: with an empty
    ESP payload (next header 59 or 253, say) Scapy 2.5 appends a default-built layer after it."""
    data = bytes(inner)
    length = struct.unpack_from('!H', data, 2)[0] if data[0] >> 4 == 4 else 40 + struct.unpack_from('!H', data, 4)[0]
    return data[:length]


def run(job):
    sa = make_sa(job['sa'])
    esn_icv = sa.auth_algo if isinstance(sa.auth_algo, EsnIcv) else None
    transport_v6_nat_t = job['sa'].get('mode') == 'transport' and job['sa'].get('nat_t')
    result = {'encrypted': [], 'decrypted': []}
    for item in job.get('encrypt', []):
        packet = parse(item['packet'])
        seq = item['seq']
        # Scapy takes "seq_num or self.seq_num", so a low half of 0 (valid with ESN) must come through the SA's counter.
        sa.seq_num = seq & 0xFFFFFFFF
        if esn_icv:
            esn_icv.high = seq >> 32
        out = sa.encrypt(packet, seq_num=seq & 0xFFFFFFFF, esn_en=job['sa'].get('esn_en', False), esn=seq >> 32)
        result['encrypted'].append(fix_nat_t_udp(out).hex())
    for item in job.get('decrypt', []):
        try:
            seq = item['seq']
            if esn_icv:
                esn_icv.high = seq >> 32
            data = bytes.fromhex(item['packet'])
            packet = strip_nat_t_ipv6(data) if transport_v6_nat_t and data[0] >> 4 == 6 else parse(item['packet'])
            inner = sa.decrypt(packet, esn_en=job['sa'].get('esn_en', False), esn=seq >> 32)
            transport = job['sa'].get('mode', 'tunnel') == 'transport'
            result['decrypted'].append((transport_bytes(inner) if transport else bytes(inner)).hex())
        except Exception as error:  # noqa: BLE001 - reported back to the test
            result['decrypted'].append('error: %s' % error)
    return result


def main():
    jobs = json.load(sys.stdin)
    json.dump([run(job) for job in jobs], sys.stdout)


if __name__ == '__main__':
    main()
