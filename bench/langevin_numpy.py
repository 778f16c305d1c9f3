"""numpy reference for `npm run bench`: the same Langevin algorithm as
src/engines/kernels.ts (double well), written the way a numpy user would:
vectorized over the ensemble, one Python-level loop over time steps, in-place
ufuncs into preallocated buffers (no temporaries per step).

    U(x, t) = E_b(t) ((x/x_m)^2 - 1)^2 - F(t) x,  E_b: 4 -> 1 and F: 0 -> 2 linear ramps,
    Euler-Maruyama or Leimkuhler-Matthews, Sekimoto ledger per step:
      W += U(x_n, t_{n+1}) - U(x_n, t_n),  Q += U(x_n, t_{n+1}) - U(x_{n+1}, t_{n+1}).

Normals: numpy's Generator (PCG64 bit generator, 256-layer ziggurat normals,
53-bit): the same normal method as the JS and C versions, a different
(64-bit) uniform generator.

Usage: python3 langevin_numpy.py <replicas> <steps> <dt> <em|lm> <repeats>
Prints one JSON object: best CPU and wall ns per particle-step, ledger means.
"""
import json
import sys
import time

import numpy as np


def run(n, steps, dt, leimkuhler, seed):
    rng = np.random.default_rng(seed)
    duration = steps * dt
    xm = 1.0
    x = np.full(n, -1.0)
    extra = np.zeros(n)
    s = np.empty(n)
    q = np.empty(n)
    u_shift = np.empty(n)
    tmp = np.empty(n)
    force = np.empty(n)
    z = np.empty(n)
    pending = rng.standard_normal(n) if leimkuhler else None
    u = 4.0 * (x * x - 1) ** 2 - extra * x
    u0 = u.copy()
    work = np.zeros(n)
    heat = np.zeros(n)
    drift = dt
    noise = np.sqrt(dt / 2) if leimkuhler else np.sqrt(2 * dt)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for step in range(steps):
        t = (step + 1) * dt
        ramp = min(t / duration, 1.0)
        barrier = 4.0 + (1.0 - 4.0) * ramp
        tilt = 2.0 * ramp
        # s = x / x_m, q = s^2 - 1, U(x_n, t_{n+1}) = E_b q^2 - (F + f) x
        np.divide(x, xm, out=s)
        np.multiply(s, s, out=q)
        q -= 1
        np.multiply(q, q, out=u_shift)
        u_shift *= barrier
        np.add(extra, tilt, out=tmp)
        tmp *= x
        u_shift -= tmp
        # W += U(x_n, t_{n+1}) - U_n
        work += u_shift
        work -= u
        # force = -4 E_b s q / x_m + F + f
        np.multiply(s, q, out=force)
        force *= -4 * barrier / xm
        force += tilt
        force += extra
        rng.standard_normal(n, out=z)
        # x_{n+1} = x_n + (dt/gamma) F + kick
        force *= drift
        x += force
        if leimkuhler:
            pending += z
            pending *= noise
            x += pending
            pending[:] = z
        else:
            z *= noise
            x += z
        # U_{n+1}, Q += U(x_n, t_{n+1}) - U_{n+1}
        np.divide(x, xm, out=s)
        np.multiply(s, s, out=q)
        q -= 1
        np.multiply(q, q, out=u)
        u *= barrier
        np.add(extra, tilt, out=tmp)
        tmp *= x
        u -= tmp
        heat += u_shift
        heat -= u
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    residual = np.max(np.abs((u - u0) - (work - heat)) / (np.abs(work) + np.abs(heat) + 1))
    return cpu, wall, work.mean(), heat.mean(), residual


def main():
    n, steps, dt, integrator, repeats = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    best_cpu = best_wall = float("inf")
    for rep in range(repeats):
        cpu, wall, w, q, residual = run(n, steps, dt, integrator == "lm", 12345 + rep)
        best_cpu = min(best_cpu, cpu / (n * steps) * 1e9)
        best_wall = min(best_wall, wall / (n * steps) * 1e9)
    print(json.dumps({
        "replicas": n, "steps": steps,
        "integrator": "leimkuhler-matthews" if integrator == "lm" else "euler-maruyama",
        "cpuNsPerStep": best_cpu, "wallNsPerStep": best_wall,
        "meanWork": w, "meanHeat": q, "maxFirstLawResidual": float(residual),
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
