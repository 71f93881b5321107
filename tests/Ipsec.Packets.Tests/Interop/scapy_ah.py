#!/usr/bin/python3
"""Scapy side of the AH interoperability tests: reads jobs (an AH SA in Scapy's terms, packets to protect and packets
to verify) as JSON on stdin and writes the results as JSON on stdout. Runs with Debian's python3 and python3-scapy."""
import json
import sys
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import SecurityAssociation, AH

def parse(data):
    return IPv6(data) if data[0] >> 4 == 6 else IP(data)

def run(job):
    spec = job['sa']
    kwargs = dict(spi=spec['spi'], auth_algo=spec['auth_algo'], auth_key=bytes.fromhex(spec['auth_key']))
    if spec.get('tunnel') == 4:
        kwargs['tunnel_header'] = IP(src=spec['src'], dst=spec['dst'])
    elif spec.get('tunnel') == 6:
        kwargs['tunnel_header'] = IPv6(src=spec['src'], dst=spec['dst'])
    sa = SecurityAssociation(AH, **kwargs)
    result = {'encrypted': [], 'decrypted': []}
    for item in job['encrypt']:
        out = sa.encrypt(parse(bytes.fromhex(item['packet'])), seq_num=item['seq'])
        result['encrypted'].append(bytes(out).hex())
    for item in job['decrypt']:
        try:
            result['decrypted'].append(bytes(sa.decrypt(parse(bytes.fromhex(item['packet'])))).hex())
        except Exception as error:
            result['decrypted'].append('error: %s: %s' % (type(error).__name__, error))
    return result

json.dump([run(job) for job in json.load(sys.stdin)], sys.stdout)
