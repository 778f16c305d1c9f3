import { describe, expect, it } from 'vitest';
import { compileLangevinKernels } from '../../scripts/build-wasm.js';
import { LANGEVIN_KERNELS_WASM_BASE64 } from '../../src/engines/wasm/langevin-kernels.wasm.js';

/**
 * The WebAssembly kernels are committed as a binary (no compiler at install or
 * run time); this keeps that binary the compiled form of its source.
 */
describe('WebAssembly Langevin kernels', () => {
  it('the committed binary is the AssemblyScript source compiled (else run npm run build:wasm)', async () => {
    const fresh = Buffer.from(await compileLangevinKernels()).toString('base64');
    expect(fresh === LANGEVIN_KERNELS_WASM_BASE64).toBe(true);
  });
});
