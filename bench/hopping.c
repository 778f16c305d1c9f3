/*
 * Plain C reference of the LIM store's Monte-Carlo update (bench/store-throughput.ts):
 * N washboard cells with 256 levels at one barrier E_b, the gradient of the separable
 * quadratic L = sum_i h_i (w_i - w*_i)^2 / 2 turned into a grid tilt of the linearized
 * drive (src/memory/washboard-hopping.ts LinearizedDrive: the tilt whose hopping drift is
 * r kappa g, stochastically rounded between grid points), then one update window of exact
 * hopping with a unit-exponential budget per cell and the heat ledger Q += F (k - k').
 * Same table and algorithm; the rates in the table are Kramers' (levelKinetics of
 * src/memory/washboard.ts, the store's `rates: kramers`), while the store's default fills the
 * same table with the exact rates (src/memory/exact-level-kinetics.ts): the timed update is the
 * same work either way. Its own RNG (xoshiro256+), so the numbers agree in distribution, not
 * bit for bit.
 *
 * Build and run: gcc -O3 -march=native -o hopping bench/hopping.c -lm && ./hopping 100000 1000
 * Prints one JSON line: cell-updates per CPU second, CPU seconds, final mean squared error.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t s[4] = {0x9E3779B97F4A7C15ull, 0xBF58476D1CE4E5B9ull, 0x94D049BB133111EBull, 0x2545F4914F6CDD1Dull};
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline double uniform(void) {
  const uint64_t result = s[0] + s[3];
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
  return (result >> 11) * 0x1.0p-53;
}
static inline double exponential(void) { return -log1p(-uniform()); }

static double ramp_crossing_rate(double drop) {
  double g = drop < 1e-3 ? 0.5 - drop / 6 + drop * drop / 24 - drop * drop * drop / 120 : (1 + expm1(-drop) / drop) / drop;
  return 1 / g;
}

/* levelKinetics of the tilted cosine (spacing 1, friction 1): rates up and down, well offset and energy. */
static void level_kinetics(double e, double f, double *up_rate, double *down_rate) {
  double slide = ramp_crossing_rate(fabs(f));
  double sr = f / (M_PI * e);
  if (fabs(sr) < 1) {
    double root = sqrt(1 - sr * sr), arc = asin(sr);
    double up = e * root - f * (0.5 - arc / M_PI);
    double nu = fmax(M_PI * e * root, slide);
    *up_rate = nu * exp(-up);
    *down_rate = nu * exp(-(up + f));
  } else {
    *up_rate = f > 0 ? slide : slide * exp(f);
    *down_rate = f > 0 ? slide * exp(-f) : slide;
  }
}

static double drift(double e, double f) {
  double u, d;
  level_kinetics(e, f, &u, &d);
  return u - d;
}

#define POINTS 2048

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 100000;
  const int updates = argc > 2 ? atoi(argv[2]) : 1000;
  const int levels = 256;
  const double lo = -2, step = 4.0 / (levels - 1), eta = 0.05, kappa = 400;
  /* The barrier that gives eta = step r kappa Delta with the Kramers mobility r = pi E e^{-E} (bisection). */
  double target_r = eta / (step * kappa), elo = 2, ehi = 200;
  for (int it = 0; it < 200; it++) {
    double mid = 0.5 * (elo + ehi);
    if (M_PI * mid * exp(-mid) > target_r) elo = mid; else ehi = mid;
  }
  const double e = 0.5 * (elo + ehi);
  const double h6 = 1e-6, mobility = (drift(e, h6) - drift(e, -h6)) / (2 * h6);
  const double max_tilt = 0.9 * M_PI * e, max_drift = drift(e, max_tilt);
  const double ymax = asinh(max_drift / (2 * mobility)), ystep = ymax / (POINTS - 1);
  static double tilt[POINTS], vgrid[POINTS], rup[POINTS], rdown[POINTS];
  for (int j = 0; j < POINTS; j++) {
    double want = 2 * mobility * sinh(j * ystep), a = 0, b = max_tilt;
    if (j > 0) for (int it = 0; it < 60; it++) { double m = 0.5 * (a + b); if (drift(e, m) < want) a = m; else b = m; }
    tilt[j] = j > 0 ? 0.5 * (a + b) : 0;
    level_kinetics(e, tilt[j], &rup[j], &rdown[j]);
    vgrid[j] = rup[j] - rdown[j];
  }
  int32_t *level = malloc(sizeof(int32_t) * n);
  int32_t *code = malloc(sizeof(int32_t) * n);
  double *budget = malloc(sizeof(double) * n), *heat = malloc(sizeof(double) * n);
  double *h = malloc(sizeof(double) * n), *opt = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) {
    h[i] = 0.5 + ((i * 7919L) % 1000) / 1000.0;
    opt[i] = 2 * (((i * 104729L) % 2001) / 2000.0 - 0.5);
    level[i] = (int32_t)lround((0 - lo) / step);
    budget[i] = exponential();
    heat[i] = 0;
  }
  const double gain = mobility * kappa;
  clock_t c0 = clock();
  for (int k = 0; k < updates; k++) {
    for (int i = 0; i < n; i++) {
      double w = lo + step * level[i];
      double v = -gain * h[i] * (w - opt[i]), a = fabs(v);
      int j;
      if (a >= vgrid[POINTS - 1]) j = POINTS - 1;
      else {
        j = (int)(asinh(a / (2 * mobility)) / ystep);
        if (j >= POINTS - 1) j = POINTS - 2;
        while (j > 0 && vgrid[j] > a) j--;
        while (j < POINTS - 2 && vgrid[j + 1] <= a) j++;
        if (uniform() < (a - vgrid[j]) / (vgrid[j + 1] - vgrid[j])) j++;
      }
      code[i] = v < 0 ? -(j + 1) : j + 1;
    }
    for (int i = 0; i < n; i++) {
      int c = code[i], j = (c < 0 ? -c : c) - 1;
      double f = c < 0 ? -tilt[j] : tilt[j];
      double up0 = c < 0 ? rdown[j] : rup[j], down0 = c < 0 ? rup[j] : rdown[j];
      int kk = level[i];
      double remaining = 1, b = budget[i];
      for (;;) {
        double up = kk < levels - 1 ? up0 : 0, down = kk > 0 ? down0 : 0, total = up + down;
        if (!(total > 0) || b > total * remaining) { b -= total * remaining; break; }
        remaining -= b / total;
        int next = uniform() * total < up ? kk + 1 : kk - 1;
        heat[i] += f * (next - kk);
        kk = next;
        b = exponential();
      }
      budget[i] = b;
      level[i] = kk;
    }
  }
  double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  double mse = 0;
  for (int i = 0; i < n; i++) { double w = lo + step * level[i]; mse += (w - opt[i]) * (w - opt[i]) / n; }
  printf("{\"cellUpdatesPerSecond\": %.6g, \"cpuSeconds\": %.6g, \"finalMeanSquareError\": %.6g, \"barrier\": %.6g}\n", (double)n * updates / cpu, cpu, mse, e);
  return 0;
}
