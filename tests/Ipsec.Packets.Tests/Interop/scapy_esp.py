#!/usr/bin/python3
"""Scapy side of the ESP interoperability tests.

Reads a JSON list of jobs on stdin. Each job names an SA in Scapy's terms (transport or tunnel mode, IPv4 or IPv6 outer
header, optional NAT-T UDP header) and asks Scapy to encrypt packets and to decrypt packets made by Ipsec.Packets.
Writes a JSON list of results on stdout. Runs with Debian's python3 and python3-scapy (2.5).

Scapy 2.5 departures from the RFCs handled here:
- its AES-GCM always emits a 16-byte tag: 8- and 12-byte ICVs use an algorithm entry built on cryptography's classic
  GCM mode, which truncates and verifies short tags;
- it leaves the ESN high half out of the ICV of non-AEAD ESP (RFC 4303 §2.2.1 requires it): the tests do not ask Scapy
  for ESN with non-AEAD algorithms (the corrected vectors in shared/vectors cover that case);
- it writes the UDP length of NAT-T packets as 8 (the header alone): corrected after encryption;
- it reads a sequence number of 0 as "not given": an ESN packet whose low half is 0 goes through the SA's counter.
"""
import json
import sys

from cryptography.hazmat.primitives.ciphers import algorithms, modes
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers import ipsec
from scapy.layers.ipsec import CryptAlgo, SecurityAssociation, ESP


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
    return SecurityAssociation(ESP, **kwargs)


def parse(hex_packet):
    data = bytes.fromhex(hex_packet)
    return IPv6(data) if data[0] >> 4 == 6 else IP(data)


def fix_nat_t_udp(packet):
    """Scapy 2.5 writes UDP length 8 (the header alone) before ESP; fixed upstream (PR #4125). Correct it here."""
    if UDP not in packet:
        return bytes(packet)
    udp = packet[UDP]
    udp.len = len(udp)
    udp.chksum = 0 if IP in packet else None
    return bytes(packet)


def run(job):
    sa = make_sa(job['sa'])
    result = {'encrypted': [], 'decrypted': []}
    for item in job.get('encrypt', []):
        packet = parse(item['packet'])
        seq = item['seq']
        # Scapy takes "seq_num or self.seq_num", so a low half of 0 (valid with ESN) must come through the SA's counter.
        sa.seq_num = seq & 0xFFFFFFFF
        out = sa.encrypt(packet, seq_num=seq & 0xFFFFFFFF, esn_en=job['sa'].get('esn_en', False), esn=seq >> 32)
        result['encrypted'].append(fix_nat_t_udp(out).hex())
    for item in job.get('decrypt', []):
        try:
            seq = item['seq']
            inner = sa.decrypt(parse(item['packet']), esn_en=job['sa'].get('esn_en', False), esn=seq >> 32)
            result['decrypted'].append(bytes(inner).hex())
        except Exception as error:  # noqa: BLE001 - reported back to the test
            result['decrypted'].append('error: %s' % error)
    return result


def main():
    jobs = json.load(sys.stdin)
    json.dump([run(job) for job in jobs], sys.stdout)


if __name__ == '__main__':
    main()
