#!/usr/bin/env bash
# Smoke test of limsim as a user installs it: pack the tree, install the
# tarball globally into a temporary prefix (no tsx, no sources, no dev
# dependencies), then run the installed `limsim` binary through npm's bin
# symlink. Fails loudly (non-zero exit, the failing step named) otherwise.
#
#   scripts/smoke-installed.sh            # from the repository root
#   KEEP=1 scripts/smoke-installed.sh     # keep the temporary prefix for a look
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/limsim-smoke.XXXXXX")"
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$tmp"' EXIT; else echo "smoke: keeping $tmp"; fi

fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }
step() { echo "smoke: $*"; }

step "npm pack"
tarball="$(npm pack --silent --pack-destination "$tmp" | tail -n 1)"
[[ -f "$tmp/$tarball" ]] || fail "npm pack wrote no tarball"

# What must and must not be in the tarball.
tar -tzf "$tmp/$tarball" > "$tmp/contents.txt"
for must in package/dist/cli.js package/dist/index.js package/dist/index.d.ts package/dist/workers/ensemble-worker.js package/dist/workers/sweep-worker.js package/LICENSE package/CITATION.cff package/data/iris.csv package/schema/limsim.schema.json; do
  grep -qx "$must" "$tmp/contents.txt" || fail "tarball lacks $must"
done
if grep -E '^package/(src|test|bench|\.ci|results|scripts|node_modules)/' "$tmp/contents.txt"; then
  fail "tarball carries files that do not belong (above)"
fi

step "npm install -g $tarball --prefix $tmp/prefix"
# Offline from the local cache when it holds every dependency (CI ran npm ci), else the registry.
npm install -g "$tmp/$tarball" --prefix "$tmp/prefix" --no-audit --no-fund --prefer-offline > "$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log" >&2; fail "npm install -g of the tarball"; }
bin="$tmp/prefix/bin/limsim"
[[ -x "$bin" ]] || fail "no executable $bin"
if [[ -e "$tmp/prefix/lib/node_modules/limsim/node_modules/tsx" || -e "$tmp/prefix/lib/node_modules/tsx" ]]; then
  fail "tsx was installed with the package (it must be a dev dependency)"
fi

# Run from an unrelated directory so nothing resolves from this checkout.
cd "$tmp"

step "limsim --help"
"$bin" --help > help.txt || fail "limsim --help exited $?"
grep -q '^Usage: limsim' help.txt || { cat help.txt >&2; fail "limsim --help printed no usage"; }
for verb in run verify sweep schema; do
  grep -qE "^  $verb( |\$)" help.txt || { cat help.txt >&2; fail "limsim --help does not list '$verb'"; }
done

step "limsim --version"
version="$("$bin" --version)" || fail "limsim --version exited $?"
expected="$(node -p "require('$tmp/prefix/lib/node_modules/limsim/package.json').version")"
[[ "$version" == "$expected" ]] || fail "limsim --version printed '$version', expected '$expected'"

step "limsim verify --quick"
"$bin" verify --quick > verify.txt || { cat verify.txt >&2; fail "limsim verify --quick exited $?"; }
tail -n 1 verify.txt

config="$tmp/prefix/lib/node_modules/limsim/sim-configs/harmonic-drag.yaml"
step "limsim validate $(basename "$config")"
[[ "$("$bin" validate "$config")" == "ok: physics (harmonic-drag)" ]] || fail "limsim validate of a shipped config"
step "limsim schema equals the shipped schema/limsim.schema.json"
"$bin" schema | cmp -s - "$tmp/prefix/lib/node_modules/limsim/schema/limsim.schema.json" || fail "limsim schema differs from the shipped schema file"
step "limsim run $(basename "$config") --replicas 200 --workers 2 --out run"
"$bin" run "$config" --replicas 200 --workers 2 --out "$tmp/run" > run.txt 2> run.err || { cat run.txt run.err >&2; fail "limsim run exited $?"; }
# A worker that cannot load its module falls back to the main thread and says so on stderr.
if grep -q 'failed to load' run.err; then cat run.err >&2; fail "an ensemble worker failed to load from dist/"; fi
[[ -s "$tmp/run/summary.json" ]] || fail "limsim run wrote no summary.json"
node -e "const s=require('$tmp/run/summary.json'); if (!Number.isFinite(s.results.heat.mean)) process.exit(1)" \
  || fail "summary.json has no finite results.heat.mean"

step "limsim sweep (2 points on 2 worker threads, loaded from dist/ as plain .js)"
"$bin" sweep "$config" --grid time.duration=1,2 --set replicas=100 --workers 2 --no-report --quiet --out "$tmp/sweep" > sweep.txt \
  || { cat sweep.txt >&2; fail "limsim sweep exited $?"; }
[[ "$(wc -l < "$tmp/sweep/results.jsonl")" -eq 2 ]] || { cat sweep.txt >&2; fail "limsim sweep did not write 2 rows"; }

step "the library by name: import 'limsim', limsim/schema.json, and its types in a TypeScript consumer"
pkg="$tmp/prefix/lib/node_modules/limsim"
mkdir -p "$tmp/consumer/node_modules" && ln -s "$pkg" "$tmp/consumer/node_modules/limsim"
cat > "$tmp/consumer/package.json" <<'JSON'
{ "name": "consumer", "private": true, "type": "module" }
JSON
cat > "$tmp/consumer/consumer.ts" <<'TS'
import { runPhysics, validateConfig, type PhysicsConfigInput, type PhysicsRun } from 'limsim';
const config: PhysicsConfigInput = {
  name: 'consumer',
  replicas: 100,
  time: { duration: 1, dt: 0.002 },
  potential: { kind: 'harmonic', stiffness: 4, centre: { kind: 'linear', from: 0, to: 1, end: 1 } },
};
validateConfig(config);
const run: PhysicsRun = runPhysics(config);
const heat: number = run.summary.results.heat.mean;
export { heat };
TS
(cd "$tmp/consumer" && "$repo/node_modules/.bin/tsc" --strict --noEmit --skipLibCheck --module nodenext --moduleResolution nodenext --target es2022 consumer.ts) \
  || fail "a TypeScript consumer does not type-check against the installed package's types"
(cd "$tmp/consumer" && node --input-type=module -e "
import { createRequire } from 'node:module';
const limsim = await import('limsim');
for (const name of ['runPhysics', 'runTraining', 'runSweep', 'writeRun', 'writeReport', 'compareResults']) if (typeof limsim[name] !== 'function') throw new Error('no export ' + name);
if ('uniformGrid' in limsim) throw new Error('an internal helper leaks into the top-level export');
const schema = createRequire(import.meta.url)('limsim/schema.json');
if (!schema.\$defs.physics || !schema.\$defs.training || !schema.\$defs.sweep) throw new Error('limsim/schema.json lacks a kind');
const run = limsim.runPhysics({ name: 'api', replicas: 100, time: { duration: 1, dt: 0.002 }, potential: { kind: 'harmonic', stiffness: 4 } });
if (!Number.isFinite(run.summary.results.heat.mean)) throw new Error('no heat');
") || fail "the installed library does not import by name"

step "start-up: mean wall time of 5 runs of the installed limsim --version"
start=$(date +%s%N); for i in 1 2 3 4 5; do "$bin" --version > /dev/null; done; end=$(date +%s%N)
echo "smoke: limsim --version $(( (end - start) / 5000000 )) ms per run (node -e 0 for scale: $( s=$(date +%s%N); node -e 0; e=$(date +%s%N); echo $(( (e - s) / 1000000 )) ) ms)"

step "ok: the installed limsim $version answers --help and --version, passes verify --quick, runs a shipped config and a sweep"
