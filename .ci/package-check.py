#!/usr/bin/env python3
"""Checks the packed packages in a folder (CI passes artifacts/):

- layout: Ipsec.Packets nupkg + snupkg with lib/net8.0 and lib/net10.0 (dll, xml), README.md and LICENSE; the tool package;
- each package's README (what nuget.org shows) has no relative links: only absolute http(s) links work on a package page;
- repository metadata comes from git: the nuspec carries the commit being built, and the remote's URL only when git has
  a remote (SourceLink then maps the PDBs' documents to it); no URL is made up;
- when CI=true (ContinuousIntegrationBuild), every document path in every PDB starts with /_/ (no build machine paths).

Prints one line per check and exits non-zero when any fails.
"""
import glob
import os
import re
import struct
import subprocess
import sys
import zipfile

failures = []


def check(ok, message):
    print(('ok: ' if ok else 'FAILED: ') + message)
    if not ok:
        failures.append(message)


def compressed(data, pos):
    """An ECMA-335 compressed unsigned integer at data[pos]: (value, next position)."""
    b = data[pos]
    if b & 0x80 == 0:
        return b, pos + 1
    if b & 0xC0 == 0x80:
        return ((b & 0x3F) << 8) | data[pos + 1], pos + 2
    return ((b & 0x1F) << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3], pos + 4


def pdb_documents(pdb):
    """The document names of a portable PDB (its Document table, 0x30, the first table of a standalone PDB)."""
    assert pdb[:4] == b'BSJB', 'not a portable PDB'
    (version_length,) = struct.unpack_from('<I', pdb, 12)
    pos = 16 + version_length + 2
    (count,) = struct.unpack_from('<H', pdb, pos)
    pos += 2
    streams = {}
    for _ in range(count):
        offset, size = struct.unpack_from('<II', pdb, pos)
        end = pdb.index(b'\0', pos + 8)
        streams[pdb[pos + 8:end].decode()] = pdb[offset:offset + size]
        pos = (end + 4) & ~3
    tables, blob = streams['#~'], streams['#Blob']
    heap_sizes = tables[6]
    (valid,) = struct.unpack_from('<Q', tables, 8)
    present = [t for t in range(64) if valid >> t & 1]
    assert present and present[0] == 0x30, f'the Document table should come first, tables {present}'
    rows = struct.unpack_from(f'<{len(present)}I', tables, 24)
    blob_size = 4 if heap_sizes & 4 else 2
    guid_size = 4 if heap_sizes & 2 else 2
    row_size = 2 * blob_size + 2 * guid_size   # Name, HashAlgorithm, Hash, Language
    first = 24 + 4 * len(present)
    names = []
    for row in range(rows[0]):
        at = first + row * row_size
        length, p = compressed(blob, int.from_bytes(tables[at:at + blob_size], 'little'))
        end = p + length
        separator = chr(blob[p]) if blob[p] else ''
        p += 1
        parts = []
        while p < end:
            part, p = compressed(blob, p)
            n, q = compressed(blob, part) if part else (0, 0)
            parts.append(blob[q:q + n].decode('utf-8') if part else '')
        names.append(separator.join(parts))
    return names


def relative_links(markdown):
    """Link targets in Markdown or HTML that are not absolute http(s) URLs."""
    targets = re.findall(r'\]\(\s*<?([^)\s>]+)', markdown)                  # [text](target), ![alt](target)
    targets += re.findall(r'^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$', markdown, re.M)  # [ref]: target
    targets += re.findall(r'(?:href|src)\s*=\s*["\']([^"\']+)', markdown)  # <a href>, <img src>
    return [t for t in targets if not re.match(r'https?://', t)]


def git(*args):
    result = subprocess.run(['git', *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


folder = sys.argv[1]
packages = glob.glob(f'{folder}/Ipsec.Packets.[0-9]*.nupkg')
symbols = glob.glob(f'{folder}/Ipsec.Packets.[0-9]*.snupkg')
tools = glob.glob(f'{folder}/Ipsec.Packets.Tool.[0-9]*.nupkg')
check(len(packages) == 1 and len(symbols) == 1, f'one Ipsec.Packets nupkg and snupkg in {folder}: {packages + symbols}')
check(len(tools) == 1, f'one Ipsec.Packets.Tool nupkg in {folder}: {tools}')
if failures:
    sys.exit(1)

library = zipfile.ZipFile(packages[0])
names = set(library.namelist())
need = {f'lib/{tfm}/Ipsec.Packets.{ext}' for tfm in ('net8.0', 'net10.0') for ext in ('dll', 'xml')} | {'README.md', 'LICENSE'}
check(need <= names, f'{packages[0]} holds {sorted(need)}' + (f'; lacks {sorted(need - names)}' if need - names else ''))

commit, remote = git('rev-parse', 'HEAD'), git('remote', 'get-url', 'origin')
# Only a remote on a network host becomes the package's repository URL; a clone of a local folder (as CI makes) has a
# path for a remote, which the SDK neither publishes nor maps, and which must not be published either.
hosted = bool(remote) and re.match(r'^(https?://|ssh://|git@[^:]+:)', remote) is not None
# SourceLink maps documents only for the hosts the SDK's providers know.
mapped = hosted and re.search(r'(github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com|visualstudio\.com)', remote) is not None
for path in packages + tools:
    package = zipfile.ZipFile(path)
    nuspec = package.read(next(n for n in package.namelist() if n.endswith('.nuspec'))).decode('utf-8-sig')
    readme = re.search(r'<readme>([^<]+)</readme>', nuspec)
    check(readme is not None and readme.group(1) in package.namelist(), f'{path}: the nuspec names its README and the package holds it')
    if readme:
        links = relative_links(package.read(readme.group(1)).decode('utf-8'))
        check(not links, f'{path}: the package README has no relative links' + (f' (found {links})' if links else ''))
    repository = re.search(r'<repository [^>]*/>', nuspec)
    repository = repository.group(0) if repository else ''
    if commit:
        check(f'commit="{commit}"' in repository, f'{path}: the nuspec carries the commit {commit[:12]}')
    url = re.search(r'url="([^"]+)"', repository)
    if hosted:
        check(url is not None and url.group(1) == remote, f'{path}: the repository URL is the git remote {remote}')
    else:
        check(url is None, f'{path}: no repository URL (git has no remote on a network host, and none is made up)')

ci = os.environ.get('CI') == 'true'
pdbs = [(path, name, zipfile.ZipFile(path).read(name)) for path in symbols + tools
        for name in zipfile.ZipFile(path).namelist() if name.endswith('.pdb')]
check(len(pdbs) >= 3, f'PDBs in the symbol package (net8.0, net10.0) and the tool: {len(pdbs)}')
for path, name, pdb in pdbs:
    documents = pdb_documents(pdb)
    if ci:
        outside = [d for d in documents if not d.startswith('/_/')]
        check(documents and not outside, f'{path}!{name}: ' + (f'{len(outside)} of {len(documents)} source paths not under /_/, e.g. {outside[:2]}'
              if outside else f'all {len(documents)} source paths under /_/'))
    if mapped:
        check(b'"documents"' in pdb, f'{path}!{name}: carries a SourceLink map to the remote')
if not ci:
    print('note: CI is not true, so the build kept local source paths; /_/ paths are checked in CI builds only')

sys.exit(1 if failures else 0)
