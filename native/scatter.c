// Native sum of the output-stationary scatter (src/engine/simd.ts): the same sums as the WebAssembly
// sumBuckets (assembly/scatter.ts), with 512-bit vectors where the CPU has them.
//
// Each output value is 0 plus its pixel's entries in list order, in float64, rounded to nearest: the
// very additions of the WebAssembly and TypeScript kernels, so the results are identical bit for bit.
// Products v·w are exact in float64 (both are float32 values), so contraction could not change them
// either; it is switched off anyway (binding.gyp).

#include <node_api.h>
#include <stdint.h>
#include <string.h>

// Output channels per block of the weights this kernel reads ([block][row][BLOCK] float64).
#define BLOCK 32

typedef double v8d __attribute__((vector_size(64), aligned(8)));

static inline v8d load8(const double *p) {
  v8d v;
  memcpy(&v, p, sizeof v);
  return v;
}

// Rows of weights per chunk: a chunk of one block (CHUNK_ROWS · BLOCK float64 = 32 KiB) stays in L1 while every
// pixel adds its entries from it. Chunks split each pixel's list at row boundaries; as rows ascend with the
// input channel and lists are in input-channel order, a pixel's entries of one chunk are consecutive, and
// carrying the partial sums from chunk to chunk keeps every addition in list order.
#define CHUNK_ROWS 128

// Entries of one pixel from *q while rows[*q] < rowEnd, added in order to the block's partial sums at acc.
static inline void add_entries(double *acc, const double *wb, const int32_t *rows, const double *vals, int32_t *q, int32_t q1,
                               int32_t rowEnd, int ones) {
  int32_t i = *q;
  if (i >= q1 || rows[i] >= rowEnd) return;
  v8d s0 = load8(acc), s1 = load8(acc + 8), s2 = load8(acc + 16), s3 = load8(acc + 24);
  if (ones) {
    for (; i < q1 && rows[i] < rowEnd; i++) {
      const double *w = wb + (size_t)rows[i] * BLOCK;
      s0 += load8(w); s1 += load8(w + 8); s2 += load8(w + 16); s3 += load8(w + 24);
    }
  } else {
    for (; i < q1 && rows[i] < rowEnd; i++) {
      const double *w = wb + (size_t)rows[i] * BLOCK;
      const double v = vals[i];
      s0 += v * load8(w); s1 += v * load8(w + 8); s2 += v * load8(w + 16); s3 += v * load8(w + 24);
    }
  }
  memcpy(acc, &s0, 64); memcpy(acc + 8, &s1, 64); memcpy(acc + 16, &s2, 64); memcpy(acc + 24, &s3, 64);
  *q = i;
}

static int arg_i32(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }

// sum(memory: ArrayBuffer, outAt, countAt, rowsAt, valsAt, scratchAt, weights: Float64Array, nRows, cLo, cHi, P, ones): undefined
// Offsets are bytes into `memory` (the WebAssembly kernel's memory, where bucket() left the lists); scratchAt has
// room for P cursors (int32) and then, 8-byte aligned, P·BLOCK partial sums (float64).
static napi_value Sum(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *mem = NULL;
  size_t memBytes = 0;
  napi_typedarray_type type;
  size_t wLength = 0;
  void *wData = NULL;
  int32_t outAt, countAt, rowsAt, valsAt, scratchAt, nRows, cLo, cHi, P, ones;
  if (argc != 12 || napi_get_arraybuffer_info(env, argv[0], &mem, &memBytes) != napi_ok ||
      napi_get_typedarray_info(env, argv[6], &type, &wLength, &wData, NULL, NULL) != napi_ok || type != napi_float64_array ||
      !arg_i32(env, argv[1], &outAt) || !arg_i32(env, argv[2], &countAt) || !arg_i32(env, argv[3], &rowsAt) ||
      !arg_i32(env, argv[4], &valsAt) || !arg_i32(env, argv[5], &scratchAt) || !arg_i32(env, argv[7], &nRows) ||
      !arg_i32(env, argv[8], &cLo) || !arg_i32(env, argv[9], &cHi) || !arg_i32(env, argv[10], &P) || !arg_i32(env, argv[11], &ones)) {
    napi_throw_type_error(env, NULL, "spikemesh_scatter.sum: bad arguments");
    return NULL;
  }
  if ((size_t)(cHi + BLOCK - 1) / BLOCK * BLOCK * (size_t)nRows > wLength) {
    napi_throw_range_error(env, NULL, "spikemesh_scatter.sum: weights shorter than the channel range");
    return NULL;
  }
  uint8_t *m = (uint8_t *)mem;
  double *out = (double *)(m + outAt);
  const int32_t *count = (const int32_t *)(m + countAt);
  const int32_t *rows = (const int32_t *)(m + rowsAt);
  const double *vals = (const double *)(m + valsAt);
  const double *w = (const double *)wData;
  // Per pixel: its cursor into its list and the block's partial sums.
  int32_t *cursor = (int32_t *)(m + scratchAt);
  double *partial = (double *)(m + scratchAt + ((sizeof(int32_t) * (size_t)P + 7) & ~(size_t)7));
  for (int32_t b = cLo / BLOCK; b * BLOCK < cHi; b++) {
    const double *wb = w + (size_t)b * nRows * BLOCK;
    const int32_t base = b * BLOCK - cLo;
    const int32_t j0 = base < 0 ? -base : 0;
    const int32_t j1 = cHi - b * BLOCK < BLOCK ? cHi - b * BLOCK : BLOCK;
    memcpy(cursor, count, sizeof(int32_t) * (size_t)P);
    memset(partial, 0, sizeof(double) * BLOCK * (size_t)P);
    for (int32_t r0 = 0; r0 < nRows; r0 += CHUNK_ROWS)
      for (int32_t p = 0; p < P; p++) add_entries(partial + (size_t)p * BLOCK, wb, rows, vals, cursor + p, count[p + 1], r0 + CHUNK_ROWS, ones);
    for (int32_t j = j0; j < j1; j++) {
      double *o = out + (size_t)(base + j) * P;
      for (int32_t p = 0; p < P; p++) o[p] = partial[(size_t)p * BLOCK + j];
    }
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, block;
  napi_create_function(env, "sum", NAPI_AUTO_LENGTH, Sum, NULL, &fn);
  napi_set_named_property(env, exports, "sum", fn);
  napi_create_int32(env, BLOCK, &block);
  napi_set_named_property(env, exports, "block", block);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
