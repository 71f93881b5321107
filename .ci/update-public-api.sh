#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt,
# and drops declared lines that no longer exist (RS0017). `dotnet format` cannot apply this fix, so we read
# the analyzer's own API names from a SARIF error log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
proj="$root/src/Ipsec.Packets"
sarif=$(mktemp --suffix=.sarif)
dotnet build "$proj" -f net10.0 -c Debug -p:ErrorLog="$sarif%2Cversion=2.1" -p:TreatWarningsAsErrors=false >/dev/null 2>&1 || true
python3 - "$sarif" "$proj/PublicAPI.Unshipped.txt" <<'PY'
import json, sys
sarif, path = sys.argv[1], sys.argv[2]
results = json.load(open(sarif))['runs'][0].get('results', [])
add = {r['properties']['customProperties']['APIName'] for r in results if r['ruleId'] == 'RS0016'}
remove = set()
for r in results:
    if r['ruleId'] == 'RS0017':
        t = r['message']['text']
        remove.add(t[t.index("'") + 1:t.rindex("'")])
lines = [l.rstrip('\n') for l in open(path)]
body = [l for l in lines[1:] if l and l not in remove]
body = sorted(set(body) | add, key=lambda s: s.lstrip('~').replace('static ', '').replace('override ', '').replace('abstract ', '').replace('virtual ', '').replace('const ', '').replace('readonly ', ''))
open(path, 'w').write('#nullable enable\n' + ''.join(l + '\n' for l in body))
print(f'added {len(add)}, removed {len(remove)}')
PY
rm -f "$sarif"
