/**
 * The heat a linearized-drive LIM store releases along the gradient-descent
 * path (docs/lim-scaling.md, "The physics model"). Under the linearized drive
 * (docs/lim-calibration.md §5) a cell asked for u levels per window gets the
 * tilt F with hopping drift 2 r sinh(F/2) = u / Delta, and eta = step r kappa
 * Delta, so F = 2 asinh(kappa g / 2) whatever the barrier. On a tilted
 * washboard every level crossed downhill releases F, so the heat per level is
 * F, and along the descent of a quadratic direction of curvature h the
 * gradient at distance d from the end point is g = h d:
 *
 *   Q_i = (1/step) int_0^{|dw_i|} 2 asinh(kappa h d / 2) dd
 *       = (4 / (kappa h step)) G(kappa h |dw_i| / 2),
 *   G(X) = X asinh X - sqrt(1 + X^2) + 1,
 *
 * dw_i the distance the parameter travels (float end point - start). Large X:
 * Q_i ~ (2 |dw_i| / step)(ln(kappa h |dw_i|) - 1): levels crossed times a heat
 * per level that grows like the log of the tilt gain; small X: the linear-
 * response kappa h dw^2 / (2 step). h is the mean curvature tr(H) / N (exact for
 * an isotropic quadratic such as the teacher-student task). It leaves out the
 * copies' thermal back-and-forth, the settling phase and the final barrier
 * raise, so it is a model of the measured heat, not a bound.
 */
export function linearizedPathHeat(input: { start: Float64Array; end: Float64Array; tiltGain: number; step: number; meanCurvature: number }): number {
  const { start, end, tiltGain, step, meanCurvature } = input;
  const a = tiltGain * meanCurvature;
  if (!(a > 0 && step > 0)) return NaN;
  let heat = 0;
  for (let i = 0; i < start.length; i++) {
    const x = (a * Math.abs(end[i] - start[i])) / 2;
    // G(X) = X asinh X - (sqrt(1 + X^2) - 1), the bracket written without cancellation at small X.
    const g = x * Math.asinh(x) - (x * x) / (Math.sqrt(1 + x * x) + 1);
    heat += (4 / (a * step)) * g;
  }
  return heat;
}
