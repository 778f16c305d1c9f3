import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildDiscreteModel, initialProbabilities, rampCrossingRate, type DiscreteSpec } from '../../src/memory/discrete.js';
import { buildPotential, type PotentialSpec } from '../../src/physics/potentials.js';
import { exactDriftVelocity } from '../../src/memory/washboard.js';
import { meanFirstPassageTime } from '../../src/thermo/first-passage.js';

/**
 * The discrete model against closed forms: Kramers prefactors and barriers of
 * the quartic double well and of the tilted cosine washboard, detailed
 * balance at every protocol value, and the rule for vanishing barriers.
 */

/** Analytic quartic U = Eb (x^2 - 1)^2 - F x (x_m = 1) and its derivatives. */
function quartic(eb: number, tilt: number) {
  return {
    u: (x: number) => eb * (x * x - 1) ** 2 - tilt * x,
    du: (x: number) => 4 * eb * x * (x * x - 1) - tilt,
    d2u: (x: number) => eb * (12 * x * x - 4),
  };
}

/** Root of U' by Newton from x0 with the analytic U''. */
function newtonRoot(q: ReturnType<typeof quartic>, x0: number): number {
  let x = x0;
  for (let k = 0; k < 100; k++) x -= q.du(x) / q.d2u(x);
  return x;
}

function expectConfigError(run: () => unknown, path: string, text?: string | RegExp): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe(path);
    if (text !== undefined) expect((err as Error).message).toMatch(text);
    return;
  }
  throw new Error(`expected a ConfigError at ${path}`);
}

describe('discrete model from a double well (rates: kramers)', () => {
  it.each([
    { eb: 5, friction: 1 },
    { eb: 12, friction: 2.5 },
  ])('untilted, Eb = $eb, gamma = $friction: E = 0, B = Eb, nu = sqrt(8 Eb * 4 Eb) / (2 pi gamma)', ({ eb, friction }) => {
    const model = buildDiscreteModel({ kind: 'double-well', barrierHeight: eb }, friction, { rates: 'kramers' });
    const nu = Math.sqrt(8 * eb * 4 * eb) / (2 * Math.PI * friction);
    expect(model.stateCount).toBe(2);
    expect(model.energies[0]).toBeCloseTo(0, 12);
    expect(model.energies[1]).toBeCloseTo(0, 12);
    expect(model.barriers[0]).toBeCloseTo(eb, 12);
    // Numerical second derivatives: relative error of order (1e-4)^2.
    expect(Math.abs(model.prefactors[0] / nu - 1)).toBeLessThan(1e-6);
    expect(Math.abs(model.rate(0, 1) / (nu * Math.exp(-eb)) - 1)).toBeLessThan(1e-6);
    expect(model.rate(1, 0)).toBeCloseTo(model.rate(0, 1), 14);
  });

  it('tilted (F = 1.3): minima, saddle and prefactor match the quartic solved independently', () => {
    const eb = 5;
    const tilt = 1.3;
    const q = quartic(eb, tilt);
    const left = newtonRoot(q, -1);
    const right = newtonRoot(q, 1);
    const saddle = newtonRoot(q, 0);
    const model = buildDiscreteModel({ kind: 'double-well', barrierHeight: eb, tilt }, 1, { rates: 'kramers' });
    expect(model.wellMinima![0]).toBeCloseTo(left, 9);
    expect(model.wellMinima![1]).toBeCloseTo(right, 9);
    expect(model.saddlePoints![0]).toBeCloseTo(saddle, 9);
    expect(model.energies[0]).toBeCloseTo(q.u(left), 11);
    expect(model.energies[1]).toBeCloseTo(q.u(right), 11);
    expect(model.barriers[0]).toBeCloseTo(q.u(saddle), 11);
    // One prefactor for both directions: geometric mean of the wells' curvatures.
    const nu = Math.sqrt(Math.sqrt(q.d2u(left) * q.d2u(right)) * -q.d2u(saddle)) / (2 * Math.PI);
    expect(Math.abs(model.prefactors[0] / nu - 1)).toBeLessThan(1e-6);
  });

  it('vanishing barrier: E and B stay continuous through the critical tilt, then B = E and the rate saturates', () => {
    const eb = 5;
    const critical = (8 * eb) / (3 * Math.sqrt(3)); // max of 4 Eb s (1 - s^2) at s = 1/sqrt(3)
    const dF = 1e-3;
    const model = buildDiscreteModel(
      { kind: 'double-well', barrierHeight: eb, tilt: { kind: 'linear', from: critical - 0.7, to: critical + 0.7, end: 1400 } },
      1,
      { rates: 'kramers' },
    );
    let previousE = NaN;
    let previousB = NaN;
    let largestJump = 0;
    for (let step = 0; step <= 1400; step++) {
      model.setTime(step);
      if (step > 0) {
        largestJump = Math.max(largestJump, Math.abs(model.energies[0] - previousE), Math.abs(model.barriers[0] - previousB));
      }
      previousE = model.energies[0];
      previousB = model.barriers[0];
    }
    // |dE/dF| = |x| <= 1.3 on this range: a jump would be O(0.1), not O(dF).
    expect(largestJump).toBeLessThan(1.5 * dF);
    // Beyond the critical tilt: the left state has no barrier left.
    expect(model.barriers[0]).toBe(model.energies[0]);
    expect(model.rate(0, 1)).toBeCloseTo(model.prefactors[0], 14);
    // Kramers' nu vanishes at the merge; the floor is the first-passage rate down a linear
    // ramp from the merge point (the inflection x = -1/sqrt 3) to the right minimum.
    const tilt = critical + 0.7;
    const q = quartic(eb, tilt);
    const from = -1 / Math.sqrt(3);
    const to = newtonRoot(q, 1.2);
    const drop = q.u(from) - q.u(to);
    const gap = to - from;
    const speed = drop / gap; // drift velocity, gamma = kT = 1
    const crossingTime = (gap / speed) * (1 - (1 - Math.exp(-drop)) / drop);
    // The inflection comes from central differences of the force (step 2e-4): bias ~1e-8 in x.
    expect(model.wellMinima![0]).toBeCloseTo(from, 7);
    expect(model.energies[0]).toBeCloseTo(q.u(from), 7);
    expect(Math.abs(model.prefactors[0] * crossingTime - 1)).toBeLessThan(1e-6);
  });
});

describe('exact rates (the default): mean first-passage times of the same potential (docs/kinetics.md)', () => {
  it.each([
    { eb: 2, friction: 1 },
    { eb: 8, friction: 1 },
    { eb: 10, friction: 0.5 },
    { eb: 40, friction: 1 },
  ])('untilted double well, Eb = $eb, gamma = $friction: k = 1 / MFPT(-1 -> +1) (independent quadrature, 2e5 nodes)', ({ eb, friction }) => {
    const spec: PotentialSpec = { kind: 'double-well', barrierHeight: eb };
    const model = buildDiscreteModel(spec, friction);
    const exact = 1 / meanFirstPassageTime(buildPotential(spec), -1, 1, friction);
    // The reference trapezoid (h ~ 3e-5) is itself good to ~1e-6 at 2 kT.
    expect(Math.abs(model.rate(0, 1) / exact - 1)).toBeLessThan(3e-6);
    expect(model.rate(1, 0)).toBeCloseTo(model.rate(0, 1), 14);
    // And it is not Kramers' rate, which is off by 25 % at 2 kT and 1 % at 40 kT.
    const kramers = buildDiscreteModel(spec, friction, { rates: 'kramers' }).rate(0, 1);
    expect(Math.abs(kramers / exact - 1)).toBeGreaterThan(0.009);
  });

  it('tilted double well (F = 0.7): k01 k10 = 1 / (T01 T10) exactly, k01 / k10 = exp(E0 - E1) (detailed balance)', () => {
    const eb = 6;
    const tilt = 0.7;
    const model = buildDiscreteModel({ kind: 'double-well', barrierHeight: eb, tilt }, 1);
    const [m0, m1] = model.wellMinima!;
    const t01 = meanFirstPassageTime(buildPotential({ kind: 'double-well', barrierHeight: eb, tilt }), m0, m1);
    // The way back is the mirrored potential's way forward: x -> -x, F -> -F.
    const t10 = meanFirstPassageTime(buildPotential({ kind: 'double-well', barrierHeight: eb, tilt: -tilt }), -m1, -m0);
    expect(Math.abs(model.rate(0, 1) * model.rate(1, 0) * t01 * t10 - 1)).toBeLessThan(1e-5);
    expect(Math.log(model.rate(0, 1) / model.rate(1, 0))).toBeCloseTo(model.energies[0] - model.energies[1], 9);
    // Each direction differs from its own 1/MFPT by the wells' curvature ratio (docs/kinetics.md): small here.
    expect(Math.abs(model.rate(0, 1) * t01 - 1)).toBeLessThan(0.05);
  });

  it.each([
    { eb: 3, tilt: 0.8 },
    { eb: 6, tilt: 2 },
    { eb: 5, tilt: 12 },
  ])('washboard interior, Eb = $eb, F = $tilt: (k+ - k-) a equals the exact drift of the tilted cosine (Stratonovich)', ({ eb, tilt }) => {
    // Milestoning on the minima is a renewal walk: its drift a (pi+ - pi-) / T is exact.
    const model = buildDiscreteModel({ kind: 'washboard', barrierHeight: eb, levels: 12, tilt }, 1);
    const drift = model.rate(5, 6) - model.rate(5, 4);
    expect(Math.abs(drift / exactDriftVelocity(eb, tilt, 1, 2000) - 1)).toBeLessThan(1e-5);
    for (let i = 2; i < 10; i++) expect(model.rate(i, i + 1) / model.rate(5, 6)).toBeCloseTo(1, 12);
  });

  it('rates stay continuous through the critical tilt of a double well (no floor needed)', () => {
    const eb = 5;
    const critical = (8 * eb) / (3 * Math.sqrt(3));
    /** Largest change of ln k01 between neighbouring tilts over critical -+ 0.7 in `steps` steps. */
    const largestJump = (steps: number) => {
      const model = buildDiscreteModel(
        { kind: 'double-well', barrierHeight: eb, tilt: { kind: 'linear', from: critical - 0.7, to: critical + 0.7, end: steps } },
        1,
      );
      let previous = NaN;
      let largest = 0;
      for (let step = 0; step <= steps; step++) {
        model.setTime(step);
        const rate = Math.log(model.rate(0, 1));
        expect(Number.isFinite(rate)).toBe(true);
        if (step > 0) largest = Math.max(largest, Math.abs(rate - previous));
        previous = rate;
      }
      return largest;
    };
    // The minimum moves as sqrt(F_c - F) near the merge, so ln k has a square-root cusp there:
    // the largest step shrinks like sqrt(dF) (a jump would not shrink at all).
    const coarse = largestJump(1400);
    const fine = largestJump(14000);
    expect(coarse).toBeLessThan(0.02);
    expect(fine / coarse).toBeLessThan(0.4);
  });

  it('a bad rate model is a ConfigError at rates', () => {
    expectConfigError(() => buildDiscreteModel({ kind: 'double-well', barrierHeight: 5 }, 1, { rates: 'arrhenius' as never }), 'rates', /"exact", "kramers"/);
  });
});

describe('ramp crossing rate (the prefactor floor)', () => {
  it('is 2 D / L^2 on a flat ramp and drop / (gamma L^2) on a steep one, continuous at small drops', () => {
    expect(rampCrossingRate(0, 2, 1)).toBeCloseTo(2 / 4, 15);
    expect(rampCrossingRate(0, 1, 3)).toBeCloseTo(2 / 3, 15);
    expect(rampCrossingRate(200, 1, 1) / 200).toBeCloseTo(1 / (1 - 1 / 200), 12);
    // Just below the switch to the series (1e-3), the series matches the closed form.
    const x = 0.999999e-3;
    const closedForm = x / (1 + Math.expm1(-x) / x);
    expect(Math.abs(rampCrossingRate(x, 1, 1) / closedForm - 1)).toBeLessThan(1e-11);
    // Mean first-passage time by quadrature of T = int_0^L dy e^{U(y)} int_0^y e^{-U(z)} dz, U = -drop y / L.
    const drop = 3;
    const steps = 4000;
    let time = 0;
    for (let k = 0; k < steps; k++) {
      const y = (k + 0.5) / steps;
      time += (Math.exp(-drop * y) * (Math.exp(drop * y) - 1)) / drop / steps;
    }
    expect(rampCrossingRate(drop, 1, 1) * time).toBeCloseTo(1, 6);
  });
});

describe('discrete model from a washboard (rates: kramers)', () => {
  /** Tilted cosine (Eb/2)(1 - cos(2 pi x / a)) - F x: Kramers barriers and prefactor (derived in the model docs). */
  function tiltedCosine(eb: number, tilt: number, a: number, friction: number) {
    const s = (tilt * a) / (Math.PI * eb);
    const root = Math.sqrt(1 - s * s);
    const meanBarrier = eb * root + ((tilt * a) / Math.PI) * Math.asin(s);
    const nu = (Math.PI * eb * root) / (friction * a * a);
    return { meanBarrier, nu, forward: nu * Math.exp(-meanBarrier + (tilt * a) / 2), backward: nu * Math.exp(-meanBarrier - (tilt * a) / 2) };
  }

  it.each([
    { eb: 6, tilt: 1, spacing: 1, friction: 1 },
    { eb: 10, tilt: 4, spacing: 1.5, friction: 0.5 },
  ])('8 levels, Eb = $eb, F = $tilt, a = $spacing: k+- = r exp(+-F a / 2) with the tilted Kramers r', ({ eb, tilt, spacing, friction }) => {
    const model = buildDiscreteModel({ kind: 'washboard', barrierHeight: eb, levels: 8, tilt, spacing }, friction, { rates: 'kramers' });
    const expected = tiltedCosine(eb, tilt, spacing, friction);
    expect(model.stateCount).toBe(8);
    for (let i = 0; i < 7; i++) {
      expect(Math.abs(model.rate(i, i + 1) / expected.forward - 1)).toBeLessThan(1e-6);
      expect(Math.abs(model.rate(i + 1, i) / expected.backward - 1)).toBeLessThan(1e-6);
      // Level energies fall by F a per level.
      expect(model.energies[i] - model.energies[i + 1]).toBeCloseTo(tilt * spacing, 10);
    }
    expect(model.rate(7, 8)).toBe(0);
    expect(model.rate(0, -1)).toBe(0);
  });

  it('warm-started evaluation along a ramp agrees with a cold evaluation', () => {
    const spec: PotentialSpec = {
      kind: 'washboard',
      barrierHeight: { kind: 'linear', from: 4, to: 9, end: 10 },
      levels: 8,
      tilt: { kind: 'linear', from: -3, to: 2, end: 10 },
    };
    const warm = buildDiscreteModel(spec, 1);
    for (let t = 0; t <= 7.3; t += 0.01) warm.setTime(t);
    warm.setTime(7.3);
    const cold = buildDiscreteModel(spec, 1);
    cold.setTime(7.3);
    for (let i = 0; i < 8; i++) expect(warm.energies[i]).toBeCloseTo(cold.energies[i], 10);
    for (let i = 0; i < 7; i++) {
      expect(warm.barriers[i]).toBeCloseTo(cold.barriers[i], 10);
      expect(Math.abs(warm.prefactors[i] / cold.prefactors[i] - 1)).toBeLessThan(1e-9);
    }
  });
});

describe('detailed balance and bounds at every protocol value', () => {
  const specs: { name: string; spec: PotentialSpec }[] = [
    {
      name: 'double well, barrier 0.2..8, tilt -12..12',
      spec: {
        kind: 'double-well',
        barrierHeight: { kind: 'expression', expr: '4.1 + 3.9 * cos(t / 7)' },
        tilt: { kind: 'expression', expr: '12 * sin(t / 5)' },
      },
    },
    {
      name: 'washboard, 6 levels, barrier 0.5..10, tilt -40..40',
      spec: {
        kind: 'washboard',
        levels: 6,
        barrierHeight: { kind: 'expression', expr: '5.25 + 4.75 * cos(t / 7)' },
        tilt: { kind: 'expression', expr: '40 * sin(t / 5)' },
      },
    },
  ];
  it.each(specs)('$name', ({ spec }) => {
    const model = buildDiscreteModel(spec, 1);
    for (let t = 0; t < 100; t += 0.37) {
      model.setTime(t);
      const e = model.energies;
      for (let i = 0; i + 1 < model.stateCount; i++) {
        const forward = model.rate(i, i + 1);
        const backward = model.rate(i + 1, i);
        expect(Number.isFinite(forward) && Number.isFinite(backward)).toBe(true);
        // k_ij / k_ji = exp(-(E_j - E_i)), in log form (rates may underflow far apart).
        const nu = model.prefactors[i];
        expect(Math.log(forward / nu) - Math.log(backward / nu)).toBeCloseTo(e[i] - e[i + 1], 9);
        expect(model.barriers[i]).toBeGreaterThanOrEqual(Math.max(e[i], e[i + 1]));
        expect(forward).toBeLessThanOrEqual(nu);
        expect(backward).toBeLessThanOrEqual(nu);
      }
    }
  });
});

describe('discrete model given directly', () => {
  const spec: DiscreteSpec = {
    kind: 'discrete',
    energies: [0, { kind: 'linear', from: 2, to: -1, end: 10 }, 1],
    barriers: [5, { kind: 'linear', from: 3, to: 0, end: 10 }],
    attemptFrequency: 2.5,
  };

  it('Arrhenius rates nu exp(-(B - E_i)); a barrier below a state is clamped to max(E_i, E_j)', () => {
    const model = buildDiscreteModel(spec, 1);
    model.setTime(0);
    expect(model.rate(0, 1)).toBeCloseTo(2.5 * Math.exp(-5), 14);
    expect(model.rate(1, 0)).toBeCloseTo(2.5 * Math.exp(-3), 14);
    expect(model.rate(1, 2)).toBeCloseTo(2.5 * Math.exp(-1), 14);
    expect(model.rate(2, 1)).toBeCloseTo(2.5 * Math.exp(-2), 14);
    expect(model.rate(0, 2)).toBe(0);
    model.setTime(10); // E = [0, -1, 1], B_12 = 0 < E_2 = 1: clamped to 1
    expect(model.barriers[1]).toBe(1);
    expect(model.rate(2, 1)).toBeCloseTo(2.5, 14);
    expect(model.rate(1, 2)).toBeCloseTo(2.5 * Math.exp(-2), 14);
    expect(model.parameters()['barriers[1]']).toBe(0);
  });

  it('setTime reports whether the protocol changed', () => {
    const model = buildDiscreteModel(spec, 1);
    expect(model.setTime(0)).toBe(false);
    expect(model.setTime(1)).toBe(true);
    expect(model.setTime(1)).toBe(false);
    expect(model.setTime(20)).toBe(true);
    expect(model.setTime(30)).toBe(false); // the ramps ended at t = 10
  });

  it('initial probabilities: bits, Boltzmann exp(-E_i) / Z, fixed', () => {
    const model = buildDiscreteModel(spec, 1);
    model.setTime(0);
    expect(Array.from(initialProbabilities(model, { kind: 'bits', probabilities: [0.2, 0.3, 0.5] }))).toEqual([0.2, 0.3, 0.5]);
    const z = 1 + Math.exp(-2) + Math.exp(-1);
    const boltzmann = initialProbabilities(model, { kind: 'boltzmann' });
    [1, Math.exp(-2), Math.exp(-1)].forEach((w, i) => expect(boltzmann[i]).toBeCloseTo(w / z, 15));
    expect(Array.from(initialProbabilities(model, { kind: 'fixed', x: 2 }))).toEqual([0, 0, 1]);
  });
});

describe('errors', () => {
  it('a potential without memory states (harmonic) is a ConfigError at engine', () => {
    expectConfigError(
      () => buildDiscreteModel({ kind: 'harmonic', stiffness: 1 }, 1, { engine: 'monte-carlo' }),
      'engine',
      'the monte-carlo engine needs a potential with memory states (double-well or washboard); got harmonic',
    );
  });

  it('too many states is a ConfigError naming the field and the limit', () => {
    expectConfigError(() => buildDiscreteModel({ kind: 'washboard', barrierHeight: 5, levels: 5000 }, 1), 'potential.levels', /4096/);
    expectConfigError(
      () => buildDiscreteModel({ kind: 'washboard', barrierHeight: 5, levels: 8 }, 1, { maxStates: 4 }),
      'potential.levels',
      /8 states exceed .* limit of 4 states/,
    );
    expectConfigError(
      () => buildDiscreteModel({ kind: 'discrete', energies: [0, 0, 0], barriers: [1, 1], attemptFrequency: 1 }, 1, { maxStates: 2 }),
      'potential.energies',
      /limit of 2/,
    );
  });

  it('malformed direct specs and initial states are ConfigErrors', () => {
    expectConfigError(() => buildDiscreteModel({ kind: 'discrete', energies: [0, 0, 0], barriers: [1], attemptFrequency: 1 }, 1), 'potential.barriers');
    expectConfigError(() => buildDiscreteModel({ kind: 'discrete', energies: [], barriers: [], attemptFrequency: 1 }, 1), 'potential.energies');
    expectConfigError(() => buildDiscreteModel({ kind: 'discrete', energies: [0, 0], barriers: [1], attemptFrequency: 0 }, 1), 'potential.attemptFrequency');
    expectConfigError(() => buildDiscreteModel({ kind: 'double-well', barrierHeight: 5 }, 0), 'friction');
    const model = buildDiscreteModel({ kind: 'double-well', barrierHeight: 5 }, 1);
    expectConfigError(() => initialProbabilities(model, { kind: 'bits', probabilities: [1] }), 'initial.probabilities');
    expectConfigError(() => initialProbabilities(model, { kind: 'bits', probabilities: [0.5, 0.6] }), 'initial.probabilities');
    expectConfigError(() => initialProbabilities(model, { kind: 'bits', probabilities: [-0.5, 1.5] }), 'initial.probabilities[0]');
    const direct = buildDiscreteModel({ kind: 'discrete', energies: [0, 0], barriers: [1], attemptFrequency: 1 }, 1);
    expectConfigError(() => initialProbabilities(direct, { kind: 'fixed', x: 3 }), 'initial.x');
  });
});
