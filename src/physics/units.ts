/**
 * Units. Inside the engine energies are in k_B T of the bath, lengths in the
 * well spacing and time in gamma * length^2 / kT (docs/physics.md §1). Reports also
 * give joules through the bath temperature.
 */

/** Boltzmann constant, J/K (exact, SI 2019). */
export const BOLTZMANN_J_PER_K = 1.380649e-23;

/** Default bath temperature, K. */
export const DEFAULT_TEMPERATURE_K = 300;

/** Thermal energy k_B T in joules at temperature `temperatureK`. */
export function thermalEnergyJ(temperatureK: number = DEFAULT_TEMPERATURE_K): number {
  return BOLTZMANN_J_PER_K * temperatureK;
}

/** Convert an energy in kT to joules at the given temperature. */
export function kTToJoules(energyKT: number, temperatureK: number = DEFAULT_TEMPERATURE_K): number {
  return energyKT * thermalEnergyJ(temperatureK);
}

/** ln 2, the Landauer cost of one bit in kT. */
export const LN2 = Math.LN2;
