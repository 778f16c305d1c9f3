import { VERSION } from '../version.js';
import type { LoadedConfig } from './config.js';

/** What every results file records about how it was made, whatever the kind of run. */
export interface BaseProvenance<C> {
  tool: 'limsim';
  version: string;
  configPath: string;
  configSha256: string;
  config: C;
  seed: number;
  temperatureK: number;
  node: string;
  /** The only field that differs between two runs of the same config and seed. */
  createdAt: string;
}

export function baseProvenance<C extends { seed: number }>(loaded: LoadedConfig<unknown>, config: C, temperatureK: number): BaseProvenance<C> {
  return {
    tool: 'limsim',
    version: VERSION,
    configPath: loaded.path,
    configSha256: loaded.sha256,
    config,
    seed: config.seed,
    temperatureK,
    node: process.version,
    createdAt: new Date().toISOString(),
  };
}
