// The optional native sum of the output-stationary scatter (native/scatter.c, built by `npm ci` where a C
// compiler is at hand). Where it is missing the WebAssembly kernel does the same sums (identical results).

import { createRequire } from 'node:module';

export interface NativeScatter {
  /** Output channels per block of the weights `sum` reads ([block][row][block] float64). */
  readonly block: number;
  /**
   * sumBuckets of assembly/scatter.ts on the kernel's memory (byte offsets), reading `weights` blocked by `block`;
   * scratchAt: room for P int32 cursors and, 8-byte aligned after them, P·block float64 partial sums.
   */
  sum(memory: ArrayBuffer, outAt: number, countAt: number, rowsAt: number, valsAt: number, scratchAt: number, weights: Float64Array, nRows: number, cLo: number, cHi: number, P: number, ones: number): void;
}

let loaded: NativeScatter | null | undefined;

/** The addon, or null where it was not built (loaded once per thread). */
export function nativeScatter(): NativeScatter | null {
  if (loaded === undefined) {
    try {
      // src/engine and dist/engine are both two folders below the package root.
      loaded = createRequire(import.meta.url)('../../native/build/Release/spikemesh_scatter.node') as NativeScatter;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
