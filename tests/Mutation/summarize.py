"""Summarises a Stryker JSON report (mutation-testing-elements schema) per file: killed, survived, timeout, no coverage,
compile errors and the score; then the same score with the mutants listed in EQUIVALENT-MUTANTS.md left out; then
every mutant still alive.

usage: summarize.py [--markdown] EQUIVALENTS_MD REPORT [REPORT...]   (a later report replaces an earlier one's results per file)

An equivalent mutant is matched by file, original code and replacement (whitespace ignored), not by line, so the list
survives edits elsewhere in the file. EQUIVALENT-MUTANTS.md rows: | file | line | original | replacement | reason |,
code in backticks, `\\|` for a pipe inside code.
"""
import json
import os
import re
import sys


def norm(text):
    return re.sub(r'\s+', '', text)


def load_equivalents(path):
    found = set()
    if not os.path.exists(path):
        return found
    for line in open(path, encoding='utf-8'):
        if not line.startswith('|') or line.startswith('|--') or line.startswith('| File'):
            continue
        cells = [c.strip() for c in re.split(r'(?<!\\)\|', line.strip())[1:-1]]
        if len(cells) < 5:
            continue
        code = [c.replace('\\|', '|').strip('`') for c in cells[2:4]]
        found.add((cells[0], norm(code[0]), norm(code[1])))
    return found


def original_text(source_lines, loc):
    (l1, c1), (l2, c2) = (loc['start']['line'], loc['start']['column']), (loc['end']['line'], loc['end']['column'])
    if l1 == l2:
        return source_lines[l1 - 1][c1 - 1:c2 - 1]
    parts = [source_lines[l1 - 1][c1 - 1:]] + source_lines[l1:l2 - 1] + [source_lines[l2 - 1][:c2 - 1]]
    return '\n'.join(parts)


def score(c, equivalents=0):
    valid = c['k'] + c['t'] + c['s'] + c['n'] - equivalents
    return 100.0 * (c['k'] + c['t']) / valid if valid > 0 else 100.0


def main():
    args = sys.argv[1:]
    markdown = args[:1] == ['--markdown']
    if markdown:
        args = args[1:]
    equivalents_path, reports = args[0], args[1:]
    equivalents = load_equivalents(equivalents_path)
    files = {}
    for report in reports:
        for path, f in json.load(open(report, encoding='utf-8'))['files'].items():
            marker = 'src/Ipsec.Packets/'
            files[path[path.index(marker) + len(marker):] if marker in path else path] = (path, f)
    rows, alive = [], []
    total = dict(k=0, s=0, t=0, n=0, c=0, e=0)
    for rel, (path, f) in sorted(files.items()):
        source = f.get('source')
        if source is None and os.path.exists(path):
            source = open(path, encoding='utf-8-sig').read()
        lines = (source or '').split('\n')
        c = dict(k=0, s=0, t=0, n=0, c=0, e=0)
        for m in f['mutants']:
            key = {'Killed': 'k', 'Survived': 's', 'Timeout': 't', 'NoCoverage': 'n', 'CompileError': 'c'}.get(m['status'])
            if key is None:
                continue
            c[key] += 1
            if key in ('s', 'n'):
                original = original_text(lines, m['location']) if source else ''
                replacement = m.get('replacement', '')
                equivalent = (rel, norm(original), norm(replacement)) in equivalents
                if equivalent:
                    c['e'] += 1
                tag = 'equivalent' if equivalent else m['status']
                alive.append(f"{rel}:{m['location']['start']['line']}: {tag} {m['mutatorName']}: "
                             f"`{' '.join(original.split())[:80]}` -> `{' '.join(replacement.split())[:80]}`")
        if sum(c.values()) == 0:
            continue
        for k in total:
            total[k] += c[k]
        rows.append((rel, c))
    if markdown:
        print('| File | Killed | Timeout | Survived | No coverage | Score | Listed equivalent | Score without them |')
        print('|------|-------:|--------:|---------:|------------:|------:|------------------:|-------------------:|')
        for rel, c in rows + [('**total**', total)]:
            print(f"| {rel} | {c['k']} | {c['t']} | {c['s']} | {c['n']} | {score(c):.1f}% | {c['e']} | {score(c, c['e']):.1f}% |")
        return
    width = max([len(r) for r, _ in rows] + [5])
    print(f"{'file':<{width}}  killed  survived  timeout  no-coverage  compile-error  score   equivalent  score-without-equivalents")
    for rel, c in rows + [('total', total)]:
        print(f"{rel:<{width}}  {c['k']:6}  {c['s']:8}  {c['t']:7}  {c['n']:11}  {c['c']:13}  {score(c):5.1f}%  {c['e']:10}  {score(c, c['e']):5.1f}%")
    detected = total['k'] + total['t']
    print(f"mutation score: {score(total):.1f}% ({detected} of {detected + total['s'] + total['n']} mutants killed); "
          f"{score(total, total['e']):.1f}% without the {total['e']} listed equivalent mutants")
    if alive:
        print('mutants alive (survived, no coverage, or listed equivalent):')
        print('\n'.join('  ' + a for a in alive))


main()
