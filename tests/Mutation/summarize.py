"""Summarises a Stryker JSON report (mutation-testing-elements schema) per file: killed, survived, timeout, no coverage,
compile errors and the score; then the same score with the mutants listed in EQUIVALENT-MUTANTS.md left out; then
every mutant still alive.

usage: summarize.py [--markdown | --alive-spans] EQUIVALENTS_MD REPORT [REPORT...]

A later report replaces an earlier one's results per file; a partial report (one `.ci/mutation FILE{spans}` saved, marked
with `ipsecPartialSpans`) instead replaces only the mutants it tested, matched by mutator, replacement and location (so
the source must be the same as in the earlier report). --alive-spans prints, per file, the `.ci/mutation` argument that
re-tests only the mutants left alive (survived or no coverage, listed equivalents aside).

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


def mutant_key(m):
    loc = m['location']
    return (m['mutatorName'], m.get('replacement', ''), loc['start']['line'], loc['start']['column'], loc['end']['line'], loc['end']['column'])


def offset(lines, position):
    return sum(len(line) + 1 for line in lines[:position['line'] - 1]) + position['column'] - 1


def main():
    args = sys.argv[1:]
    markdown = args[:1] == ['--markdown']
    alive_spans = args[:1] == ['--alive-spans']
    if markdown or alive_spans:
        args = args[1:]
    equivalents_path, reports = args[0], args[1:]
    equivalents = load_equivalents(equivalents_path)
    files = {}
    for report in reports:
        data = json.load(open(report, encoding='utf-8'))
        partial = data.get('ipsecPartialSpans', {})
        for path, f in data['files'].items():
            marker = 'src/Ipsec.Packets/'
            rel = path[path.index(marker) + len(marker):] if marker in path else path
            if rel in partial and rel in files:
                earlier_path, earlier = files[rel]
                if earlier.get('source') != f.get('source'):
                    sys.exit(f'{report}: {rel} changed since the earlier report; a partial run can only be laid over the same source')
                merged = {mutant_key(m): m for m in earlier['mutants']}
                # Only the mutants the partial run tested: the rest it reports as ignored ("Removed by mutate filter").
                merged.update({mutant_key(m): m for m in f['mutants'] if m['status'] != 'Ignored'})
                f = dict(earlier, mutants=list(merged.values()))
                path = earlier_path
            files[rel] = (path, f)
    if alive_spans:
        for rel, (path, f) in sorted(files.items()):
            lines = (f.get('source') or '').split('\n')
            spans = []
            for m in f['mutants']:
                if m['status'] not in ('Survived', 'NoCoverage'):
                    continue
                if (rel, norm(original_text(lines, m['location'])), norm(m.get('replacement', ''))) in equivalents:
                    continue
                spans.append((offset(lines, m['location']['start']), offset(lines, m['location']['end'])))
            if spans:
                print(rel + ''.join(f'{{{a}..{b}}}' for a, b in sorted(set(spans))))
        return
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
