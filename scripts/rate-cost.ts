/**
 * Cost of the discrete model's rates per new protocol value, exact against
 * Kramers, and of a cached (revisited) value (docs/kinetics.md, section 1):
 *   nice -n 5 npx tsx scripts/rate-cost.ts
 */
import { buildDiscreteModel, type MemorySpec } from '../src/memory/discrete.js';

const models: [string, MemorySpec][] = [
  ['double well', { kind: 'double-well', barrierHeight: 4, tilt: { kind: 'linear', from: -1, to: 4, end: 20 } }],
  ['washboard 16', { kind: 'washboard', barrierHeight: { kind: 'linear', from: 4, to: 9, end: 10 }, levels: 16, tilt: 0.5 }],
  ['washboard 256', { kind: 'washboard', barrierHeight: { kind: 'linear', from: 4, to: 9, end: 10 }, levels: 256, tilt: 0.5 }],
];
for (const [name, spec] of models) {
  for (const rates of ['exact', 'kramers'] as const) {
    const model = buildDiscreteModel(spec, 1, { rates });
    for (let s = 1; s <= 200; s++) model.setTime(s * 0.001); // warm-up
    const t0 = performance.now();
    for (let s = 1; s <= 1000; s++) model.setTime(0.2 + s * 0.009);
    const fresh = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    for (let s = 1; s <= 1000; s++) model.setTime(0.2 + s * 0.009);
    const cached = (performance.now() - t1) / 1000;
    console.log(`${name.padEnd(14)} ${rates.padEnd(8)} ${fresh.toFixed(4)} ms per new lambda, ${cached.toFixed(4)} ms revisited`);
  }
}
