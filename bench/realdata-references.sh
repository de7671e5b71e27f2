#!/usr/bin/env bash
# Counts unused-* findings and edges by kind per /work/shared/realdata folder, each collected as a whole cluster:
#   keygraph collect files DIR --cluster NAME --complete --json; keygraph check --json
# Usage: bench/realdata-references.sh [KEYGRAPH_CHECKOUT] > counts.json   (default: this checkout)
# Uses an embedded PostgreSQL in a temporary KEYGRAPH_DATA_DIR (nothing is written into the checkout).
set -euo pipefail
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
REALDATA=${KEYGRAPH_REALDATA:-/work/shared/realdata}
DATA=$(mktemp -d /tmp/kg-measure-XXXXXX)
export KEYGRAPH_DATA_DIR=$DATA
trap 'rm -rf "$DATA"' EXIT
kg() { (cd "$DATA" && node "$ROOT/bin/keygraph.mjs" "$@"); }
for d in kube-prometheus external-secrets cert-manager argo-workflows secrets-store-csi-driver-provider-gcp kubernetes-engine-samples; do
  [ -d "$REALDATA/$d" ] || { echo "skip $d: absent" >&2; continue; }
  kg collect files "$REALDATA/$d" --cluster "$d" --complete --json > "$DATA/$d.collect.json" 2>"$DATA/$d.err" || true
  kg export --what edges --format ndjson --cluster "$d" > "$DATA/$d.edges.ndjson" 2>>"$DATA/$d.err" || true
done
kg check --json > "$DATA/check.json" 2>/dev/null || true
node -e '
const fs = require("fs"); const dir = process.argv[1];
const check = JSON.parse(fs.readFileSync(dir + "/check.json", "utf8"));
const out = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".collect.json"))) {
  const c = f.replace(".collect.json", "");
  let j = {}; try { j = JSON.parse(fs.readFileSync(dir + "/" + f, "utf8")); } catch { j = { error: fs.readFileSync(dir + "/" + c + ".err", "utf8").slice(0, 300) }; }
  const edges = {};
  for (const l of fs.readFileSync(dir + "/" + c + ".edges.ndjson", "utf8").split("\n")) {
    if (!l.trim()) continue; let e; try { e = JSON.parse(l); } catch { continue; }
    if (!e.kind) continue; edges[e.kind] = (edges[e.kind] ?? 0) + 1;
  }
  out[c] = { edges, unused: {}, unusedList: [] };
}
for (const f of check.findings ?? []) {
  if (!f.rule.startsWith("unused-")) continue;
  const o = out[f.realm]; if (!o) continue;
  o.unused[f.rule] = (o.unused[f.rule] ?? 0) + 1; o.unusedList.push(f.rule + " " + f.objects[0]);
}
console.log(JSON.stringify(out, null, 1));
' "$DATA"
