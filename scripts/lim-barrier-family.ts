/**
 * docs/optimize.md §8: the `learning-rate` barrier schedules of a training config at several
 * constant eta, each run like a validation run of `limsim optimize` (fresh noise, its own seed,
 * the given copies), so the least-heat schedule can be set beside the whole family of schedules
 * matched to gradient descent, not only the config's eta.
 *
 *   npx tsx scripts/lim-barrier-family.ts CONFIG STORE_INDEX COPIES ETA...
 */
import { readConfigFile } from '../src/experiments/config.js';
import { evaluateTraining } from '../src/optimize/training-objective.js';
import { formatEstimate, textTable } from '../src/report/format.js';

const [configPath, indexText, copiesText, ...etas] = process.argv.slice(2);
if (!configPath || etas.length === 0) {
  process.stderr.write('usage: npx tsx scripts/lim-barrier-family.ts CONFIG STORE_INDEX COPIES ETA...\n');
  process.exit(2);
}
const storeIndex = Number(indexText);
const copies = Number(copiesText);
const raw = readConfigFile(configPath).raw as Record<string, unknown> & { seed?: number; stores: Record<string, unknown>[] };
const seed = raw.seed ?? 1;
const rows: string[][] = [];
let floatLoss = NaN;
etas.forEach((text, k) => {
  const eta = Number(text);
  const data = structuredClone(raw);
  const store = data.stores[storeIndex];
  const engine = store.engine === 'monte-carlo' ? 'kramers' : 'exact';
  data.stores[storeIndex] = { ...store, barrier: { kind: 'learning-rate', learningRate: eta, mobility: engine } };
  // Noise seeds apart from the search's (seed + 7 i) and from limsim optimize's validation offsets.
  const e = evaluateTraining(data, configPath, storeIndex, { copies, noiseSeed: seed + 7 * storeIndex + 3_000_003 + 1_000 * k });
  floatLoss = e.floatLoss;
  rows.push([String(eta), formatEstimate(e.heat.mean, e.heat.se), formatEstimate(e.loss.mean, e.loss.se), formatEstimate(e.limBound.mean, e.limBound.se), String(e.noiseSeed)]);
});
process.stdout.write(`float baseline loss ${floatLoss}; ${copies} copies per row\n`);
process.stdout.write(textTable(['eta (constant)', 'heat kT', 'final loss', 'LIM bound kT', 'noise seed'], rows) + '\n');
