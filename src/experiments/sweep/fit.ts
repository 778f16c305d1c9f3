/**
 * Weighted least squares for the finite-time excess of a protocol:
 *   <Q>(tau) = Q_inf + B / tau
 * (the leading slow-driving term; Sekimoto & Sasa 1997, Berut et al. Nature
 * 2012, Jun, Gavrilov & Bechhoefer PRL 2014). A straight line in x = 1/tau,
 * weights 1/SE^2; parameter SEs from the inverse normal matrix (independent
 * points with known SEs), chi^2 and its p-value to judge the model. When the
 * fit is poor (p < 0.05) the point SEs understate the scatter about the model,
 * so the parameter SEs (and covariance) are scaled by sqrt(chi^2 / dof)
 * (Birge ratio; Numerical Recipes §15.1, PDG "scale factor") and `seScaled` says so.
 */

/** p below which the parameter SEs are scaled by sqrt(chi^2 / dof). */
export const FIT_P_THRESHOLD = 0.05;

export interface LinearFit {
  /** Intercept (Q_inf), and its standard error (scaled when seScaled). */
  intercept: number;
  interceptSe: number;
  /** Slope (B), and its standard error (scaled when seScaled). */
  slope: number;
  slopeSe: number;
  /** Covariance of intercept and slope (scaled by chi^2/dof when seScaled). */
  covariance: number;
  chi2: number;
  dof: number;
  /** chi^2 / dof (NaN for dof = 0). */
  chi2PerDof: number;
  /** The factor the SEs were multiplied by: sqrt(chi^2/dof) when p < 0.05 (and chi^2/dof > 1), else 1. */
  seScale: number;
  seScaled: boolean;
  /** P(chi^2_dof >= chi2): small values say the model (or the SEs) do not fit. */
  pValue: number;
  points: number;
}

/** Fit y = a + b x with weights 1/se^2 (needs >= 2 distinct x and se > 0). */
export function weightedLinearFit(x: number[], y: number[], se: number[]): LinearFit {
  const n = x.length;
  if (n < 2 || y.length !== n || se.length !== n) throw new RangeError(`weightedLinearFit: need >= 2 points with equal lengths (got ${n})`);
  let s = 0;
  let sx = 0;
  let sxx = 0;
  let sy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    if (!(se[i] > 0)) throw new RangeError(`weightedLinearFit: se[${i}] = ${se[i]}; expected > 0`);
    const w = 1 / (se[i] * se[i]);
    s += w;
    sx += w * x[i];
    sxx += w * x[i] * x[i];
    sy += w * y[i];
    sxy += w * x[i] * y[i];
  }
  const det = s * sxx - sx * sx;
  if (!(det > 0)) throw new RangeError('weightedLinearFit: the x values are all equal; expected at least two distinct');
  const intercept = (sxx * sy - sx * sxy) / det;
  const slope = (s * sxy - sx * sy) / det;
  let chi2 = 0;
  for (let i = 0; i < n; i++) {
    const r = (y[i] - intercept - slope * x[i]) / se[i];
    chi2 += r * r;
  }
  const dof = n - 2;
  const pValue = dof > 0 ? chiSquareSurvival(chi2, dof) : NaN;
  const chi2PerDof = dof > 0 ? chi2 / dof : NaN;
  const seScaled = pValue < FIT_P_THRESHOLD && chi2PerDof > 1;
  const seScale = seScaled ? Math.sqrt(chi2PerDof) : 1;
  return {
    intercept,
    interceptSe: seScale * Math.sqrt(sxx / det),
    slope,
    slopeSe: seScale * Math.sqrt(s / det),
    covariance: (seScale * seScale * -sx) / det,
    chi2,
    dof,
    chi2PerDof,
    seScale,
    seScaled,
    pValue,
    points: n,
  };
}

/** Fit <Q>(tau) = Q_inf + B/tau: x = 1/tau. */
export function fitInverseTime(durations: number[], means: number[], ses: number[]): LinearFit {
  return weightedLinearFit(
    durations.map((t) => 1 / t),
    means,
    ses,
  );
}

/** One line for CLI output and reports: chi^2 / dof, p, and the SE scaling when applied. */
export function fitQualityText(fit: Pick<LinearFit, 'chi2' | 'dof' | 'chi2PerDof' | 'pValue' | 'seScaled' | 'seScale'>): string {
  if (!Number.isFinite(fit.chi2)) return 'chi2 n/a (exact data)';
  const p = Number.isFinite(fit.pValue) ? (fit.pValue < 1e-3 ? fit.pValue.toExponential(1) : fit.pValue.toFixed(3)) : 'n/a';
  const base = `chi2 = ${fit.chi2.toFixed(2)} / ${fit.dof} dof = ${Number.isFinite(fit.chi2PerDof) ? fit.chi2PerDof.toFixed(2) : 'n/a'}, p = ${p}`;
  return fit.seScaled ? `${base}; p < ${FIT_P_THRESHOLD}: parameter SEs scaled by sqrt(chi2/dof) = ${fit.seScale.toFixed(2)}` : base;
}

/** ln Gamma by Lanczos (g = 7, n = 9); |error| < 1e-13 for x > 0. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularised upper incomplete gamma Q(a, x): series for x < a + 1, Lentz's
 * continued fraction otherwise (Numerical Recipes §6.2).
 */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 1000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * lead);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, lead * h);
}

/** P(chi^2 with `dof` degrees of freedom >= chi2). */
export function chiSquareSurvival(chi2: number, dof: number): number {
  return upperRegularizedGamma(dof / 2, chi2 / 2);
}
