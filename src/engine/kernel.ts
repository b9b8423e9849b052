// Loading the AssemblyScript kernel. The module is compiled once per process and shared with
// workers; every instance imports the one shared memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface KernelExports {
  /**
   * Runs one tile of the column group in the control block at `ctl` (assembly/layout/records.ts: HDR_*,
   * CTL_*); returns RUN_DONE, RUN_TILE_DONE or RUN_NEED_ROOM.
   */
  simulateGroup(headerPtr: number, ctlPtr: number): number;
}

/** build/kernel.wasm, found from both src/ (tsx, vitest) and dist/src/ (compiled). */
function kernelPath(): string {
  for (const rel of ['../../build/kernel.wasm', '../../../build/kernel.wasm']) {
    const url = new URL(rel, import.meta.url);
    try {
      readFileSync(url, { flag: 'r' }).byteLength;
      return fileURLToPath(url);
    } catch {
      // try the next layout
    }
  }
  throw new Error('build/kernel.wasm not found: run `npm run build` first');
}

let compiled: WebAssembly.Module | undefined;

export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(kernelPath()));
  return compiled;
}

export function instantiateKernel(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
