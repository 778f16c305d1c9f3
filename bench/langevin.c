/*
 * C reference for `npm run bench`: the same Langevin algorithm as
 * src/engines/kernels.ts (double well), for a side-by-side timing.
 *
 *   U(x, t) = E_b(t) ((x/x_m)^2 - 1)^2 - F(t) x,  E_b and F linear ramps,
 *   Euler-Maruyama or Leimkuhler-Matthews, Sekimoto ledger per step:
 *     W += U(x_n, t_{n+1}) - U(x_n, t_n),  Q += U(x_n, t_{n+1}) - U(x_{n+1}, t_{n+1}).
 *   Blocks of 256 cells, one xoshiro128** stream per block, 256-layer
 *   ziggurat normals with the same bit layout (layer = bits 0-7, signed
 *   uniform = bits 8-31), blocks outside / steps inside in chunks of 128 steps
 *   with the schedule tabulated once per step: the same loop as limsim's kernel
 *   (src/engines/wasm/langevin-kernels.as.ts).
 *   Streams are seeded by splitmix64 (JS: seedrandom), which is outside the
 *   timed loop.
 *
 * Build: gcc -O3 -march=native -o langevin langevin.c -lm
 * Usage: langevin <replicas> <steps> <dt> <em|lm> <repeats>
 * Prints one JSON object: best CPU and wall ns per particle-step over the
 * repeats (each repeat starts a fresh ensemble at x = -1), and the ledger means.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 256
#define CHUNK 128
#define LAYERS 256

static double zig_next_edge[LAYERS];
static double zig_scale[LAYERS];
static double zig_edge[LAYERS + 1];
static double zig_height[LAYERS + 1];
static const double ZIG_R = 3.6541528853610088;
static const double ZIG_AREA = 0.00492867323399;

static double gauss(double x) { return exp(-0.5 * x * x); }

static void zig_init(void) {
  zig_edge[0] = ZIG_AREA / gauss(ZIG_R);
  zig_edge[1] = ZIG_R;
  for (int i = 1; i < LAYERS; i++) {
    double y = gauss(zig_edge[i]) + ZIG_AREA / zig_edge[i];
    zig_edge[i + 1] = y >= 1 ? 0 : sqrt(-2 * log(y));
  }
  zig_edge[LAYERS] = 0;
  for (int i = 0; i <= LAYERS; i++) zig_height[i] = gauss(zig_edge[i]);
  for (int i = 0; i < LAYERS; i++) {
    zig_next_edge[i] = zig_edge[i + 1];
    zig_scale[i] = zig_edge[i] / 8388608.0;
  }
}

typedef struct { uint32_t s[4]; } stream_t;

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t next_u32(uint32_t *s) {
  uint32_t result = rotl(s[1] * 5, 7) * 9;
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

static double uniform53(uint32_t *s) {
  uint32_t a = next_u32(s) >> 5, b = next_u32(s) >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* Wedge and tail tests (rng.ts: zigguratSlowPath). */
static double zig_slow(uint32_t *s, uint32_t r) {
  for (;;) {
    int layer = r & 255;
    double x = (((int32_t)r) >> 8) * zig_scale[layer];
    if (fabs(x) < zig_next_edge[layer]) return x;
    if (layer == 0) {
      double tail, y;
      do {
        tail = -log(1 - uniform53(s)) / ZIG_R;
        y = -log(1 - uniform53(s));
      } while (y + y < tail * tail);
      return x < 0 ? -(ZIG_R + tail) : ZIG_R + tail;
    }
    double height = zig_height[layer] + uniform53(s) * (zig_height[layer + 1] - zig_height[layer]);
    if (height < gauss(x)) return x;
    r = next_u32(s);
  }
}

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* The bench protocol: E_b from 4 to 1 and F from 0 to 2 over the run, x_m = 1. */
static double barrier_at(double t, double duration) { double s = t >= duration ? 1 : t / duration; return 4 + (1 - 4) * s; }
static double tilt_at(double t, double duration) { double s = t >= duration ? 1 : t / duration; return 0 + (2 - 0) * s; }

static double now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s replicas steps dt em|lm repeats\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[1]);
  int steps = atoi(argv[2]);
  double dt = atof(argv[3]);
  int lm = strcmp(argv[4], "lm") == 0;
  int repeats = atoi(argv[5]);
  double duration = steps * dt, friction = 1.0;
  zig_init();
  int blocks = (n + BLOCK - 1) / BLOCK;
  double *x = malloc(sizeof(double) * n), *u = malloc(sizeof(double) * n), *w = malloc(sizeof(double) * n),
         *q = malloc(sizeof(double) * n), *extra = calloc(n, sizeof(double)), *pending = malloc(sizeof(double) * n),
         *u0 = malloc(sizeof(double) * n);
  stream_t *streams = malloc(sizeof(stream_t) * blocks);
  double table[CHUNK * 4];
  double best_cpu = 1e300, best_wall = 1e300, mean_w = 0, mean_q = 0, max_residual = 0;
  for (int rep = 0; rep < repeats; rep++) {
    uint64_t seed = 12345 + rep;
    for (int b = 0; b < blocks; b++) {
      uint64_t a = splitmix64(&seed), c = splitmix64(&seed);
      streams[b].s[0] = (uint32_t)a; streams[b].s[1] = (uint32_t)(a >> 32);
      streams[b].s[2] = (uint32_t)c; streams[b].s[3] = (uint32_t)(c >> 32);
    }
    double eb0 = barrier_at(0, duration), f0 = tilt_at(0, duration);
    for (int i = 0; i < n; i++) {
      x[i] = -1;
      double s = x[i] / 1.0, qq = s * s - 1;
      u[i] = u0[i] = eb0 * qq * qq - (f0 + extra[i]) * x[i];
      w[i] = q[i] = 0;
    }
    if (lm)
      for (int b = 0; b < blocks; b++)
        for (int i = b * BLOCK; i < n && i < (b + 1) * BLOCK; i++) {
          uint32_t r = next_u32(streams[b].s);
          int layer = r & 255;
          double z = (((int32_t)r) >> 8) * zig_scale[layer];
          pending[i] = fabs(z) < zig_next_edge[layer] ? z : zig_slow(streams[b].s, r);
        }
    double drift = dt / friction;
    double noise = lm ? sqrt(dt / (2 * friction)) : sqrt(2 * dt / friction);
    double cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), wall0 = now_ns(CLOCK_MONOTONIC);
    for (int done = 0; done < steps; done += CHUNK) {
      int chunk = steps - done < CHUNK ? steps - done : CHUNK;
      for (int k = 0; k < chunk; k++) {
        double tn = (done + k + 1) * dt;
        table[4 * k] = barrier_at(tn, duration);
        table[4 * k + 1] = 1.0;
        table[4 * k + 2] = tilt_at(tn, duration);
        table[4 * k + 3] = tn;
      }
      for (int b = 0; b < blocks; b++) {
        int start = b * BLOCK, end = start + BLOCK < n ? start + BLOCK : n;
        uint32_t s[4];
        memcpy(s, streams[b].s, sizeof s);
        for (int k = 0; k < chunk; k++) {
          double barrier = table[4 * k], xm = table[4 * k + 1], tilt = table[4 * k + 2];
          double m4b = -4 * barrier;
          for (int i = start; i < end; i++) {
            double xi = x[i], cell = extra[i], total = tilt + cell;
            double sx = xi / xm, qq = sx * sx - 1;
            double ushift = barrier * qq * qq - total * xi;
            w[i] += ushift - u[i];
            double force = (m4b * sx * qq) / xm + tilt + cell;
            uint32_t r = next_u32(s);
            int layer = r & 255;
            double z = (((int32_t)r) >> 8) * zig_scale[layer];
            if (!(fabs(z) < zig_next_edge[layer])) z = zig_slow(s, r);
            double kick;
            if (lm) { kick = noise * (pending[i] + z); pending[i] = z; } else kick = noise * z;
            double xn = xi + drift * force + kick;
            sx = xn / xm; qq = sx * sx - 1;
            double un = barrier * qq * qq - total * xn;
            q[i] += ushift - un;
            x[i] = xn;
            u[i] = un;
          }
        }
        memcpy(streams[b].s, s, sizeof s);
      }
    }
    double cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = now_ns(CLOCK_MONOTONIC) - wall0;
    double per = (double)n * steps;
    if (cpu / per < best_cpu) best_cpu = cpu / per;
    if (wall / per < best_wall) best_wall = wall / per;
    mean_w = mean_q = max_residual = 0;
    for (int i = 0; i < n; i++) {
      mean_w += w[i] / n;
      mean_q += q[i] / n;
      double residual = fabs((u[i] - u0[i]) - (w[i] - q[i])) / (fabs(w[i]) + fabs(q[i]) + 1);
      if (residual > max_residual) max_residual = residual;
    }
  }
  printf("{\"replicas\":%d,\"steps\":%d,\"integrator\":\"%s\",\"cpuNsPerStep\":%.4f,\"wallNsPerStep\":%.4f,"
         "\"meanWork\":%.6f,\"meanHeat\":%.6f,\"maxFirstLawResidual\":%.3e}\n",
         n, steps, lm ? "leimkuhler-matthews" : "euler-maruyama", best_cpu, best_wall, mean_w, mean_q, max_residual);
  return 0;
}
