// Native parts of the engine's hot loop: the output-stationary scatter (src/engine/simd.ts), its lists (the
// WebAssembly bucket of assembly/scatter.ts, the same lists in the same order) and its sum (the same sums as the
// WebAssembly sumBuckets, with 512-bit vectors where the CPU has them), the pooled event stage's window sums
// (src/engine/integrate.ts poolCells: the same float32 sums, cells and order), the float LIF update
// (src/engine/neurons.ts updateLif, the same float32 roundings) and the fixed-point update (neurons.ts updateFixed,
// the same float64 operations on the same integers); the step timeline's per-step
// loops (src/engine/links.ts LinkAccumulator.countStep and RunModel.prepare, src/engine/timing.ts StepTimeline.direct:
// the same sums, maxima and picks in the same order); and a layer block's packet counts and its reading of a split
// layer's events (src/engine/blocks.ts countBlock and readBlocks: the same integer counts and sums, the same events in
// the same order).
//
// Each output value is 0 plus its pixel's entries in list order, rounded to nearest after every operation:
// the very additions of the WebAssembly and TypeScript kernels, so the results are identical bit for bit.
// Float arithmetic sums in float32 (each product v·w rounded to float32, then added: the reference's
// sums, src/reference/ops.ts); fixed point in int32 where the caller has proved that no partial sum can leave
// the int32 range (simd.ts), else in float64; both are exact integer sums, so both equal the reference's.
// Contraction into fused multiply-adds would skip the product's rounding: it is switched off (binding.gyp).
//
// The sum reads whole 512-bit vectors of its weights and partial sums: it rounds its partial sums up to a 64-byte
// boundary itself, and `alignment` tells simd.ts where a weight array lies so that it can start each one on such a
// boundary (no vector straddles two cache lines). Any address works; aligned ones are only faster.

#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Hot loops are compiled for AVX-512, AVX2 and the baseline, and the CPU picks at load time: a build copied to
// another machine still runs (no -march=native in binding.gyp).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MULTI_TARGET __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define COMPRESS_SPIKES 1
#include <immintrin.h>
#else
#define MULTI_TARGET
#define COMPRESS_SPIKES 0
#endif

// Output channels per block of the weights this kernel reads: [block][row][BLOCK] float64, or [block][row][BLOCK32]
// float32 or int32 (a row of any is 256 bytes, four 512-bit vectors).
#define BLOCK 32
#define BLOCK32 64
// The boundary the sum's weights and partial sums start on best: a cache line, and a 512-bit vector.
#define ALIGN 64

// Whether v is a typed array of the given type: its data (NULL where it is empty) and length in elements.
static int typed_arg(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) == napi_ok && type == want;
}

// The data of a typed array of the given type (NULL when it is something else, or empty); length in elements.
static void *typed_data(napi_env env, napi_value v, napi_typedarray_type want, size_t *length) {
  void *data = NULL;
  return typed_arg(env, v, want, &data, length) ? data : NULL;
}

// Throws a RangeError (TypeError) with the message; NULL, for the N-API function to return.
static napi_value range_error(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static napi_value type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

// x as a JavaScript number.
static napi_value number(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

// The call's n arguments into argv; whether it was given exactly n.
static int call_args(napi_env env, napi_callback_info info, napi_value *argv, size_t n) {
  size_t argc = n;
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == n;
}

// A typed array argument's data and length in elements.
typedef struct {
  void *p;
  size_t n;
} Typed;

// The data of argument a of the typed arguments `t` (typed_call's) as int32 or float64, and whether i (any int32)
// indexes it.
#define I32(a) ((int32_t *)t[a].p)
#define F64(a) ((double *)t[a].p)
#define IN(a, i) ((size_t)(uint32_t)(i) < t[a].n)

// The call's n arguments, each a typed array of the type types[a], into t[a]; whether they are. At most MAX_TYPED.
#define MAX_TYPED 32
static int typed_args(napi_env env, napi_callback_info info, const napi_typedarray_type *types, int n, Typed *t) {
  napi_value argv[MAX_TYPED];
  int ok = n <= MAX_TYPED && call_args(env, info, argv, (size_t)n);
  for (int a = 0; ok && a < n; a++) ok = typed_arg(env, argv[a], types[a], &t[a].p, &t[a].n);
  return ok;
}

// typed_args, the first argument (its scalars) of callSize elements; whether they are (else the TypeError `error` is
// thrown).
static int typed_call(napi_env env, napi_callback_info info, const napi_typedarray_type *types, int n, Typed *t, size_t callSize, const char *error) {
  if (typed_args(env, info, types, n, t) && t[0].n == callSize) return 1;
  napi_throw_type_error(env, NULL, error);
  return 0;
}

typedef double v8d __attribute__((vector_size(64), aligned(8)));
typedef float v16f __attribute__((vector_size(64), aligned(4)));
typedef int32_t v16i __attribute__((vector_size(64), aligned(4)));

static inline __attribute__((always_inline)) v8d load8(const double *p) {
  v8d v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline __attribute__((always_inline)) v16f load16(const float *p) {
  v16f v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline __attribute__((always_inline)) v16i load16i(const int32_t *p) {
  v16i v;
  memcpy(&v, p, sizeof v);
  return v;
}

// Rows of weights per chunk: a chunk of one block (about CHUNK_ROWS rows of 256 bytes, 64 KiB; more for sparse lists)
// stays in the L2 cache while every pixel adds its entries from it. Chunks split each pixel's list at row boundaries; as rows ascend with the
// input channel and lists are in input-channel order, a pixel's entries of one chunk are consecutive, and
// carrying the partial sums from chunk to chunk keeps every addition in list order. Each visit of a pixel loads and
// stores its partial sums and ends in a mispredicted branch, which costs more than reading part of a chunk from L2: the
// paper model's sums took ~6% less time in chunks of 256 rows than of 128 (32 KiB, which stayed in L1), in the engine.
#define CHUNK_ROWS 256
// Fewest entries a pixel should add per chunk on average: sparse lists (a dilated conv whose taps mostly fall outside
// the map) get longer chunks.
#define CHUNK_ENTRIES 32

// Entries of one pixel from *q while rows[*q] lies in [0, rowEnd), added in order to the block's partial sums at acc: BLK
// partial sums of type T in four vectors of type V (LOAD reads one), each product v·w (v of type VT, as T) rounded to T
// before it is added. add_entries in float64 and add_entries_int in int32 (fixed point: exact, the values are
// integers), add_entries32 in float32 (float; its values float32 too). A row outside [0, rowEnd) stops the pixel there:
// the sum, whose last chunk ends at its rows, finds such a row left over instead of reading outside the weights. fresh:
// the block's first chunk, whose partial sums start at zero in registers and are written whether or not the pixel has
// entries there (neither read nor cleared before: a memset of every pixel's 256 bytes per block, and their loads).
#define ADD_ENTRIES(NAME, T, VT, V, LOAD, BLK)                                                                               \
  static inline __attribute__((always_inline)) void NAME(T *acc, const T *wb, const int32_t *rows, const VT *vals, int32_t *q, int32_t q1, uint32_t rowEnd,    \
                          int ones, int fresh) {                                                                              \
    enum { L = (BLK) / 4 };                                                                                                   \
    int32_t i = *q;                                                                                                           \
    V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};                                                                                 \
    if (!fresh) {                                                                                                             \
      if (i >= q1 || (uint32_t)rows[i] >= rowEnd) return;                                                                     \
      s0 = LOAD(acc), s1 = LOAD(acc + L), s2 = LOAD(acc + 2 * L), s3 = LOAD(acc + 3 * L);                                     \
    }                                                                                                                         \
    if (ones) {                                                                                                               \
      for (; i < q1 && (uint32_t)rows[i] < rowEnd; i++) {                                                                     \
        const T *w = wb + (size_t)rows[i] * (BLK);                                                                            \
        s0 += LOAD(w); s1 += LOAD(w + L); s2 += LOAD(w + 2 * L); s3 += LOAD(w + 3 * L);                                       \
      }                                                                                                                       \
    } else {                                                                                                                  \
      for (; i < q1 && (uint32_t)rows[i] < rowEnd; i++) {                                                                     \
        const T *w = wb + (size_t)rows[i] * (BLK);                                                                            \
        const T v = (T)vals[i];                                                                                               \
        s0 += v * LOAD(w); s1 += v * LOAD(w + L); s2 += v * LOAD(w + 2 * L); s3 += v * LOAD(w + 3 * L);                       \
      }                                                                                                                       \
    }                                                                                                                         \
    memcpy(acc, &s0, 64); memcpy(acc + L, &s1, 64); memcpy(acc + 2 * L, &s2, 64); memcpy(acc + 3 * L, &s3, 64);               \
    *q = i;                                                                                                                   \
  }

ADD_ENTRIES(add_entries, double, double, v8d, load8, BLOCK)
ADD_ENTRIES(add_entries32, float, float, v16f, load16, BLOCK32)
ADD_ENTRIES(add_entries_int, int32_t, double, v16i, load16i, BLOCK32)

// The float32 rounding of Math.fround (round to nearest even, like every float → float conversion here).
static inline double fround(double x) { return (double)(float)x; }

// Rows per chunk: about CHUNK_ROWS, or more where the lists are too sparse for CHUNK_ENTRIES per pixel; the rows split
// evenly (576 rows in three chunks of 192, not 256 + 256 + 64).
static int32_t chunk_rows(const int32_t *count, int32_t nRows, int32_t P) {
  const double perPixel = P > 0 ? (double)count[P] / P : 0;
  const double wanted = perPixel > 0 ? CHUNK_ENTRIES * (double)nRows / perPixel : nRows;
  const double target = wanted > CHUNK_ROWS ? wanted : CHUNK_ROWS;
  if (target >= nRows) return nRows > 0 ? nRows : 1;
  const int32_t chunks = (int32_t)ceil(nRows / target);
  return (nRows + chunks - 1) / chunks;
}

// The stage output of a sum x (+ its channel's bias): float arithmetic rounds it to float32 once (the reference's
// storeChw); fixed point rounds it by the stage's shift r (neurons.ts roundShift: half = 2^(r−1), scale = 2^−r).
typedef struct {
  int fixed;
  int32_t shift;
  double half, scale;
} Store;

static inline double store_value(double x, const Store *st) {
  if (!st->fixed) return fround(x);
  return st->shift > 0 ? floor((x + st->half) * st->scale) : x * st->scale;
}

// The weights of the chunk after the current one, fetched into the cache a few lines at each pixel while the current
// chunk's pixels add theirs: a pixel's rows are the events it hears, in no order a hardware prefetcher follows, so
// without it the first pixels of every chunk waited on memory for each row they read (the layers' weights, ~17 MB on
// the paper model, do not stay in the cache from one step to the next). On the paper Loihi run the sums took ~14% less
// CPU time (measured in the engine, alternating runs with and without).
typedef struct {
  const char *next, *end;
  size_t perPixel;
} Ahead;

// The weight rows of a block's chunk from row r0 (bytes per row rowBytes; up to chunkRows rows, none from nRows on),
// their lines spread over `spread` pixels (1: all at once).
static inline Ahead chunk_at(const void *block, int32_t r0, int32_t nRows, int32_t chunkRows, size_t rowBytes, int32_t spread) {
  const int32_t rows = r0 >= nRows ? 0 : nRows - r0 < chunkRows ? nRows - r0 : chunkRows;
  const char *next = (const char *)block + (size_t)r0 * rowBytes;
  const size_t lines = (size_t)rows * rowBytes / 64;
  const Ahead a = {next, next + (size_t)rows * rowBytes, spread > 0 ? (lines + (size_t)spread - 1) / (size_t)spread : 0};
  return a;
}

// The chunk after rows [.., rowEnd) of a block: the block's next rows, or after its last chunk the next block's first
// where there is a next block (blocks lie one after another), its lines spread over the P pixels of the current chunk.
static inline Ahead chunk_after(const void *block, int32_t rowEnd, int32_t nRows, int32_t chunkRows, int nextBlock,
                                size_t rowBytes, int32_t P) {
  if (rowEnd < nRows || !nextBlock) return chunk_at(block, rowEnd, nRows, chunkRows, rowBytes, P);
  return chunk_at((const char *)block + (size_t)nRows * rowBytes, 0, nRows, chunkRows, rowBytes, P);
}

static inline __attribute__((always_inline)) void prefetch_some(Ahead *a) {
  for (size_t k = 0; k < a->perPixel && a->next < a->end; k++, a->next += 64) __builtin_prefetch(a->next, 0, 3);
}

// Pixels whose partial sums the store reads channel after channel before it moves on: their BLK channels (16 · 256
// bytes) stay in L1 while every channel's output row gets its 16 consecutive values. Channel by channel over all P
// pixels, each value was read from its own cache line of the whole P · 256-byte partial sums, once per channel.
#define STORE_PIXELS 16

// The stage output of pixels [p0, p1) for a block's channels [j0, j1): each partial sum (pixel-major, BLK apart) + its
// channel's bias through store_value, into out's channel rows (channel-major, P apart) as values of type OT.
#define STORE_PIXELS_SCALAR(NAME, T, OT, BLK)                                                                               \
  static inline __attribute__((always_inline)) void NAME(OT *out, const T *partial, int32_t p0, int32_t p1, int32_t P,      \
                                                         int32_t base, int32_t j0, int32_t j1, const double *bias,          \
                                                         int32_t biasAt, const Store *st) {                                 \
    for (int32_t j = j0; j < j1; j++) {                                                                                     \
      OT *o = out + (size_t)(base + j) * P;                                                                                 \
      const T *s = partial + j;                                                                                             \
      const double bj = bias ? bias[biasAt + j] : 0;                                                                        \
      for (int32_t p = p0; p < p1; p++) o[p] = (OT)store_value((double)s[(size_t)p * BLK] + bj, st);                        \
    }                                                                                                                       \
  }

STORE_PIXELS_SCALAR(store_pixels, double, double, BLOCK)
STORE_PIXELS_SCALAR(store_pixels_int, int32_t, double, BLOCK32)
STORE_PIXELS_SCALAR(store_pixels32_scalar, float, float, BLOCK32)

// Rows i and i + h (i's bit h clear) of a 16 × 16 matrix with their off-diagonal h × h blocks swapped: after h = 8, 4,
// 2 and 1, the matrix transposed.
#define SWAP_BLOCKS(r, h)                                                                                                   \
  for (int i = 0; i < 16; i++) {                                                                                            \
    if (i & (h)) continue;                                                                                                  \
    const v16f a = r[i], b = r[i + (h)];                                                                                    \
    v16i lo, hi;                                                                                                            \
    for (int k = 0; k < 16; k++) lo[k] = k & (h) ? 16 + k - (h) : k, hi[k] = k & (h) ? 16 + k : k + (h);                    \
    r[i] = __builtin_shuffle(a, b, lo), r[i + (h)] = __builtin_shuffle(a, b, hi);                                           \
  }

typedef float v8f __attribute__((vector_size(32), aligned(4)));

// store_pixels for a float sum (the stage output is (float)(sum + bias), the sum widened to float64), 16 channels of
// 16 pixels at a time: their partial sums transposed in registers and each channel's 16 outputs converted and stored
// as vectors. Value by value, reading each sum from a pixel's row and writing it to a channel's, the store had taken
// ~13% of the sums' time (a conversion, an add and a scattered load per value).
static inline __attribute__((always_inline)) void store_pixels32(float *out, const float *partial, int32_t p0, int32_t p1,
                                                                  int32_t P, int32_t base, int32_t j0, int32_t j1,
                                                                  const double *bias, int32_t biasAt, const Store *st) {
  if (p1 - p0 != 16) {
    store_pixels32_scalar(out, partial, p0, p1, P, base, j0, j1, bias, biasAt, st);
    return;
  }
  for (int32_t g = 0; g < BLOCK32; g += 16) {
    const int32_t lo = j0 > g ? j0 : g, hi = j1 < g + 16 ? j1 : g + 16;
    if (lo >= hi) continue;
    if (lo != g || hi != g + 16) {
      store_pixels32_scalar(out, partial, p0, p1, P, base, lo, hi, bias, biasAt, st);
      continue;
    }
    v16f r[16];
    for (int q = 0; q < 16; q++) r[q] = load16(partial + (size_t)(p0 + q) * BLOCK32 + g);
    SWAP_BLOCKS(r, 8)
    SWAP_BLOCKS(r, 4)
    SWAP_BLOCKS(r, 2)
    SWAP_BLOCKS(r, 1)
    for (int t = 0; t < 16; t++) {
      const double bj = bias ? bias[biasAt + g + t] : 0;
      const v8d low = __builtin_convertvector(__builtin_shufflevector(r[t], r[t], 0, 1, 2, 3, 4, 5, 6, 7), v8d) + bj;
      const v8d high = __builtin_convertvector(__builtin_shufflevector(r[t], r[t], 8, 9, 10, 11, 12, 13, 14, 15), v8d) + bj;
      const v16f o = __builtin_shufflevector(__builtin_convertvector(low, v8f), __builtin_convertvector(high, v8f), 0, 1, 2, 3, 4,
                                             5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
      memcpy(out + (size_t)(base + g + t) * P + p0, &o, sizeof o);
    }
  }
}

// The block loop of sum (see there) for partial sums of type T, BLK channels per block, ADD adding a pixel's entries of
// one chunk: sum_blocks in float64 and sum_blocks_int in int32 (fixed point), sum_blocks32 in float32 (float); out gets
// the stage output (store_value of the sum + bias) as values of type OT: float32 for a float sum (the stage output is
// a float32 value: half the bytes to write, and for the update to read), float64 in fixed point. Returns 0, before
// storing anything, where a list holds a row outside [0, nRows) (its pixel's cursor stops short of its end), else 1.
#define SUM_BLOCKS(NAME, T, VT, OT, BLK, ADD, STORE)                                                                          \
  MULTI_TARGET static int NAME(OT *out, const int32_t *count, const int32_t *rows, const VT *vals, int32_t *cursor,           \
                               T *partial, const T *w, int32_t nRows, int32_t cLo, int32_t cHi, int32_t P, int32_t ones,      \
                               const double *bias, const Store *st) {                                                         \
    const int32_t chunkRows = chunk_rows(count, nRows, P);                                                                    \
    /* The first chunk's weights all at once: nothing runs beside them yet. */                                              \
    Ahead first = chunk_at(w + (size_t)(cLo / BLK) * nRows * BLK, 0, cLo < cHi ? nRows : 0, chunkRows, sizeof(T) * BLK, 1);    \
    prefetch_some(&first);                                                                                                    \
    for (int32_t b = cLo / BLK; b * BLK < cHi; b++) {                                                                         \
      const T *wb = w + (size_t)b * nRows * BLK;                                                                              \
      const int32_t base = b * BLK - cLo;                                                                                     \
      const int32_t j0 = base < 0 ? -base : 0;                                                                                \
      const int32_t j1 = cHi - b * BLK < BLK ? cHi - b * BLK : BLK;                                                           \
      memcpy(cursor, count, sizeof(int32_t) * (size_t)P);                                                                     \
      for (int32_t r0 = 0; r0 == 0 || r0 < nRows; r0 += chunkRows) { /* once at least: the first chunk writes the sums */     \
        const uint32_t rowEnd = (uint32_t)(nRows - r0 > chunkRows ? r0 + chunkRows : nRows);                                  \
        Ahead ahead = chunk_after(wb, (int32_t)rowEnd, nRows, chunkRows, (b + 1) * BLK < cHi, sizeof(T) * BLK, P);            \
        for (int32_t p = 0; p < P; p++) {                                                                                     \
          prefetch_some(&ahead);                                                                                              \
          ADD(partial + (size_t)p * BLK, wb, rows, vals, cursor + p, count[p + 1], rowEnd, ones, r0 == 0);                    \
        }                                                                                                                     \
      }                                                                                                                       \
      for (int32_t p = 0; p < P; p++)                                                                                         \
        if (cursor[p] != count[p + 1]) return 0;                                                                              \
      for (int32_t p0 = 0; p0 < P; p0 += STORE_PIXELS)                                                                        \
        STORE(out, partial, p0, p0 + STORE_PIXELS < P ? p0 + STORE_PIXELS : P, P, base, j0, j1, bias, b * BLK, st);          \
    }                                                                                                                         \
    return 1;                                                                                                                 \
  }

SUM_BLOCKS(sum_blocks, double, double, double, BLOCK, add_entries, store_pixels)
SUM_BLOCKS(sum_blocks32, float, float, float, BLOCK32, add_entries32, store_pixels32)
SUM_BLOCKS(sum_blocks_int, int32_t, double, double, BLOCK32, add_entries_int, store_pixels_int)

// Optional typed array argument of type `want`: NULL for JavaScript null, else its data (*ok = 0 when it is something
// else, or empty).
static void *optional_typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *length, int *ok) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) { *ok = 0; return NULL; }
  if (t == napi_null) return NULL;
  void *d = typed_data(env, v, want, length);
  if (!d) *ok = 0;
  return d;
}

static int arg_i32(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }

// Whether [at, at + bytes) lies inside a memory of memBytes (at ≥ 0; no overflow for any int32 offset).
static int inside(int32_t at, size_t bytes, size_t memBytes) { return at >= 0 && (size_t)at <= memBytes && bytes <= memBytes - (size_t)at; }

// Whether count[0..P] starts at 0 or more and never decreases (pixel p's entries are [count[p], count[p + 1])).
static int ascending(const int32_t *count, int32_t P) {
  int ok = count[0] >= 0;
  for (int32_t p = 0; p < P; p++) ok &= count[p] <= count[p + 1];
  return ok;
}

// Whether every one of the n values lies in [0, limit): their range in one pass without an exit, compiled for the widest
// vectors the CPU has (for the baseline alone it ran one value at a time).
MULTI_TARGET static int values_within(const int32_t *v, size_t n, size_t limit) {
  int32_t lo = 0, hi = -1;
  for (size_t i = 0; i < n; i++) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  return lo >= 0 && (hi < 0 || (size_t)hi < limit);
}

// sum(memory: ArrayBuffer, outAt, countAt, rowsAt, valsAt, scratchAt, weights: Float64Array | Float32Array | Int32Array,
//     nRows, cLo, cHi, P, ones, bias: Float64Array | null, outShift): undefined
// Offsets are bytes into `memory` (the WebAssembly kernel's memory, where bucket() left the lists); scratchAt has
// room for P cursors (int32) and then, 8-byte aligned, ALIGN + P·256 bytes: the partial sums start on the first
// ALIGN-byte boundary (absolute address) there. The weights' type picks the
// arithmetic: float32 blocked by BLOCK32 (float: out receives each sum + its channel's bias, indexed by the conv's
// output channel, rounded to float32, as float32 values), float64 blocked by BLOCK or int32 blocked by BLOCK32 (fixed
// point: out receives each sum + bias rounded by outShift, the fixed stage output, as float64 values; int32 only where
// the caller proved the sums fit). The values are float32 beside float32 weights, float64 beside the others (bucket's
// vals32).
#define MALFORMED_LISTS "spikemesh_native.sum: malformed lists (pixel starts, weight rows or values outside their ranges)"
static napi_value Sum(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  const int given = call_args(env, info, argv, 14);
  void *mem = NULL;
  size_t memBytes = 0;
  napi_typedarray_type type;
  size_t wLength = 0;
  void *wData = NULL;
  int32_t outAt, countAt, rowsAt, valsAt, scratchAt, nRows, cLo, cHi, P, ones, outShift;
  size_t biasLength = 0;
  int biasOk = 1;
  const double *bias = given ? optional_typed(env, argv[12], napi_float64_array, &biasLength, &biasOk) : NULL;
  if (!given || !biasOk || napi_get_arraybuffer_info(env, argv[0], &mem, &memBytes) != napi_ok ||
      napi_get_typedarray_info(env, argv[6], &type, &wLength, &wData, NULL, NULL) != napi_ok ||
      (type != napi_float64_array && type != napi_float32_array && type != napi_int32_array) ||
      !arg_i32(env, argv[1], &outAt) || !arg_i32(env, argv[2], &countAt) || !arg_i32(env, argv[3], &rowsAt) ||
      !arg_i32(env, argv[4], &valsAt) || !arg_i32(env, argv[5], &scratchAt) || !arg_i32(env, argv[7], &nRows) ||
      !arg_i32(env, argv[8], &cLo) || !arg_i32(env, argv[9], &cHi) || !arg_i32(env, argv[10], &P) || !arg_i32(env, argv[11], &ones) ||
      !arg_i32(env, argv[13], &outShift)) {
    return type_error(env, "spikemesh_native.sum: bad arguments");
  }
  const size_t block = type == napi_float64_array ? BLOCK : BLOCK32;
  if (cLo < 0 || cHi < cLo || nRows < 0 || P < 0 || (size_t)(cHi + block - 1) / block * block * (size_t)nRows > wLength) {
    return range_error(env, "spikemesh_native.sum: weights shorter than the channel range");
  }
  if (bias && biasLength < (size_t)cHi) {
    return range_error(env, "spikemesh_native.sum: bias shorter than the channel range");
  }
  if (outShift < -1000 || outShift > 1000) {
    return range_error(env, "spikemesh_native.sum: outShift out of range");
  }
  uint8_t *m = (uint8_t *)mem;
  // Every region inside the memory, and the lists well formed (ascending pixel starts, weight rows in range): a caller's
  // mistake is a thrown error, not a read or write outside the memory or the weights.
  // The scratch: P cursors rounded up to 8 bytes, then ALIGN bytes to reach an ALIGN boundary, then the partial sums.
  const size_t cursorBytes = (sizeof(int32_t) * (size_t)P + 7) & ~(size_t)7;
  const size_t scratchBytes = cursorBytes + ALIGN + (size_t)P * 256;
  const size_t outBytes = type == napi_float32_array ? sizeof(float) : sizeof(double);
  if (!inside(outAt, outBytes * (size_t)P * (size_t)(cHi - cLo), memBytes) || !inside(countAt, sizeof(int32_t) * ((size_t)P + 1), memBytes) ||
      !inside(scratchAt, scratchBytes, memBytes)) {
    return range_error(env, "spikemesh_native.sum: a region outside the memory");
  }
  const int32_t *count = (const int32_t *)(m + countAt);
  const int32_t total = P > 0 ? count[P] : 0;
  // Float sums read float32 values, the others float64 (bucket writes them so).
  const size_t valBytes = type == napi_float32_array ? sizeof(float) : sizeof(double);
  if (!ascending(count, P) || !inside(rowsAt, sizeof(int32_t) * (size_t)total, memBytes) ||
      (!ones && !inside(valsAt, valBytes * (size_t)total, memBytes))) {
    return range_error(env, MALFORMED_LISTS);
  }
  // The same powers of two as neurons.ts shiftHalf and shiftScale (exact in a double for any shift allowed here).
  const Store st = {type != napi_float32_array, outShift, outShift > 0 ? ldexp(1, outShift - 1) : 0, ldexp(1, -outShift)};
  void *out = m + outAt;
  const int32_t *rows = (const int32_t *)(m + rowsAt);
  const void *vals = m + valsAt;
  // Per pixel: its cursor into its list and the block's partial sums, these on a cache line of their own each.
  int32_t *cursor = (int32_t *)(m + scratchAt);
  const uintptr_t afterCursors = (uintptr_t)(m + scratchAt + cursorBytes);
  void *partial = (void *)((afterCursors + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
  const int summed =
      type == napi_float32_array ? sum_blocks32(out, count, rows, vals, cursor, (float *)partial, (const float *)wData, nRows, cLo, cHi, P, ones, bias, &st)
      : type == napi_int32_array ? sum_blocks_int(out, count, rows, vals, cursor, (int32_t *)partial, (const int32_t *)wData, nRows, cLo, cHi, P, ones, bias, &st)
                                 : sum_blocks(out, count, rows, vals, cursor, (double *)partial, (const double *)wData, nRows, cLo, cHi, P, ones, bias, &st);
  return summed ? NULL : range_error(env, MALFORMED_LISTS);
}

// The tap tables of one axis as simd.ts lays them out: inLo, nIn, nTap, then start[nIn + 1], tap[nTap], out[nTap].
typedef struct {
  int32_t n;
  const int32_t *start, *tap, *out;
} Taps;

static Taps taps_at(const uint8_t *m, int32_t at) {
  const int32_t *t = (const int32_t *)(m + at);
  const Taps r = {t[1], t + 3, t + 3 + t[1] + 1, t + 3 + t[1] + 1 + t[2]};
  return r;
}

// Whether the tap table at `at` lies inside the memory and is well formed (ascending starts within its taps, every output
// position in [0, nOut)); *t gets it.
static int taps_check(const uint8_t *m, size_t memBytes, int32_t at, int32_t nOut, Taps *t) {
  if (!inside(at, 3 * sizeof(int32_t), memBytes)) return 0;
  const int32_t *h = (const int32_t *)(m + at);
  const int32_t nIn = h[1], nTap = h[2];
  if (nIn < 0 || nTap < 0 || !inside(at, sizeof(int32_t) * (3 + (size_t)nIn + 1 + 2 * (size_t)nTap), memBytes)) return 0;
  *t = taps_at(m, at);
  int ok = t->start[0] >= 0 && t->start[nIn] <= nTap;
  for (int32_t i = 0; i < nIn; i++) ok &= t->start[i] <= t->start[i + 1];
  for (int32_t i = 0; i < nTap; i++) ok &= t->out[i] >= 0 && t->out[i] < nOut;
  return ok;
}

// The arguments of bucket (see Bucket): offsets into the kernel's memory, and the grids.
typedef struct {
  int32_t evIdx, evVal, valueKind, n, H, W, yOff, xOff, cOff, rT, cT, k, EW, P, count, cap, rows, vals, pos, vals32;
} BucketArgs;

// Division of any n < 2^32 by a divisor d ≥ 1 fixed for a loop, as a multiply: floor(n / d) is the high 64 bits of
// ceil(2^64 / d) · n (Lemire, Kaser and Kurz 2019, "Faster remainder by direct computation", for 32-bit n and 64-bit
// fractions); d = 1 keeps n (its fraction, 2^64, needs 65 bits). A row is entered every few events (a spike map is
// sparse), and its two chained divisions cost ~30 cycles: a tenth of the packet counts' time, ~5% of the lists'.
typedef struct {
  uint64_t fraction;
  int32_t d;
} Divisor;

static inline Divisor divisor_of(int32_t d) {
  const Divisor v = {d > 1 ? UINT64_MAX / (uint64_t)d + 1 : 0, d};
  return v;
}

static inline __attribute__((always_inline)) int32_t divide(int32_t n, Divisor v) {
  return v.fraction ? (int32_t)(((unsigned __int128)v.fraction * (uint32_t)n) >> 64) : n;
}

// A C×H×W grid's rows and columns as divisors (grid_of), for enter_row.
typedef struct {
  Divisor h, w;
} RowGrid;

static inline RowGrid grid_of(int32_t H, int32_t W) {
  const RowGrid g = {divisor_of(H), divisor_of(W)};
  return g;
}

// The row (channel c, y) of a C-order index (≥ 0) in a C×H×W grid and the indices [start, end) it spans (integrate.ts
// enterRow). Events come row after row, so a pass over them enters a row only where one has events: two divisions (as
// multiplies) per such row, not per event (per event, they were a tenth of the lists' time).
typedef struct {
  int32_t c, y, start, end;
} EventRow;

static inline __attribute__((always_inline)) void enter_row(EventRow *row, int32_t idx, const RowGrid *g) {
  const int32_t q = divide(idx, g->w);
  row->c = divide(q, g->h);
  row->y = q - row->c * g->h.d;
  row->start = q * g->w.d;
  row->end = row->start + g->w.d;
}

// The channel c of a C-order index (≥ 0) in a C×H×W grid and the indices [start, end) it spans. Where an event's place
// depends on its channel alone (a count's pixel, a list position where the tables span whole rows), a pass enters a
// channel every H·W indices instead of a row every few events, each entry a mispredicted branch: with the rows, the
// entries had been ~a tenth of the packet counts' time.
typedef struct {
  int32_t c;
  int64_t start, end;
} EventChannel;

static inline __attribute__((always_inline)) void enter_channel(EventChannel *ch, int32_t idx, const RowGrid *g) {
  const int64_t HW = (int64_t)g->h.d * g->w.d;
  ch->c = divide(divide(idx, g->w), g->h);
  ch->start = ch->c * HW;
  ch->end = ch->start + HW;
}

// bucket_lists' fill: each event's pairs appended to its pixels' lists (the slots at count + 1), with its value where
// `valued` (a constant at each call: VALUES_NONE, VALUES_F64 or VALUES_F32, the value rounded to float32 as a float
// sum rounds it). The arguments are copied into locals and the lists marked restrict: GCC otherwise reloaded them from
// memory at every pair, as a list's store might have changed them.
enum { VALUES_NONE, VALUES_F64, VALUES_F32 };
static inline __attribute__((always_inline)) void fill_lists(uint8_t *m, const BucketArgs *g, const Taps *rt, const Taps *ct,
                                                             int32_t *restrict count, int valued) {
  const int32_t *restrict evIdx = (const int32_t *)(m + g->evIdx);
  int32_t *restrict rows = (int32_t *)(m + g->rows);
  double *restrict vals = (double *)(m + g->vals);
  float *restrict vals32 = (float *)(m + g->vals);
  const float *v32 = (const float *)(m + g->evVal);
  const double *v64 = (const double *)(m + g->evVal);
  const int32_t n = g->n, W = g->W, H = g->H, EW = g->EW, k = g->k, yOff = g->yOff, xOff = g->xOff, cOff = g->cOff;
  const int single = g->valueKind == 1;
  const int32_t *restrict rStart = rt->start, *restrict rTap = rt->tap, *restrict rOut = rt->out;
  const int32_t *restrict cStart = ct->start, *restrict cTap = ct->tap, *restrict cOut = ct->out;
  const RowGrid grid = grid_of(H, W);
  EventChannel ch = {0, 0, 0};
  int32_t wBase = 0;
  for (int32_t e = 0; e < n; e++) {
    const int32_t idx = evIdx[e];
    if (idx >= ch.end || idx < ch.start) {
      enter_channel(&ch, idx, &grid);
      wBase = (ch.c + cOff) * k;
    }
    // The row by a multiply on every event, not a branch that mispredicts at each new row (every few events).
    const int32_t q = idx - (int32_t)ch.start, y = divide(q, grid.w);
    const int32_t ly = y - yOff, lx = q - y * W - xOff;
    const double v = !valued ? 1.0 : single ? (double)v32[e] : v64[e];
    const int32_t b0 = cStart[lx], b1 = cStart[lx + 1];
    for (int32_t a = rStart[ly], a1 = rStart[ly + 1]; a < a1; a++) {
      int32_t *slots = count + rOut[a] * EW + 1;
      const int32_t wRow = (wBase + rTap[a]) * k;
      for (int32_t b = b0; b < b1; b++) {
        const int32_t at = slots[cOut[b]]++;
        rows[at] = wRow + cTap[b];
        if (valued == VALUES_F64) vals[at] = v;
        if (valued == VALUES_F32) vals32[at] = (float)v;
      }
    }
  }
}

// assembly/scatter.ts bucket, natively: the same lists in the same order (each pixel's pairs in event order), so the sums
// over them are the same. Returns the pairs, or -1 (lists untouched past the counts) when they exceed cap. Events must lie
// at the tables' input positions (the engine gathers only those): checking each one cost 10% of the lists. Not inlined:
// inside Bucket, beside its checks, GCC compiled these loops 15% slower (measured).
__attribute__((noinline)) static int32_t bucket_lists(uint8_t *m, const BucketArgs *g) {
  const int32_t *evIdx = (const int32_t *)(m + g->evIdx);
  const Taps r = taps_at(m, g->rT), c = taps_at(m, g->cT);
  const int32_t W = g->W, H = g->H, EW = g->EW;
  // Events per input position first, then each position's count through its taps (the channels of a position share them).
  int32_t *pos = (int32_t *)(m + g->pos);
  memset(pos, 0, sizeof(int32_t) * (size_t)r.n * (size_t)c.n);
  const RowGrid grid = grid_of(H, W);
  if (c.n == W) {
    // Position (y − yOff)·W + x − xOff is idx − c·H·W − (yOff·W + xOff): its channel's alone.
    EventChannel ch = {0, 0, 0};
    const int64_t corner = (int64_t)g->yOff * W + g->xOff;
    int64_t chanPos = 0;
    for (int32_t e = 0; e < g->n; e++) {
      const int32_t idx = evIdx[e];
      if (idx >= ch.end || idx < ch.start) {
        enter_channel(&ch, idx, &grid);
        chanPos = -ch.start - corner;
      }
      pos[chanPos + idx]++;
    }
  } else {
    EventRow row = {0, 0, 0, 0};
    int32_t rowPos = 0;
    for (int32_t e = 0; e < g->n; e++) {
      const int32_t idx = evIdx[e];
      if (idx >= row.end || idx < row.start) {
        enter_row(&row, idx, &grid);
        rowPos = (row.y - g->yOff) * c.n - g->xOff - row.start;
      }
      pos[rowPos + idx]++;
    }
  }
  int32_t *count = (int32_t *)(m + g->count);
  memset(count, 0, sizeof(int32_t) * (size_t)(g->P + 2));
  for (int32_t ly = 0; ly < r.n; ly++)
    for (int32_t lx = 0; lx < c.n; lx++) {
      const int32_t k = pos[ly * c.n + lx];
      if (k == 0) continue;
      for (int32_t a = r.start[ly]; a < r.start[ly + 1]; a++) {
        int32_t *slots = count + r.out[a] * EW + 2;
        for (int32_t b = c.start[lx]; b < c.start[lx + 1]; b++) slots[c.out[b]] += k;
      }
    }
  int32_t sum = 0;
  for (int32_t p = 0; p < g->P + 2; p++) count[p] = sum += count[p];
  if (sum > g->cap) return -1;
  if (g->valueKind == 0) fill_lists(m, g, &r, &c, count, VALUES_NONE);
  else if (g->vals32) fill_lists(m, g, &r, &c, count, VALUES_F32);
  else fill_lists(m, g, &r, &c, count, VALUES_F64);
  return sum;
}

// bucket(memory: ArrayBuffer, evIdxAt, evValAt, valueKind, n, H, W, yOff, xOff, cOff, rTAt, cTAt, k, EW, P, countAt, cap,
//        rowsAt, valsAt, posAt, vals32): number — the WebAssembly kernel's bucket (simd.ts BucketFn, the same arguments
// after the memory), on its memory: the pairs listed, or -1 when they exceed cap. vals32 (0/1): the values listed as
// float32 (what a float sum reads: 4 bytes a pair, not 8), else float64 as the WebAssembly bucket lists them.
static napi_value Bucket(napi_env env, napi_callback_info info) {
  napi_value argv[21];
  const int given = call_args(env, info, argv, 21);
  void *mem = NULL;
  size_t memBytes = 0;
  int32_t a[20];
  int ok = given && napi_get_arraybuffer_info(env, argv[0], &mem, &memBytes) == napi_ok;
  for (int i = 0; ok && i < 20; i++) ok = arg_i32(env, argv[i + 1], &a[i]);
  if (!ok || (a[19] != 0 && a[19] != 1)) {
    return type_error(env, "spikemesh_native.bucket: bad arguments");
  }
  const BucketArgs g = {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19]};
  // Every region inside the memory and the tap tables well formed, so that the lists are written where the caller said.
  const uint8_t *m = (const uint8_t *)mem;
  const size_t valBytes = g.valueKind == 0 ? 0 : g.valueKind == 1 ? sizeof(float) : sizeof(double);
  const int grids = g.n >= 0 && g.H > 0 && g.W > 0 && g.EW > 0 && g.P >= 0 && g.P % g.EW == 0 && g.cap >= 0;
  Taps r, c;
  if (!grids || !inside(g.evIdx, sizeof(int32_t) * (size_t)g.n, memBytes) || !inside(g.evVal, valBytes * (size_t)g.n, memBytes) ||
      !inside(g.count, sizeof(int32_t) * ((size_t)g.P + 2), memBytes) || !inside(g.rows, sizeof(int32_t) * (size_t)g.cap, memBytes) ||
      !inside(g.vals, (valBytes ? sizeof(double) : 0) * (size_t)g.cap, memBytes) || !taps_check(m, memBytes, g.rT, g.P / g.EW, &r) ||
      !taps_check(m, memBytes, g.cT, g.EW, &c) || !inside(g.pos, sizeof(int32_t) * (size_t)r.n * (size_t)c.n, memBytes)) {
    return range_error(env, "spikemesh_native.bucket: a region outside the memory, or malformed grids or tap tables");
  }
  napi_value out;
  napi_create_int32(env, bucket_lists((uint8_t *)mem, &g), &out);
  return out;
}

// Neurons per vectorized pass of lif (a tile row, or a piece of a longer one).
#define LIF_ROW 256

// How lif divides u by θ: u/θ rounded to float32 is the same number whether the quotient of two float32 values is
// taken in float64 and rounded (the reference) or taken in float32 (24·2 + 2 ≤ 53: the double rounding is innocuous),
// and u/1 is u. The float32 division is several times cheaper than the float64 one, which bounded this loop.
enum { DIV_BY_ONE, DIV_FLOAT32, DIV_FLOAT64 };

// A channel's flags per neuron, not yet added to the tallies: channels whose parts are those of the channel before (a
// mapped core's tile spans several channels, and its rows and columns repeat in each) are summed neuron by neuron here,
// a vector add, and each neuron's sum reaches its part's tally once a channel's parts differ (tally_flush). A dependent
// add per neuron into a scattered tally entry had been the update's slowest part; pending sums of one row piece
// (LIF_ROW neurons) had flushed at every piece of a channel longer than that (each piece other rows, other cores: on
// the paper Loihi mapping, a third of the update's time). Each part is checked against the tally's length (limit) where
// its count is added, not in a pass over every part before the update (a read of every part again, ~1.4% of the paper
// Loihi run): a part outside the tally sets `bad`, adds nothing, and the call throws after its update. Where the
// caller gives each channel a plane (channels of one plane have the same parts: blocks.ts numbers them so), a channel
// of the pending plane is added without reading its parts at all; the parts are read only to flush.
typedef struct {
  double *tally;
  uint32_t limit;
  int bad;
  const int32_t *part;   // the pending channel's parts (its first neuron's), NULL while nothing is pending
  int32_t len;           // neurons per channel
  int32_t width;         // neurons per row of the tile (len is whole rows of them)
  int32_t *sum;          // len pending sums, zero where nothing is pending
  const int32_t *planes; // per channel of the tile its plane, or NULL (the parts compared instead)
  int32_t plane;         // the pending channel's plane
} PendingTally;

// Starts a tally of channels of perChannel neurons in rows of `width` (planes: per channel, or NULL); 0 when its pending
// sums cannot be allocated (tally_end frees them).
static int tally_start(PendingTally *t, double *tally, size_t limit, int32_t perChannel, int32_t width, const int32_t *planes) {
  t->tally = tally;
  t->limit = limit < UINT32_MAX ? (uint32_t)limit : UINT32_MAX;
  t->bad = 0;
  t->part = NULL;
  t->planes = planes;
  t->plane = 0;
  t->len = perChannel;
  t->width = width > 0 && perChannel % width == 0 ? width : perChannel;
  t->sum = tally && perChannel > 0 ? calloc((size_t)perChannel, sizeof(int32_t)) : NULL;
  return !tally || perChannel <= 0 || t->sum != NULL;
}

static void tally_end(PendingTally *t) {
  free(t->sum);
  t->sum = NULL;
}

static inline __attribute__((always_inline)) void tally_add(PendingTally *t, int32_t part, int64_t n) {
  if ((uint32_t)part < t->limit) t->tally[part] += (double)n;
  else t->bad = 1;
}

// A row's sums (acc, zeroed as read) into the tallies of its parts (parts: the row's), a run of neurons of one part
// added at once.
static inline __attribute__((always_inline)) void tally_row(PendingTally *t, int32_t *acc, const int32_t *parts) {
  int32_t run = parts[0];
  int64_t n = 0;
  for (int32_t k = 0; k < t->width; k++) {
    if (parts[k] != run) {
      tally_add(t, run, n);
      run = parts[k];
      n = 0;
    }
    n += acc[k];
    acc[k] = 0;
  }
  tally_add(t, run, n);
}

// The pending sums into the tallies: the rows of a stretch whose parts are the same row after row (a mapped core's
// tile spans several rows) summed into its first row, a vector add, and that row's sums added to its parts once. Row
// by row, a tile one column wide (most of the paper's Loihi layers) had made an add into a tally entry per neuron.
static inline __attribute__((always_inline)) void tally_flush(PendingTally *t) {
  if (!t->part) return;
  const int32_t w = t->width;
  int32_t *restrict acc = t->sum;
  const int32_t *top = t->part;
  for (int32_t r = w; r < t->len; r += w) {
    int32_t *restrict row = t->sum + r;
    if (memcmp(t->part + r, top, sizeof(int32_t) * (size_t)w) != 0) {
      tally_row(t, acc, top);
      acc = row;
      top = t->part + r;
      continue;
    }
    for (int32_t k = 0; k < w; k++) {
      acc[k] += row[k];
      row[k] = 0;
    }
  }
  tally_row(t, acc, top);
  t->part = NULL;
}

// flags[0, len) of a channel's neurons j … j + len − 1 added to the tallies of their parts (channel: the channel's
// parts, from its first neuron; ci: the channel's index in the tile, for its plane). With planes, every piece goes to
// the pending sums, the channel's first piece flushing them where its plane is new. Without, a row piece of one part (a
// mapped core's tile spans the row) is summed and added at once, and one whose parts change along the row goes through
// the pending sums; both checks in one pass without an exit, which GCC vectorizes (a scalar loop that stopped at the
// first other part had cost as much as the pending sums). The counts are integers: exact in any order.
static inline __attribute__((always_inline)) void tally_piece(const int32_t *channel, int32_t ci, int32_t j, const uint8_t *flags,
                                                             int32_t len, PendingTally *t) {
  if (t->planes) {
    // The channel's first piece decides for all of it: the same plane as the pending channel, or a new one.
    if (j == 0 && (!t->part || t->planes[ci] != t->plane)) {
      tally_flush(t);
      t->part = channel;
      t->plane = t->planes[ci];
    }
    int32_t *restrict sum = t->sum + j;
    for (int32_t k = 0; k < len; k++) sum[k] += flags[k];
    return;
  }
  const int32_t *restrict part = channel + j;
  const int32_t *restrict pending = t->part ? t->part + j : part;
  const int32_t p = part[0];
  int32_t other = 0, changed = 0;
  for (int32_t k = 0; k < len; k++) {
    other |= part[k] ^ p;
    changed |= part[k] ^ pending[k];
  }
  if (other == 0) {
    int32_t n = 0;
    for (int32_t k = 0; k < len; k++) n += flags[k];
    tally_add(t, p, n);
    return;
  }
  if (!t->part || changed != 0) {
    tally_flush(t);
    t->part = channel;
  }
  int32_t *restrict sum = t->sum + j;
  for (int32_t k = 0; k < len; k++) sum[k] += flags[k];
}

// The spikes of n neurons whose indices run from `first`, appended to out after `events`; returns the new count.
// Written for every neuron, kept for spikes: a branch per neuron would mispredict at the usual spike rates. The write
// lands at most at this neuron's own slot (events never exceeds the neurons done), inside the tile.
static inline __attribute__((always_inline)) int32_t spikes_run(int32_t *out, int32_t events, const uint8_t *spiked, int32_t n, int32_t first) {
  for (int32_t e = 0; e < n; e++) {
    out[events] = first + e;
    events += spiked[e];
  }
  return events;
}

#if COMPRESS_SPIKES
// Whether the CPU has the AVX-512 parts spikes_compress uses (set at load, Init).
static int compressSpikes = 0;

// spikes_run 16 neurons at a time: their flags tested into a mask, their indices compressed into its low lanes, and
// all 16 lanes stored. The lanes past the spikes land at most at the 16th neuron's own slot (events never exceeds the
// neurons done), as spikes_run's writes do; the scalar per-neuron loop had been a third of the update's time.
__attribute__((target("avx512f,avx512bw,avx512vl"))) static int32_t spikes_compress(int32_t *out, int32_t events, const uint8_t *spiked,
                                                                                 int32_t n, int32_t first) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int32_t e = 0;
  for (; e + 16 <= n; e += 16) {
    const __m128i flags = _mm_loadu_si128((const __m128i *)(spiked + e));
    const __mmask16 m = _mm_test_epi8_mask(flags, flags);
    const __m512i idx = _mm512_add_epi32(_mm512_set1_epi32(first + e), lanes);
    _mm512_storeu_si512((void *)(out + events), _mm512_maskz_compress_epi32(m, idx));
    events += __builtin_popcount((unsigned)m);
  }
  return spikes_run(out, events, spiked + e, n - e, first + e);
}
#endif

// The spikes of a piece of len neurons of channel c, from its j-th neuron (rows of the tile's width tw from row y0, column
// x0 of a popH×popW map), appended to out after `events`; returns the new count. A tile of whole rows numbers its
// neurons on from row to row: its piece is one run.
static inline __attribute__((always_inline)) int32_t spikes_out(int32_t *out, int32_t events, const uint8_t *spiked, int32_t len, int32_t j,
                                                                int32_t c, int32_t y0, int32_t x0, int32_t tw, int32_t popH, int32_t popW) {
  for (int32_t k = 0, y = y0 + j / tw, x = j % tw; k < len; y++, x = 0) {
    const int32_t piece = tw == popW ? len : tw - x < len - k ? tw - x : len - k;
    const int32_t first = (c * popH + y) * popW + x0 + x;
#if COMPRESS_SPIKES
    if (compressSpikes) events = spikes_compress(out, events, spiked + k, piece, first);
    else
#endif
      events = spikes_run(out, events, spiked + k, piece, first);
    k += piece;
  }
  return events;
}

// The loop of lif (see there) for one division mode; events and active receive the counts, and with part each neuron's
// activity is added to its part's tally.
static inline __attribute__((always_inline)) void lif_loop(const void *current, int current32, void *membrane, int membrane32,
                                                           int32_t *outIdx, float *outVal, const double *scale, const double *bias,
                                                           const int32_t *g, double lambda, double theta, int div, const int32_t *part,
                                                           PendingTally *pending, int32_t *eventsOut, int32_t *activeOut) {
  const int32_t c0 = g[0], c1 = g[1], y0 = g[2], y1 = g[3], x0 = g[4], x1 = g[5], popH = g[6], popW = g[7], base = g[8], hard = g[9];
  // A channel's neurons are consecutive in current and membrane whatever the tile's width, so the branch-free pass GCC
  // vectorizes (membranes, spike flags, activity) runs over pieces of up to LIF_ROW of them, rows after rows; then the
  // spikes out, row piece by row piece. Row by row, the 16-neuron rows of a 16×16 map never reached the vector loop.
  const int32_t tw = x1 - x0, perChannel = (y1 - y0) * tw;
  const float thetaF = (float)theta;
  uint8_t spiked[LIF_ROW], act[LIF_ROW];
  int32_t events = 0, active = 0;
  size_t i = 0;
  int32_t *out = outIdx + base;
  for (int32_t c = c0; c < c1; c++) {
    const double s = scale ? scale[c] : 1, b = scale ? bias[c] : 0;
    for (int32_t j = 0; j < perChannel; j += LIF_ROW) {
      const int32_t len = perChannel - j < LIF_ROW ? perChannel - j : LIF_ROW;
      const double *restrict cur = (const double *)current + i;
      const float *restrict cur32 = (const float *)current + i;
      double *restrict mem = (double *)membrane + base + i;
      float *restrict mem32 = (float *)membrane + base + i;
      for (int32_t k = 0; k < len; k++) {
        const double c = current32 ? (double)cur32[k] : cur[k];
        const double I = scale ? fround(c * s + b) : c;
        const double m = membrane32 ? (double)mem32[k] : mem[k];
        act[k] = (uint8_t)((I != 0) | (m != 0));
        const double u = fround(fround(lambda * m) + I);
        const double q = div == DIV_BY_ONE ? u : div == DIV_FLOAT32 ? (double)((float)u / thetaF) : fround(u / theta);
        const int spike = fround(q - 1) > 0;
        const double next = spike ? (hard ? 0 : fround(u - theta)) : u;
        if (membrane32) mem32[k] = (float)next;
        else mem[k] = next;
        spiked[k] = (uint8_t)spike;
      }
      events = spikes_out(out, events, spiked, len, j, c, y0, x0, tw, popH, popW);
      for (int32_t k = 0; k < len; k++) active += act[k];
      if (part) tally_piece(part + i - j, c - c0, j, act, len, pending);
      i += (size_t)len;
    }
  }
  if (part) tally_flush(pending);
  for (int32_t e = 0; e < events; e++) outVal[base + e] = 1;
  *eventsOut = events;
  *activeOut = active;
}

// lif_loop for each way of dividing by θ, the current float32 (CURRENT32) or float64, the membranes float32 (MEMBRANE32)
// or float64: each a loop of its own, vectorized with its types.
#define LIF_DIVS(CURRENT32, MEMBRANE32)                                                                                      \
  if (div == DIV_BY_ONE)                                                                                                      \
    lif_loop(current, CURRENT32, membrane, MEMBRANE32, outIdx, outVal, scale, bias, g, lambda, theta, DIV_BY_ONE, part, pending, eventsOut, activeOut); \
  else if (div == DIV_FLOAT32)                                                                                                \
    lif_loop(current, CURRENT32, membrane, MEMBRANE32, outIdx, outVal, scale, bias, g, lambda, theta, DIV_FLOAT32, part, pending, eventsOut, activeOut); \
  else lif_loop(current, CURRENT32, membrane, MEMBRANE32, outIdx, outVal, scale, bias, g, lambda, theta, DIV_FLOAT64, part, pending, eventsOut, activeOut);

MULTI_TARGET static void lif_tile(const void *current, int current32, void *membrane, int membrane32, int32_t *outIdx, float *outVal,
                                  const double *scale, const double *bias, const int32_t *g, double lambda, double theta, const int32_t *part,
                                  PendingTally *pending, int32_t *eventsOut, int32_t *activeOut) {
  // u is a float32 value (a rounded sum), so the float32 division applies whenever θ is one too (the engine's are).
  const int div = theta == 1 ? DIV_BY_ONE : (double)(float)theta == theta ? DIV_FLOAT32 : DIV_FLOAT64;
  if (current32 && membrane32) {
    LIF_DIVS(1, 1)
  } else if (current32) {
    LIF_DIVS(1, 0)
  } else if (membrane32) {
    LIF_DIVS(0, 1)
  } else {
    LIF_DIVS(0, 0)
  }
}

// Optional per-part tallies (part: Int32Array | null, then `arrays` Float64Arrays, null with it): *ok = 0 when they are
// malformed or the parts are fewer than the n neurons; *limit gets the shortest tally's length (each part is checked
// against it where its count is added: PendingTally).
static const int32_t *tally_args(napi_env env, const napi_value *argv, int arrays, size_t n, double **tallies, size_t *limit, int *ok) {
  napi_valuetype t = napi_undefined;
  *limit = 0;
  if (napi_typeof(env, argv[0], &t) != napi_ok) { *ok = 0; return NULL; }
  if (t == napi_null) {
    for (int a = 0; a < arrays; a++) tallies[a] = NULL;
    return NULL;
  }
  size_t nPart = 0, shortest = (size_t)-1;
  const int32_t *part = typed_data(env, argv[0], napi_int32_array, &nPart);
  for (int a = 0; a < arrays; a++) {
    size_t len = 0;
    tallies[a] = typed_data(env, argv[1 + a], napi_float64_array, &len);
    if (!tallies[a]) *ok = 0;
    if (len < shortest) shortest = len;
  }
  if (!part || nPart < n) *ok = 0;
  *limit = shortest;
  return part;
}

// The optional planes of a tally (Int32Array | null): per channel of the tile; NULL for null, *ok = 0 when it is
// something else or shorter than the channels.
static const int32_t *planes_arg(napi_env env, napi_value v, int32_t channels, int *ok) {
  size_t n = 0;
  const int32_t *planes = optional_typed(env, v, napi_int32_array, &n, ok);
  if (planes && (channels < 0 || n < (size_t)channels)) *ok = 0;
  return planes;
}

// lif(current: Float64Array | Float32Array, membrane: Float64Array | Float32Array, outIdx: Int32Array, outVal: Float32Array, scale: Float64Array | null,
//     bias: Float64Array | null, geometry: Int32Array [c0, c1, y0, y1, x0, x1, popH, popW, base, hard], lambda, theta,
//     counts: Int32Array [events, active], part: Int32Array | null, tallyActive: Float64Array | null,
//     planes: Int32Array | null): undefined
// scale/bias: the step's BNTT table per channel, or both null. Spikes go to outIdx/outVal from base, in C-order. With
// part (tile-local), each neuron's activity is also added to its part's tally; planes (per channel of the tile, or null)
// must give two channels one plane only where their parts are the same (PendingTally).
static napi_value Lif(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  const int given = call_args(env, info, argv, 13);
  if (!given) {
    return type_error(env, "spikemesh_native.lif: expects 13 arguments");
  }
  size_t nCur = 0, nMem = 0, nIdx = 0, nVal = 0, nScale = 0, nBias = 0, nGeo = 0, nCounts = 0;
  int ok = 1;
  double lambda = 0, theta = 0;
  // The current as float64 values, or float32 (the native sum's float stage output).
  const void *current = typed_data(env, argv[0], napi_float64_array, &nCur);
  const int current32 = current == NULL;
  if (current32) current = typed_data(env, argv[0], napi_float32_array, &nCur);
  void *membrane = typed_data(env, argv[1], napi_float64_array, &nMem);
  const int membrane32 = membrane == NULL;
  if (membrane32) membrane = typed_data(env, argv[1], napi_float32_array, &nMem);
  int32_t *outIdx = typed_data(env, argv[2], napi_int32_array, &nIdx);
  float *outVal = typed_data(env, argv[3], napi_float32_array, &nVal);
  const double *scale = optional_typed(env, argv[4], napi_float64_array, &nScale, &ok);
  const double *bias = optional_typed(env, argv[5], napi_float64_array, &nBias, &ok);
  const int32_t *g = typed_data(env, argv[6], napi_int32_array, &nGeo);
  int32_t *counts = typed_data(env, argv[9], napi_int32_array, &nCounts);
  if (!ok || !current || !membrane || !outIdx || !outVal || !scale != !bias || !g || nGeo < 10 || !counts || nCounts < 2 ||
      napi_get_value_double(env, argv[7], &lambda) != napi_ok || napi_get_value_double(env, argv[8], &theta) != napi_ok) {
    return type_error(env, "spikemesh_native.lif: bad arguments");
  }
  const int32_t c1 = g[1];
  const size_t n = (size_t)(c1 - g[0]) * (size_t)(g[3] - g[2]) * (size_t)(g[5] - g[4]);
  const size_t end = (size_t)g[8] + n;
  if (g[0] < 0 || g[8] < 0 || n > nCur || end > nMem || end > nIdx || end > nVal || (scale && ((size_t)c1 > nScale || (size_t)c1 > nBias))) {
    return range_error(env, "spikemesh_native.lif: arrays shorter than the tile");
  }
  double *tally = NULL;
  size_t limit = 0;
  const int32_t *part = tally_args(env, argv + 10, 1, n, &tally, &limit, &ok);
  const int32_t *planes = planes_arg(env, argv[12], c1 - g[0], &ok);
  if (!ok) {
    return range_error(env, "spikemesh_native.lif: bad tally (parts shorter than the tile, or planes than its channels)");
  }
  PendingTally pending;
  if (!tally_start(&pending, tally, limit, (g[3] - g[2]) * (g[5] - g[4]), g[5] - g[4], planes)) {
    napi_throw_error(env, NULL, "spikemesh_native.lif: out of memory");
    return NULL;
  }
  int32_t events = 0, active = 0;
  lif_tile(current, current32, membrane, membrane32, outIdx, outVal, scale, bias, g, lambda, theta, part, &pending, &events, &active);
  tally_end(&pending);
  counts[0] = events;
  counts[1] = active;
  return pending.bad ? range_error(env, "spikemesh_native.lif: bad tally (a part outside the tally)") : NULL;
}

// The fixed-point neuron constants of a population (neurons.ts updateFixed): membrane range, threshold, the leak's δ and
// its exact factor keep = (4096 − δ)/4096, and the kind.
typedef struct {
  double min, max, theta, keep;
  int32_t decay, lif, hard;
} FixedNeuron;

// The per-step tables of one channel: I = roundShift(x · mult, shift) + bias.
typedef struct {
  double mult, half, scale, bias;
  int32_t shift;
} FixedChannel;

// Flags of one pass over a tile row piece (counted, and added to the tally, after the vectorized pass).
typedef struct {
  uint8_t spiked[LIF_ROW], active[LIF_ROW], saturated[LIF_ROW];
} RowFlags;

// One tile row piece of the fixed update: the very operations of updateFixed in the same order, on float64 integers.
// rounds (shift > 0), leaks (LIF with δ > 0) and lif are constants at each call, so every variant is a branch-free loop
// GCC vectorizes (floor and trunc are single instructions on x86-64-v2 and later).
static inline __attribute__((always_inline)) void fixed_row(const double *restrict cur, double *restrict mem, int32_t len, FixedChannel ch,
                                                            FixedNeuron q, int rounds, int leaks, int lif, uint8_t *restrict spiked,
                                                            uint8_t *restrict active, uint8_t *restrict saturated) {
  for (int32_t k = 0; k < len; k++) {
    const double xm = cur[k] * ch.mult;
    const double I = (rounds ? floor((xm + ch.half) * ch.scale) : xm * ch.scale) + ch.bias;
    const double m = mem[k];
    active[k] = (uint8_t)((I != 0) | (m != 0));
    // trunc(·) + 0 turns −0 into 0, as updateFixed's leakBy does.
    const double s = (leaks ? trunc(m * q.keep) + 0.0 : m) + I;
    saturated[k] = (uint8_t)((s < q.min) | (s > q.max));
    const double u = s < q.min ? q.min : s > q.max ? q.max : s;
    const int spike = lif && u > q.theta;
    mem[k] = spike ? (q.hard ? 0 : u - q.theta) : u;
    spiked[k] = (uint8_t)spike;
  }
}

// fixed_row with its three constants picked from the channel and the population.
static inline __attribute__((always_inline)) void fixed_row_any(const double *cur, double *mem, int32_t len, FixedChannel ch, FixedNeuron q,
                                                                RowFlags *f) {
  const int leaks = q.lif && q.decay != 0;
  if (ch.shift > 0) {
    if (leaks) fixed_row(cur, mem, len, ch, q, 1, 1, 1, f->spiked, f->active, f->saturated);
    else if (q.lif) fixed_row(cur, mem, len, ch, q, 1, 0, 1, f->spiked, f->active, f->saturated);
    else fixed_row(cur, mem, len, ch, q, 1, 0, 0, f->spiked, f->active, f->saturated);
  } else {
    if (leaks) fixed_row(cur, mem, len, ch, q, 0, 1, 1, f->spiked, f->active, f->saturated);
    else if (q.lif) fixed_row(cur, mem, len, ch, q, 0, 0, 1, f->spiked, f->active, f->saturated);
    else fixed_row(cur, mem, len, ch, q, 0, 0, 0, f->spiked, f->active, f->saturated);
  }
}

// The fixed update of a tile (see LifFixed); counts receives [events, active, saturations].
MULTI_TARGET static void fixed_tile(const double *current, double *membrane, int32_t *outIdx, float *outVal, const int32_t *mult,
                                    const int32_t *shift, const int32_t *bias, const int32_t *g, const FixedNeuron *q, const int32_t *part,
                                    PendingTally *pendingActive, PendingTally *pendingSat, int32_t *counts) {
  const int32_t c0 = g[0], c1 = g[1], y0 = g[2], y1 = g[3], x0 = g[4], x1 = g[5], popH = g[6], popW = g[7], base = g[8], row = g[9];
  // Pieces of up to LIF_ROW consecutive neurons of a channel, rows after rows, as in lif_loop.
  const int32_t tw = x1 - x0, perChannel = (y1 - y0) * tw;
  const FixedNeuron qn = *q;
  RowFlags f;
  int32_t events = 0, active = 0, saturations = 0;
  size_t i = 0;
  int32_t *out = outIdx + base;
  for (int32_t c = c0; c < c1; c++) {
    const int32_t r = shift[c];
    const FixedChannel ch = {mult[row + c], r > 0 ? ldexp(1, r - 1) : 0, ldexp(1, -r), bias[row + c], r};
    for (int32_t j = 0; j < perChannel; j += LIF_ROW) {
      const int32_t len = perChannel - j < LIF_ROW ? perChannel - j : LIF_ROW;
      fixed_row_any(current + i, membrane + base + i, len, ch, qn, &f);
      events = spikes_out(out, events, f.spiked, len, j, c, y0, x0, tw, popH, popW);
      for (int32_t k = 0; k < len; k++) {
        active += f.active[k];
        saturations += f.saturated[k];
      }
      if (part) {
        tally_piece(part + i - j, c - c0, j, f.active, len, pendingActive);
        tally_piece(part + i - j, c - c0, j, f.saturated, len, pendingSat);
      }
      i += (size_t)len;
    }
  }
  if (part) {
    tally_flush(pendingActive);
    tally_flush(pendingSat);
  }
  for (int32_t e = 0; e < events; e++) outVal[base + e] = 1;
  counts[0] = events;
  counts[1] = active;
  counts[2] = saturations;
}

// lifFixed(current: Float64Array, membrane: Float64Array, outIdx: Int32Array, outVal: Float32Array, multiplier: Int32Array,
//          shift: Int32Array, bias: Int32Array, geometry: Int32Array [c0, c1, y0, y1, x0, x1, popH, popW, base, row, lif,
//          hard, decay], limits: Float64Array [min, max, theta, keep], part: Int32Array | null, tallyActive: Float64Array |
//          null, tallySaturations: Float64Array | null, counts: Int32Array [events, active, saturations],
//          planes: Int32Array | null): undefined
// neurons.ts updateFixed on one tile: row is the first entry of the step's multiplier/bias row (t'·C). With part, each
// neuron's activity and saturation are also added to its part's tally (part indexed tile-locally; planes as in lif).
static napi_value LifFixed(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  const int given = call_args(env, info, argv, 14);
  if (!given) {
    return type_error(env, "spikemesh_native.lifFixed: expects 14 arguments");
  }
  size_t nCur = 0, nMem = 0, nIdx = 0, nVal = 0, nMult = 0, nShift = 0, nBias = 0, nGeo = 0, nLim = 0, nCounts = 0;
  const double *current = typed_data(env, argv[0], napi_float64_array, &nCur);
  double *membrane = typed_data(env, argv[1], napi_float64_array, &nMem);
  int32_t *outIdx = typed_data(env, argv[2], napi_int32_array, &nIdx);
  float *outVal = typed_data(env, argv[3], napi_float32_array, &nVal);
  const int32_t *mult = typed_data(env, argv[4], napi_int32_array, &nMult);
  const int32_t *shift = typed_data(env, argv[5], napi_int32_array, &nShift);
  const int32_t *bias = typed_data(env, argv[6], napi_int32_array, &nBias);
  const int32_t *g = typed_data(env, argv[7], napi_int32_array, &nGeo);
  const double *lim = typed_data(env, argv[8], napi_float64_array, &nLim);
  int32_t *counts = typed_data(env, argv[12], napi_int32_array, &nCounts);
  if (!current || !membrane || !outIdx || !outVal || !mult || !shift || !bias || !g || nGeo < 13 || !lim || nLim < 4 || !counts || nCounts < 3) {
    return type_error(env, "spikemesh_native.lifFixed: bad arguments");
  }
  const int32_t c0 = g[0], c1 = g[1], row = g[9];
  const size_t n = (size_t)(c1 - c0) * (size_t)(g[3] - g[2]) * (size_t)(g[5] - g[4]);
  const size_t end = (size_t)g[8] + n;
  if (c0 < 0 || c1 < c0 || g[8] < 0 || row < 0 || n > nCur || end > nMem || end > nIdx || end > nVal || (size_t)c1 > nShift ||
      (size_t)row + (size_t)c1 > nMult || (size_t)row + (size_t)c1 > nBias) {
    return range_error(env, "spikemesh_native.lifFixed: arrays shorter than the tile");
  }
  int ok = 1;
  double *tallies[2];
  size_t limit = 0;
  const int32_t *part = tally_args(env, argv + 9, 2, n, tallies, &limit, &ok);
  const int32_t *planes = planes_arg(env, argv[13], c1 - c0, &ok);
  if (!ok) {
    return range_error(env, "spikemesh_native.lifFixed: bad tally (parts shorter than the tile, or planes than its channels)");
  }
  PendingTally pendingActive, pendingSat;
  const int32_t perChannel = (g[3] - g[2]) * (g[5] - g[4]);
  const int32_t width = g[5] - g[4];
  const int started = tally_start(&pendingActive, tallies[0], limit, perChannel, width, planes);
  if (!started || !tally_start(&pendingSat, tallies[1], limit, perChannel, width, planes)) {
    if (started) tally_end(&pendingActive);
    napi_throw_error(env, NULL, "spikemesh_native.lifFixed: out of memory");
    return NULL;
  }
  const FixedNeuron q = {lim[0], lim[1], lim[2], lim[3], g[12], g[10], g[11]};
  fixed_tile(current, membrane, outIdx, outVal, mult, shift, bias, g, &q, part, &pendingActive, &pendingSat, counts);
  tally_end(&pendingActive);
  tally_end(&pendingSat);
  return pendingActive.bad || pendingSat.bad ? range_error(env, "spikemesh_native.lifFixed: bad tally (a part outside the tally)") : NULL;
}

// alignment(view: typed array): number, the address of its data mod ALIGN. JavaScript cannot see addresses; simd.ts
// starts each blocked weight array at the offset into its buffer that puts it on an ALIGN-byte boundary (the buffers'
// backing stores stay where they are, and threads sharing a SharedArrayBuffer see it at the same address).
static napi_value Alignment(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  const int given = call_args(env, info, argv, 1);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_value r;
  if (!given || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      napi_create_int32(env, (int32_t)((uintptr_t)data % ALIGN), &r) != napi_ok) {
    return type_error(env, "spikemesh_native.alignment: expects a typed array");
  }
  return r;
}

// loads(packets: Int32Array, starts: Int32Array, entries: Int32Array, rows: Float64Array, scratch: BigInt64Array,
//       linkAt: Int32Array): undefined
// LinkAccumulator.countSteps's sums (src/engine/links.ts) for k steps at once. packets holds each step's packets per
// source (sources = starts.length − 1, one step after another): a source is a set of flows that carry the same packets
// (on a chip in layer blocks, the flows of one ops slot). Its routes are summed up in its entries, starts[s] …
// starts[s + 1] − 1 of them, each an (at, times) pair in `entries`: the source's packets, times `times`, go to sum `at`
// of a step — a grid position of the routes' runs (0 … positions, the last the spare: a difference array, + at a run's
// start, − past its end) or, past them, a port link (positions + 1 + link). The runs are then summed along the grid's
// positions onto link linkAt[q] (a position with no link, −1, takes nothing), the ports onto their links, into rows
// (k rows of rows / k links, added to). The steps of a source are added together (up to LOAD_STEPS at a time), so
// that each entry is read once for them all. The sums are integers, in scratch (which must be zero at the call and is
// left zeroed), exact while no sum's magnitude reaches 2^63. Every index is checked before it is used; an entry outside
// the sums or a source's entries outside `entries` is refused (RangeError), the rows of the chunks of LOAD_STEPS before
// the one it was found in keeping their sums.
#define LOAD_STEPS 32
#define LOAD_BLOCK 64

// The sources' part of load_steps: each source's packets of the k steps, times each entry's count, onto its sums;
// 0 at the first source whose entries leave `entries` or the sums, whatever it added to scratch left there. Inlined
// with k a constant 1 as well, so that a step alone keeps the plain loop of one sum per entry. The sums are of type T
// (unsigned: wrapping, read back as signed); bound[j] gets the sum of the entries' magnitudes times the packets' of
// step j, which no sum's magnitude exceeds (32-bit sums are exact while it stays below 2^31).
#define ADD_SOURCES(NAME, T)                                                                                                  \
  static inline __attribute__((always_inline)) int NAME(const int32_t *from, size_t sources, const int32_t *starts,          \
                                                        const int32_t *entries, size_t nEntries, size_t sums, T *sum,       \
                                                        size_t k, double *bound) {                                          \
    /* A block of sources' packets, step by step: each step's are read in one sequential run, not a step's stride apart. */ \
    int32_t block[LOAD_BLOCK * LOAD_STEPS];                                                                                   \
    for (size_t s = 0; s < sources; s++) {                                                                                    \
      const size_t inBlock = s % LOAD_BLOCK;                                                                                  \
      if (inBlock == 0) {                                                                                                     \
        const size_t m = sources - s < LOAD_BLOCK ? sources - s : LOAD_BLOCK;                                                 \
        for (size_t j = 0; j < k; j++)                                                                                        \
          for (size_t i = 0; i < m; i++) block[i * k + j] = from[j * sources + s + i];                                        \
      }                                                                                                                       \
      const int32_t e0 = starts[s], e1 = starts[s + 1];                                                                       \
      if (e0 < 0 || e1 < e0 || (size_t)e1 > nEntries) return 0;                                                               \
      const int32_t *n = block + inBlock * k;                                                                                 \
      double weight = 0;                                                                                                      \
      for (int32_t e = e0; e < e1; e++) {                                                                                     \
        const int32_t at = entries[2 * (size_t)e], times = entries[2 * (size_t)e + 1];                                        \
        if ((size_t)(uint32_t)at >= sums) return 0;                                                                           \
        T *d = sum + (size_t)at * k;                                                                                          \
        const T w = (T)(int64_t)times;                                                                                        \
        for (size_t j = 0; j < k; j++) d[j] += w * (T)(int64_t)n[j];                                                          \
        weight += fabs((double)times);                                                                                        \
      }                                                                                                                       \
      for (size_t j = 0; j < k; j++) bound[j] += weight * fabs((double)n[j]);                                                 \
    }                                                                                                                         \
    return 1;                                                                                                                 \
  }

ADD_SOURCES(add_sources, uint64_t)
ADD_SOURCES(add_sources32, uint32_t)

// The positions' and ports' part of load_steps: the runs summed along the positions onto their links, and the ports,
// into rows (k steps side by side in diff and port, of type T, read as S), leaving them zeroed.
#define SUM_LOADS(NAME, T, S)                                                                                                 \
  static inline __attribute__((always_inline)) void NAME(T *diff, T *port, double *row, size_t stride, const int32_t *linkAt,   \
                                                         size_t nLinkAt, size_t k) {                                          \
    T run[LOAD_STEPS] = {0};                                                                                                  \
    for (size_t q = 0; q < nLinkAt; q++) {                                                                                    \
      T *d = diff + q * k;                                                                                                    \
      for (size_t j = 0; j < k; j++) run[j] += d[j], d[j] = 0;                                                                \
      const int32_t l = linkAt[q];                                                                                            \
      if (l >= 0)                                                                                                             \
        for (size_t j = 0; j < k; j++)                                                                                        \
          if (run[j] != 0) row[j * stride + (size_t)l] += (double)(S)run[j];                                                  \
    }                                                                                                                         \
    for (size_t j = 0; j < k; j++) diff[nLinkAt * k + j] = 0;                                                                 \
    for (size_t l = 0; l < stride; l++) {                                                                                     \
      T *p = port + l * k;                                                                                                    \
      for (size_t j = 0; j < k; j++)                                                                                          \
        if (p[j] != 0) row[j * stride + l] += (double)(S)p[j], p[j] = 0;                                                      \
    }                                                                                                                         \
  }

SUM_LOADS(sum_loads, uint64_t, int64_t)
SUM_LOADS(sum_loads32, uint32_t, int32_t)

// Steps t0 … t0 + k − 1 (k ≤ LOAD_STEPS) of Loads: per position, then per link, the k steps side by side in scratch,
// so that an entry's addition is k consecutive sums; 0 (scratch zeroed, rows untouched) where an entry leaves the sums
// or `entries`. The sums are 32-bit where the bound of every step's stays below 2^31 (half the bytes of scratch each
// addition touches: scattered over it, they had waited on its cache lines), else 64-bit: the 32-bit pass is counted
// first and redone where a step's bound turns out to be more.
MULTI_TARGET static int load_steps(const int32_t *packets, size_t sources, const int32_t *starts, const int32_t *entries,
                                   size_t nEntries, double *rows, size_t stride, int64_t *scratch, const int32_t *linkAt,
                                   size_t nLinkAt, size_t t0, size_t k) {
  const int32_t *from = packets + t0 * sources;
  double *row = rows + t0 * stride;
  const size_t sums = nLinkAt + 1 + stride;
  double bound[LOAD_STEPS] = {0};
  uint32_t *sum32 = (uint32_t *)scratch;
  const int ok32 = k == 1 ? add_sources32(from, sources, starts, entries, nEntries, sums, sum32, 1, bound)
                          : add_sources32(from, sources, starts, entries, nEntries, sums, sum32, k, bound);
  int small = 1;
  for (size_t j = 0; j < k; j++) small &= bound[j] <= INT32_MAX;
  if (ok32 && small) {
    sum_loads32(sum32, sum32 + (nLinkAt + 1) * k, row, stride, linkAt, nLinkAt, k);
    return 1;
  }
  memset(scratch, 0, sizeof(uint32_t) * sums * k);
  if (!ok32) return 0;
  uint64_t *sum = (uint64_t *)scratch;
  for (size_t j = 0; j < k; j++) bound[j] = 0;
  const int ok = k == 1 ? add_sources(from, sources, starts, entries, nEntries, sums, sum, 1, bound)
                        : add_sources(from, sources, starts, entries, nEntries, sums, sum, k, bound);
  if (!ok) {
    memset(scratch, 0, sizeof(uint64_t) * sums * k);
    return 0;
  }
  sum_loads(sum, sum + (nLinkAt + 1) * k, row, stride, linkAt, nLinkAt, k);
  return 1;
}

// A call of loads or loadsAsync: its typed arrays (packets, starts, entries, rows, scratch, linkAt) and their shape.
#define LOADS_ARGS 6
typedef struct {
  Typed t[LOADS_ARGS];
  size_t sources, nEntries, nLinkAt, steps, stride;
} LoadsCall;

static const char LOADS_SHAPE[] = "spikemesh_native.loads: no sources, entries not in pairs, packets or rows not whole steps, "
                                  "or scratch too short";
static const char LOADS_OUTSIDE[] = "spikemesh_native.loads: an index outside the entries, the links or the grid's positions";

// The arguments' shape into c; whether they fit together (the entries' indices are checked where they are read).
static int loads_shape(LoadsCall *c) {
  const Typed *t = c->t;
  if (t[1].n < 1 || t[2].n % 2 != 0) return 0;
  c->sources = t[1].n - 1;
  c->nEntries = t[2].n / 2;
  c->nLinkAt = t[5].n;
  c->steps = c->sources > 0 ? t[0].n / c->sources : 0;
  c->stride = c->steps > 0 ? t[3].n / c->steps : 0;
  const size_t chunk = c->steps < LOAD_STEPS ? c->steps : LOAD_STEPS;
  return !((c->sources > 0 && t[0].n % c->sources != 0) || (c->steps > 0 && t[3].n % c->steps != 0) ||
           t[4].n < (c->nLinkAt + 1 + c->stride) * chunk);
}

// Every step's sums, LOAD_STEPS at a time; 0 where a link, an entry or a source's entries lie outside (see
// load_steps). Reads no JS value: loadsAsync runs it on a thread of libuv's pool.
static int loads_run(const LoadsCall *c) {
  const Typed *t = c->t;
  const int32_t *linkAt = I32(5);
  for (size_t q = 0; q < c->nLinkAt; q++)
    if (linkAt[q] >= 0 && (size_t)linkAt[q] >= c->stride) return 0;
  for (size_t t0 = 0; t0 < c->steps; t0 += LOAD_STEPS)
    if (!load_steps(I32(0), c->sources, I32(1), I32(2), c->nEntries, F64(3), c->stride, (int64_t *)t[4].p, linkAt, c->nLinkAt,
                    t0, c->steps - t0 < LOAD_STEPS ? c->steps - t0 : LOAD_STEPS))
      return 0;
  return 1;
}

static const napi_typedarray_type LOADS_TYPES[LOADS_ARGS] = {napi_int32_array,   napi_int32_array,    napi_int32_array,
                                                             napi_float64_array, napi_bigint64_array, napi_int32_array};

static napi_value Loads(napi_env env, napi_callback_info info) {
  LoadsCall c;
  if (!typed_args(env, info, LOADS_TYPES, LOADS_ARGS, c.t)) return type_error(env, "spikemesh_native.loads: bad arguments");
  if (!loads_shape(&c)) return range_error(env, LOADS_SHAPE);
  return loads_run(&c) ? NULL : range_error(env, LOADS_OUTSIDE);
}

// loadsAsync's work in flight: the call, a reference to each array (kept alive until it is done), its promise.
typedef struct {
  LoadsCall call;
  napi_ref refs[LOADS_ARGS];
  napi_deferred deferred;
  napi_async_work work;
  int ok;
} LoadsJob;

static void loads_execute(napi_env env, void *data) {
  (void)env;
  LoadsJob *job = data;
  job->ok = loads_run(&job->call);
}

static void loads_complete(napi_env env, napi_status status, void *data) {
  LoadsJob *job = data;
  napi_value value;
  if (status == napi_ok && job->ok) {
    napi_get_undefined(env, &value);
    napi_resolve_deferred(env, job->deferred, value);
  } else {
    napi_value message;
    napi_create_string_utf8(env, status == napi_ok ? LOADS_OUTSIDE : "spikemesh_native.loadsAsync: cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_range_error(env, NULL, message, &value);
    napi_reject_deferred(env, job->deferred, value);
  }
  for (int a = 0; a < LOADS_ARGS; a++) napi_delete_reference(env, job->refs[a]);
  napi_delete_async_work(env, job->work);
  free(job);
}

// loadsAsync(packets, starts, entries, rows, scratch, linkAt): Promise<undefined> — loads on a thread of libuv's pool,
// so that the coordinator does other work meanwhile; the caller must leave the six arrays alone until it settles. Bad
// arguments throw at the call, as loads does; an index outside the entries, the links or the positions rejects
// (RangeError).
static napi_value LoadsAsync(napi_env env, napi_callback_info info) {
  napi_value argv[LOADS_ARGS], promise, name;
  LoadsJob *job = calloc(1, sizeof(LoadsJob));
  if (!job) return range_error(env, "spikemesh_native.loadsAsync: out of memory");
  if (!call_args(env, info, argv, LOADS_ARGS) || !typed_args(env, info, LOADS_TYPES, LOADS_ARGS, job->call.t)) {
    free(job);
    return type_error(env, "spikemesh_native.loads: bad arguments");
  }
  if (!loads_shape(&job->call)) {
    free(job);
    return range_error(env, LOADS_SHAPE);
  }
  for (int a = 0; a < LOADS_ARGS; a++) napi_create_reference(env, argv[a], 1, &job->refs[a]);
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "spikemesh_native.loadsAsync", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, loads_execute, loads_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok)
    napi_fatal_error("spikemesh_native.loadsAsync", NAPI_AUTO_LENGTH, "could not queue the work", NAPI_AUTO_LENGTH);
  return promise;
}

// zeroAsync's arrays at most, and the pieces each is cut into (one per thread of libuv's pool it may take).
#define ZERO_ARRAYS 16
#define ZERO_PIECES 2

// A zeroAsync call in flight: its pieces not yet done, its promise, a reference to each array (kept alive until done).
typedef struct {
  int pending;
  int arrays;
  napi_deferred deferred;
  napi_ref refs[ZERO_ARRAYS];
} ZeroJob;

typedef struct {
  ZeroJob *job;
  uint8_t *p;
  size_t bytes;
  napi_async_work work;
} ZeroPiece;

static void zero_execute(napi_env env, void *data) {
  (void)env;
  ZeroPiece *piece = data;
  memset(piece->p, 0, piece->bytes);
}

// One hold on the job dropped (a piece done, or the call's own); the last one releases the arrays and settles it.
static void zero_release(napi_env env, ZeroJob *job) {
  if (--job->pending > 0) return;
  for (int a = 0; a < job->arrays; a++) napi_delete_reference(env, job->refs[a]);
  napi_value value;
  napi_get_undefined(env, &value);
  napi_resolve_deferred(env, job->deferred, value);
  free(job);
}

static void zero_complete(napi_env env, napi_status status, void *data) {
  ZeroPiece *piece = data;
  ZeroJob *job = piece->job;
  (void)status; // memset cannot fail; a cancelled piece cannot happen (nothing cancels them)
  napi_delete_async_work(env, piece->work);
  free(piece);
  zero_release(env, job);
}

static size_t element_bytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    default: return 8;
  }
}

// zeroAsync(...arrays): Promise<undefined> — every element of up to ZERO_ARRAYS typed arrays set to zero on threads of
// libuv's pool, each array in ZERO_PIECES pieces side by side (an engine's state reset: a SharedArrayBuffer's
// TypedArray.fill stores element by element, on one thread). The caller leaves the arrays alone until it settles.
static napi_value ZeroAsync(napi_env env, napi_callback_info info) {
  napi_value argv[ZERO_ARRAYS], promise, name;
  size_t argc = ZERO_ARRAYS;
  void *data[ZERO_ARRAYS];
  size_t bytes[ZERO_ARRAYS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc > ZERO_ARRAYS)
    return type_error(env, "spikemesh_native.zeroAsync: expects at most 16 typed arrays");
  for (size_t a = 0; a < argc; a++) {
    napi_typedarray_type type;
    size_t length;
    if (napi_get_typedarray_info(env, argv[a], &type, &length, &data[a], NULL, NULL) != napi_ok)
      return type_error(env, "spikemesh_native.zeroAsync: expects typed arrays");
    bytes[a] = length * element_bytes(type);
  }
  ZeroJob *job = calloc(1, sizeof(ZeroJob));
  if (!job) return range_error(env, "spikemesh_native.zeroAsync: out of memory");
  job->arrays = (int)argc;
  job->pending = 1; // the call's own hold, dropped below once every piece is queued
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "spikemesh_native.zeroAsync", NAPI_AUTO_LENGTH, &name);
  for (size_t a = 0; a < argc; a++) {
    napi_create_reference(env, argv[a], 1, &job->refs[a]);
    // Pieces of whole cache lines but the last.
    const size_t step = bytes[a] < 64 * ZERO_PIECES ? 64 : ((bytes[a] / ZERO_PIECES + 63) / 64) * 64;
    for (size_t at = 0; at < bytes[a]; at += step) {
      ZeroPiece *piece = calloc(1, sizeof(ZeroPiece));
      if (!piece) napi_fatal_error("spikemesh_native.zeroAsync", NAPI_AUTO_LENGTH, "out of memory", NAPI_AUTO_LENGTH);
      piece->job = job;
      piece->p = (uint8_t *)data[a] + at;
      piece->bytes = bytes[a] - at < step ? bytes[a] - at : step;
      job->pending++;
      if (napi_create_async_work(env, NULL, name, zero_execute, zero_complete, piece, &piece->work) != napi_ok ||
          napi_queue_async_work(env, piece->work) != napi_ok)
        napi_fatal_error("spikemesh_native.zeroAsync", NAPI_AUTO_LENGTH, "could not queue the work", NAPI_AUTO_LENGTH);
    }
  }
  // No piece has completed yet (their completions run on this thread, later): drop the call's hold.
  zero_release(env, job);
  return promise;
}

// direct(order: Int32Array, inStart: Int32Array, src: Int32Array, latencyNs: Float64Array, computeNs: Float64Array,
//        readyNs: Float64Array, doneNs: Float64Array, base, same (0/1), ends: Float64Array, scratch: Float64Array): undefined
// StepTimeline.direct (src/engine/timing.ts) for k = ends.length steps at once, without its event count, the same
// maxima in the same order: cores in `order`, each ready at its last counted delivery (a host flow, src −1: its
// latency; same-step, a core's: its source's done time plus its latency), done after its compute time (step j's at
// computeNs[j · cores + c]; times at base + j · cores + c); ends[j] the step's latest completion (not pipelined) or
// delivery. The steps of a flow are taken together (up to DIRECT_STEPS at a time, the done times side by side in
// scratch, cores × min(k, DIRECT_STEPS)), so each flow is read once for them all.
#define DIRECT_STEPS 32
static inline __attribute__((always_inline)) int direct_body(const int32_t *order, size_t cores, const int32_t *inStart, const int32_t *src,
                                                             size_t flows, const double *latency, const double *compute, double *ready,
                                                             double *done, size_t base, int same, double *ends, double *doneT, size_t k) {
  for (size_t j = 0; j < k; j++) ends[j] = 0;
  for (size_t i = 0; i < cores; i++) {
    const int32_t c = order[i];
    double r[DIRECT_STEPS];
    for (size_t j = 0; j < k; j++) r[j] = 0;
    // One step's maximum in a register: in the array, each flow's compare would wait for the last one's store.
    double r0 = 0;
    for (int32_t f = inStart[c]; f < inStart[c + 1]; f++) {
      const int32_t s = src[f];
      const double l = latency[f];
      if (s == -1) {
        if (k == 1) r0 = l > r0 ? l : r0;
        else
          for (size_t j = 0; j < k; j++) r[j] = l > r[j] ? l : r[j];
      } else if (same) {
        if ((size_t)(uint32_t)s >= cores) return 0;
        const double *d = doneT + (size_t)s * k;
        if (k == 1) r0 = d[0] + l > r0 ? d[0] + l : r0;
        else
          for (size_t j = 0; j < k; j++) {
            const double at = d[j] + l;
            r[j] = at > r[j] ? at : r[j];
          }
      }
    }
    if (k == 1) r[0] = r0;
    double *d = doneT + (size_t)c * k;
    for (size_t j = 0; j < k; j++) {
      const size_t at = base + j * cores + (size_t)c;
      d[j] = r[j] + compute[j * cores + (size_t)c];
      ready[at] = r[j];
      done[at] = d[j];
      ends[j] = d[j] > ends[j] ? d[j] : ends[j];
    }
  }
  if (!same)
    for (size_t f = 0; f < flows; f++) {
      const int32_t s = src[f];
      if (s == -1) continue;
      if ((size_t)(uint32_t)s >= cores) return 0;
      const double *d = doneT + (size_t)s * k;
      for (size_t j = 0; j < k; j++) {
        const double at = d[j] + latency[f];
        ends[j] = at > ends[j] ? at : ends[j];
      }
    }
  return 1;
}

// direct_body for k ≤ DIRECT_STEPS steps; with k a constant 1 for a step alone, whose loops over the steps then go.
MULTI_TARGET static int direct_steps(const int32_t *order, size_t cores, const int32_t *inStart, const int32_t *src, size_t flows,
                                     const double *latency, const double *compute, double *ready, double *done, size_t base, int same,
                                     double *ends, double *doneT, size_t k) {
  if (k == 1) return direct_body(order, cores, inStart, src, flows, latency, compute, ready, done, base, same, ends, doneT, 1);
  return direct_body(order, cores, inStart, src, flows, latency, compute, ready, done, base, same, ends, doneT, k);
}

static napi_value Direct(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  const int given = call_args(env, info, argv, 11);
  size_t cores = 0, nIn = 0, flows = 0, nLat = 0, nCompute = 0, nReady = 0, nDone = 0, steps = 0, nScratch = 0;
  int32_t base = 0, same = 0;
  int32_t *order = NULL, *inStart = NULL, *src = NULL;
  double *latency = NULL, *compute = NULL, *ready = NULL, *done = NULL, *ends = NULL, *scratch = NULL;
  if (!given || !typed_arg(env, argv[0], napi_int32_array, (void **)&order, &cores) ||
      !typed_arg(env, argv[1], napi_int32_array, (void **)&inStart, &nIn) || !typed_arg(env, argv[2], napi_int32_array, (void **)&src, &flows) ||
      !typed_arg(env, argv[3], napi_float64_array, (void **)&latency, &nLat) ||
      !typed_arg(env, argv[4], napi_float64_array, (void **)&compute, &nCompute) ||
      !typed_arg(env, argv[5], napi_float64_array, (void **)&ready, &nReady) ||
      !typed_arg(env, argv[6], napi_float64_array, (void **)&done, &nDone) || !arg_i32(env, argv[7], &base) || !arg_i32(env, argv[8], &same) ||
      !typed_arg(env, argv[9], napi_float64_array, (void **)&ends, &steps) || !typed_arg(env, argv[10], napi_float64_array, (void **)&scratch, &nScratch)) {
    return type_error(env, "spikemesh_native.direct: bad arguments");
  }
  // Step j's core c: compute at j · cores + c, times at base + j · cores + c; its flows inStart[c] .. inStart[c + 1] − 1.
  const size_t chunk = steps < DIRECT_STEPS ? steps : DIRECT_STEPS;
  if (nIn != cores + 1 || nLat != flows || nCompute != steps * cores || base < 0 || nReady != nDone || (size_t)base > nReady ||
      steps * cores > nReady - (size_t)base || nScratch < cores * chunk || !values_within(order, cores, cores) ||
      !values_within(inStart, nIn, flows + 1) || !ascending(inStart, (int32_t)cores)) {
    return range_error(env, "spikemesh_native.direct: core or flow tables outside their ranges");
  }
  for (size_t t0 = 0; t0 < steps; t0 += DIRECT_STEPS) {
    const size_t k = steps - t0 < DIRECT_STEPS ? steps - t0 : DIRECT_STEPS;
    if (!direct_steps(order, cores, inStart, src, flows, latency, compute + t0 * cores, ready, done, (size_t)base + t0 * cores, same,
                      ends + t0, scratch, k))
      return range_error(env, "spikemesh_native.direct: a flow's source outside the cores");
  }
  return NULL;
}

// prepare(linkPackets: Float64Array, packetNs: Float64Array, linkAt: Int32Array, busy: Float64Array, argmax: Int32Array,
//         levels, distinct: Int32Array, lineNs: Float64Array, step: Float64Array): undefined
// RunModel.prepare's loops (src/engine/links.ts), the same compares and subtractions: each grid position's busy time
// (its link's packets × packet time, −1 with no link), a sparse table of the busiest position of [p, p + 2^j) (the
// lowest of equals), and per distinct run (lo, hi, down) its busiest position's link record (5 numbers a record; an
// int32 in the second float64 of the run's 16 bytes in `step`) and the head latency from the run's start to it (the
// first float64).
static napi_value Prepare(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  const int given = call_args(env, info, argv, 9);
  size_t links = 0, nTau = 0, positions = 0, nBusy = 0, nArgmax = 0, nDistinct = 0, nLine = 0, nStep = 0;
  int32_t levels = 0;
  double *packets = NULL, *tau = NULL, *busy = NULL, *lineNs = NULL, *step = NULL;
  int32_t *linkAt = NULL, *argmax = NULL, *distinct = NULL;
  if (!given || !typed_arg(env, argv[0], napi_float64_array, (void **)&packets, &links) ||
      !typed_arg(env, argv[1], napi_float64_array, (void **)&tau, &nTau) || !typed_arg(env, argv[2], napi_int32_array, (void **)&linkAt, &positions) ||
      !typed_arg(env, argv[3], napi_float64_array, (void **)&busy, &nBusy) || !typed_arg(env, argv[4], napi_int32_array, (void **)&argmax, &nArgmax) ||
      !arg_i32(env, argv[5], &levels) || !typed_arg(env, argv[6], napi_int32_array, (void **)&distinct, &nDistinct) ||
      !typed_arg(env, argv[7], napi_float64_array, (void **)&lineNs, &nLine) || !typed_arg(env, argv[8], napi_float64_array, (void **)&step, &nStep)) {
    return type_error(env, "spikemesh_native.prepare: bad arguments");
  }
  const size_t runs = nDistinct / 3;
  if (nTau < links || nBusy != positions || levels < 1 || levels > 31 || nArgmax < (size_t)levels * positions || nDistinct % 3 != 0 ||
      nLine != positions + 1 || nStep < 2 * runs) {
    return range_error(env, "spikemesh_native.prepare: tables of mismatched sizes");
  }
  for (size_t p = 0; p < positions; p++) {
    const int32_t l = linkAt[p];
    if (l < -1 || (l >= 0 && (size_t)l >= links)) {
      return range_error(env, "spikemesh_native.prepare: a position's link outside the links");
    }
    busy[p] = l < 0 ? -1 : packets[l] * tau[l];
    argmax[p] = (int32_t)p;
  }
  for (int32_t j = 1, half = 1; j < levels; j++, half *= 2) {
    const int32_t *from = argmax + (size_t)(j - 1) * positions;
    int32_t *to = argmax + (size_t)j * positions;
    for (size_t p = 0; p + 2 * (size_t)half <= positions; p++) {
      const int32_t a = from[p], b = from[p + half];
      to[p] = busy[b] > busy[a] ? b : a;
    }
  }
  for (size_t r = 0; r < runs; r++) {
    const int32_t lo = distinct[3 * r], hi = distinct[3 * r + 1], down = distinct[3 * r + 2];
    if (lo < 0 || hi <= lo || (size_t)hi > positions || (down != 0 && down != 1)) goto malformed;
    const int32_t j = 31 - __builtin_clz((uint32_t)(hi - lo));
    if (j >= levels) goto malformed;
    const int32_t *level = argmax + (size_t)j * positions;
    const int32_t a = level[lo], b = level[hi - (1 << j)];
    const int32_t p = busy[b] > busy[a] ? b : a;
    const int32_t record = 5 * p;
    memcpy(step + 2 * r + 1, &record, sizeof record);
    step[2 * r] = lineNs[p + (hi - p) * down] - lineNs[lo + (p + 1 - lo) * down];
  }
  return NULL;
malformed:
  return range_error(env, "spikemesh_native.prepare: a distinct run outside the positions or the table's levels");
}

// The scalars of count (see Count), in its `call` argument.
enum {
  CALL_EV_AT, // the block's first event in evIdx/evVal
  CALL_EV_COUNT,
  CALL_H, // the layer's rows and columns
  CALL_W,
  CALL_GW, // its mapped tile grid's columns and channel tiles
  CALL_GC,
  CALL_FIRST, // its first mapped tile
  CALL_FILL, // 1: fill the mapped cores' outboxes
  CALL_STEP,
  CALL_PARITIES, // the state's flow slots (state.ts SharedState.parities)
  CALL_WRITE_PARITY, // the flow slot this step writes, and reads the host's flows from (state.ts writeParity)
  CALL_READ_PARITY, // the flow slot it reads its other sources' flows from (state.ts readParity)
  CALL_FLOWS, // the mapped chip's flows
  CALL_OPS_SLOTS, // the ops slots of one parity's segCount and segOps (state.ts SharedState.opsSlots)
  CALL_CORES, // the mapped chip's cores (a counter row's cores)
  CALL_STRIDE, // counters per (step, core): COUNTER_COUNT
  CALL_SPIKES, // where each counter lies in a core's counters (counters.ts COUNTER)
  CALL_ACS,
  CALL_MACS,
  CALL_PACKETS_IN,
  CALL_PACKETS_OUT,
  CALL_HOPS_EW,
  CALL_HOPS_NS,
  CALL_HOPS_CHIP,
  CALL_SIZE
};

// A mapped core's record in `coreInfo`: its tile, its channel tile, its first neuron, its spatial cell (y0 · W + x0)
// and its inputs' and send plans' ranges.
enum { CORE_Y0, CORE_Y1, CORE_X0, CORE_X1, CORE_KC, CORE_OFFSET, CORE_CELL, CORE_IN_LO, CORE_IN_HI, CORE_PLAN_LO, CORE_PLAN_HI, CORE_SIZE };
// An input's record: its flows [lo, hi), whether its projection's channels all reach alike, whether it is graded,
// whether it comes from the host (read with the write parity), and its ops' scale (blocks.ts Sends.opsScale).
enum { IN_FLOW_LO, IN_FLOW_HI, IN_UNIFORM, IN_GRADED, IN_HOST, IN_SCALE, IN_SIZE };
// A send plan's record (blocks.ts SendPlan, uniform): the box's first row and column tiles and its columns of tiles,
// the source layer's width, where its row and column fans start in fanStart, and its cells [lo, hi) in cellStart.
enum { PLAN_I_LO, PLAN_J_LO, PLAN_NJ, PLAN_W, PLAN_ROWS, PLAN_COLS, PLAN_CELL_LO, PLAN_CELL_HI, PLAN_SIZE };

// count's typed-array arguments, in order, and their types.
enum {
  A_CALL, A_EV_IDX, A_EV_VAL, A_ROWS, A_COLS, A_CHANS, A_BLOCK_CORES, A_CORE_INFO, A_INPUTS, A_PLANS, A_FAN_START, A_FAN_TILES,
  A_FAN_REACH, A_CELL_START, A_CELL_SLOT, A_CELL_HOPS, A_OPS_SLOT, A_SEG_COUNT, A_SEG_OPS, A_COUNTERS,
  A_OUT_IDX, A_OUT_VAL, A_OUT_COUNT, A_PIXELS, A_TOUCHED, A_COUNTS, A_SPATIAL_COUNT, A_SPATIAL_OPS, A_HEARD, A_COUNT
};
static const napi_typedarray_type COUNT_TYPES[A_COUNT] = {
  napi_int32_array, napi_int32_array, napi_float32_array, napi_int32_array, napi_int32_array, napi_int32_array,
  napi_int32_array, napi_int32_array, napi_int32_array, napi_int32_array, napi_int32_array, napi_int32_array,
  napi_int32_array, napi_int32_array, napi_int32_array, napi_float64_array, napi_int32_array,
  napi_int32_array, napi_float64_array, napi_float64_array, napi_int32_array, napi_float32_array,
  napi_int32_array, napi_int32_array, napi_int32_array, napi_int32_array, napi_int32_array, napi_float64_array,
  napi_float64_array,
};

// Box rows that count_plan_column sums at once (stack arrays); a plan whose box has more takes the pixel by pixel path.
#define PLAN_ROWS_AT_ONCE 64

// count_plan's cells for a core whose tile is one column wide (most of the paper's Loihi layers): every touched pixel
// shares its column's fan, so each pixel's count and ops go through its row's fan into sums per box row first, then
// those through the column's fan into the cells, once a plan; pixel by pixel, each pixel had been added to every cell
// it reaches, chains of dependent additions through memory (adjacent pixels reach the same cells), a fifth of the
// packet counts' time. Packets and ops are integers (blocks.ts), so the sums are the same in this order. rowCount and
// rowOps: PLAN_ROWS_AT_ONCE zeros each, left zero. Returns 0 where an index lies outside its array.
static int count_plan_column(const Typed *t, const int32_t *plan, int32_t nt, size_t nCells, uint32_t *rowCount, double *rowOps) {
  const int32_t *fanStart = I32(A_FAN_START), *fanTiles = I32(A_FAN_TILES), *fanReach = I32(A_FAN_REACH);
  const int32_t *touched = I32(A_TOUCHED), *counts = I32(A_COUNTS);
  int32_t *spatialCount = I32(A_SPATIAL_COUNT);
  double *spatialOps = F64(A_SPATIAL_OPS);
  const int32_t iLo = plan[PLAN_I_LO], jLo = plan[PLAN_J_LO], nj = plan[PLAN_NJ], W = plan[PLAN_W];
  const int64_t boxRows = (int64_t)nCells / nj;
  const Divisor w = divisor_of(W);
  int32_t iMin = PLAN_ROWS_AT_ONCE, iMax = -1;
  for (int32_t k = 0; k < nt; k++) {
    if (touched[k] < 0) return 0;
    const size_t ry = (size_t)plan[PLAN_ROWS] + (size_t)divide(touched[k], w);
    if (ry + 1 >= t[A_FAN_START].n) return 0;
    const uint32_t cnt = (uint32_t)counts[k];
    for (int32_t a = fanStart[ry], a1 = fanStart[ry + 1]; a < a1; a++) {
      if (!IN(A_FAN_TILES, a)) return 0;
      const int64_t i = (int64_t)fanTiles[a] - iLo;
      if (i < 0 || i >= boxRows) return 0;
      rowCount[i] += cnt;
      rowOps[i] += (double)(int32_t)cnt * fanReach[a];
      iMin = i < iMin ? (int32_t)i : iMin;
      iMax = i > iMax ? (int32_t)i : iMax;
    }
  }
  if (iMax < iMin) return 1;
  const size_t cx = (size_t)plan[PLAN_COLS] + (size_t)(touched[0] % W);
  if (cx + 1 >= t[A_FAN_START].n) return 0;
  const int32_t b0 = fanStart[cx], b1 = fanStart[cx + 1];
  if (b0 < 0 || (b1 > b0 && !IN(A_FAN_TILES, b1 - 1))) return 0;
  for (int32_t i = iMin; i <= iMax; i++) {
    const uint32_t cnt = rowCount[i];
    const double ops = rowOps[i];
    rowCount[i] = 0;
    rowOps[i] = 0;
    for (int32_t b = b0; b < b1; b++) {
      const int64_t j = (int64_t)fanTiles[b] - jLo;
      if (j < 0 || j >= nj) return 0;
      const size_t ij = (size_t)i * (size_t)nj + (size_t)j;
      spatialCount[ij] = (int32_t)((uint32_t)spatialCount[ij] + cnt);
      spatialOps[ij] += ops * fanReach[b];
    }
  }
  return 1;
}

// count_plan's cells pixel by pixel: each touched pixel's count and ops onto every cell its row and column fans reach.
// Returns 0 where an index lies outside its array.
static int count_plan_pixels(const Typed *t, const int32_t *plan, int32_t nt, size_t nCells) {
  const int32_t *fanStart = I32(A_FAN_START), *fanTiles = I32(A_FAN_TILES), *fanReach = I32(A_FAN_REACH);
  const int32_t *touched = I32(A_TOUCHED), *counts = I32(A_COUNTS);
  int32_t *spatialCount = I32(A_SPATIAL_COUNT);
  double *spatialOps = F64(A_SPATIAL_OPS);
  const int32_t iLo = plan[PLAN_I_LO], jLo = plan[PLAN_J_LO], nj = plan[PLAN_NJ], W = plan[PLAN_W];
  for (int32_t k = 0; k < nt; k++) {
    const int32_t p = touched[k], cnt = counts[k];
    if (p < 0) return 0;
    const int32_t x = p % W, y = p / W;
    const size_t ry = (size_t)plan[PLAN_ROWS] + (size_t)y, cx = (size_t)plan[PLAN_COLS] + (size_t)x;
    if (ry + 1 >= t[A_FAN_START].n || cx + 1 >= t[A_FAN_START].n) return 0;
    const int32_t a1 = fanStart[ry + 1], b0 = fanStart[cx], b1 = fanStart[cx + 1];
    if (b0 < 0 || (b1 > b0 && !IN(A_FAN_TILES, b1 - 1))) return 0;
    for (int32_t a = fanStart[ry]; a < a1; a++) {
      if (!IN(A_FAN_TILES, a)) return 0;
      const int64_t ib = ((int64_t)fanTiles[a] - iLo) * nj - jLo;
      const double ra = (double)cnt * fanReach[a];
      for (int32_t b = b0; b < b1; b++) {
        const int64_t ij = ib + fanTiles[b];
        if (ij < 0 || (uint64_t)ij >= nCells) return 0;
        spatialCount[ij] = (int32_t)((uint32_t)spatialCount[ij] + (uint32_t)cnt);
        spatialOps[ij] += ra * fanReach[b];
      }
    }
  }
  return 1;
}

// The mapped chip's packets of one uniform send plan from the source's touched pixels (blocks.ts countCells, then
// writeCells): per spatial cell of its box the packets and their ops, then each cell's into its ops slot at opsBase
// (every flow of the cell carries them). oneColumn: the core's tile is one column wide (count_plan_column, with rowCount and rowOps its
// zeroed sums). Returns 0 where an index lies outside its array.
static int count_plan(const Typed *t, const int32_t *plan, int32_t nt, size_t opsBase, double *out, int oneColumn,
                      uint32_t *rowCount, double *rowOps) {
  const int32_t *cellStart = I32(A_CELL_START);
  int32_t *spatialCount = I32(A_SPATIAL_COUNT), *segCount = I32(A_SEG_COUNT);
  double *spatialOps = F64(A_SPATIAL_OPS), *segOps = F64(A_SEG_OPS);
  const int32_t nj = plan[PLAN_NJ], W = plan[PLAN_W];
  const int32_t rowsAt = plan[PLAN_ROWS], colsAt = plan[PLAN_COLS], cellLo = plan[PLAN_CELL_LO], cellHi = plan[PLAN_CELL_HI];
  if (W <= 0 || rowsAt < 0 || colsAt < 0 || cellLo < 0 || cellHi < cellLo || !IN(A_CELL_START, cellHi)) return 0;
  const size_t nCells = (size_t)(cellHi - cellLo);
  if (nCells > t[A_SPATIAL_COUNT].n || nCells > t[A_SPATIAL_OPS].n) return 0;
  const int byRows = oneColumn && nj > 0 && (int64_t)nCells <= (int64_t)nj * PLAN_ROWS_AT_ONCE;
  if (!(byRows ? count_plan_column(t, plan, nt, nCells, rowCount, rowOps) : count_plan_pixels(t, plan, nt, nCells))) return 0;
  const int32_t *slot = I32(A_CELL_SLOT);
  const double *hops = F64(A_CELL_HOPS);
  for (size_t ij = 0; ij < nCells; ij++) {
    const size_t cell = (size_t)cellLo + ij;
    const int32_t q0 = cellStart[cell], q1 = cellStart[cell + 1];
    if (q0 == q1) continue;
    if (q0 < 0 || q1 < q0 || !IN(A_CELL_SLOT, cell) || 3 * cell + 2 >= t[A_CELL_HOPS].n) return 0;
    const int32_t cnt = spatialCount[ij];
    const double o = spatialOps[ij];
    spatialCount[ij] = 0;
    spatialOps[ij] = 0;
    if (slot[cell] < 0 || opsBase + (size_t)slot[cell] >= t[A_SEG_OPS].n || opsBase + (size_t)slot[cell] >= t[A_SEG_COUNT].n) return 0;
    segOps[opsBase + (size_t)slot[cell]] = o;
    segCount[opsBase + (size_t)slot[cell]] = cnt;
    if (cnt == 0) continue;
    out[0] += (double)cnt * (q1 - q0);
    out[1] += cnt * hops[3 * cell];
    out[2] += cnt * hops[3 * cell + 1];
    out[3] += cnt * hops[3 * cell + 2];
  }
  return 1;
}

// An input's packets and unscaled ops (heard: its (cell, packets, ops) for the next core of the same cell) from its
// flows [f0, f1) read with the call's parity; 0 where an index lies outside its array. The packets are summed as
// integers, the ops in two chains: each addition had waited for the one before (both are integers, blocks.ts, so
// the sums are the same).
static int heard_input(const Typed *t, const int32_t *call, const int32_t *in, double cell, double *h) {
  const int32_t *segCount = I32(A_SEG_COUNT), *opsSlot = I32(A_OPS_SLOT);
  const double *segOps = F64(A_SEG_OPS);
  const int32_t f0 = in[IN_FLOW_LO], f1 = in[IN_FLOW_HI];
  const size_t parity = (size_t)call[in[IN_HOST] ? CALL_WRITE_PARITY : CALL_READ_PARITY];
  const size_t opsBase = parity * (size_t)call[CALL_OPS_SLOTS];
  int64_t n = 0;
  double ops[2] = {0, 0};
  for (int32_t f = f0; f < f1; f++) {
    const size_t at = opsBase + (size_t)opsSlot[f];
    if (opsSlot[f] < 0 || at >= t[A_SEG_OPS].n || at >= t[A_SEG_COUNT].n) return 0;
    n += segCount[at];
    ops[f & 1] += segOps[at];
  }
  h[0] = cell;
  h[1] = (double)n;
  h[2] = ops[0] + ops[1];
  return 1;
}

// A mapped core's received packets and ops from its incoming flows' counts (blocks.ts countReceived), the same sums
// (integers: in two chains, alternate inputs in each, so that an addition need not wait for the one before); heard
// holds per input (cell, packets, unscaled ops) for the next core of the same cell. Returns 0 where an index lies
// outside its array.
static int count_received(const Typed *t, const int32_t *call, const int32_t *info, size_t k) {
  const int32_t *inputs = I32(A_INPUTS);
  double *heard = F64(A_HEARD), *ctr = F64(A_COUNTERS);
  const size_t F = (size_t)call[CALL_FLOWS];
  const int32_t lo = info[CORE_IN_LO], hi = info[CORE_IN_HI];
  if (lo < 0 || hi < lo || (size_t)hi * IN_SIZE > t[A_INPUTS].n || 3 * (size_t)(hi - lo) > t[A_HEARD].n) return 0;
  const double cell = info[CORE_CELL];
  double packets[2] = {0, 0}, acs[2] = {0, 0}, macs[2] = {0, 0};
  for (int32_t p = 0; p < hi - lo; p++) {
    const int32_t *in = inputs + (size_t)(lo + p) * IN_SIZE;
    const int32_t f0 = in[IN_FLOW_LO], f1 = in[IN_FLOW_HI];
    if (f1 == f0) continue;
    if (f0 < 0 || f1 < f0 || (size_t)f1 > F || (size_t)f1 > t[A_OPS_SLOT].n) return 0;
    double *h = heard + 3 * (size_t)p;
    if ((!in[IN_UNIFORM] || h[0] != cell) && !heard_input(t, call, in, cell, h)) return 0;
    const double ops = h[2] * in[IN_SCALE];
    const int lane = p & 1;
    packets[lane] += h[1];
    if (in[IN_GRADED]) macs[lane] += ops;
    else acs[lane] += ops;
  }
  ctr[k + (size_t)call[CALL_ACS]] = acs[0] + acs[1];
  ctr[k + (size_t)call[CALL_MACS]] = macs[0] + macs[1];
  ctr[k + (size_t)call[CALL_PACKETS_IN]] = packets[0] + packets[1];
  return 1;
}

// blocks.ts distribute: the block's events counted per channel tile and pixel into pixels, and with CALL_FILL each
// one into its mapped core's outbox (outIdx/outVal at the core's first neuron, outCount). Returns 0 where an index
// lies outside its array.
static int count_distribute(const Typed *t, const int32_t *call) {
  const int32_t *evIdx = I32(A_EV_IDX), *rows = I32(A_ROWS), *cols = I32(A_COLS), *chans = I32(A_CHANS);
  const float *evVal = (const float *)t[A_EV_VAL].p;
  int32_t *pixels = I32(A_PIXELS);
  const int32_t H = call[CALL_H], W = call[CALL_W], at = call[CALL_EV_AT], n = call[CALL_EV_COUNT];
  if (H <= 0 || W <= 0 || at < 0 || n < 0 || (size_t)at + (size_t)n > t[A_EV_IDX].n || (size_t)at + (size_t)n > t[A_EV_VAL].n)
    return 0;
  const RowGrid grid = grid_of(H, W);
  // Pixel (chans[c]·H + y)·W + x is idx + (chans[c] − c)·H·W: its channel's alone.
  EventChannel ch = {0, 0, 0};
  int64_t chanPixel = 0;
  for (int32_t e = at; e < at + n; e++) {
    const int32_t idx = evIdx[e];
    if (idx < 0) return 0;
    if (idx >= ch.end) {
      enter_channel(&ch, idx, &grid);
      if (!IN(A_CHANS, ch.c)) return 0;
      chanPixel = ((int64_t)chans[ch.c] - ch.c) * H * W;
    }
    const int64_t px = chanPixel + idx;
    if (px < 0 || (uint64_t)px >= t[A_PIXELS].n) return 0;
    pixels[px]++;
  }
  if (!call[CALL_FILL]) return 1;
  if (t[A_ROWS].n < (size_t)H || t[A_COLS].n < (size_t)W) return 0;
  const int32_t *cores = I32(A_BLOCK_CORES), *info = I32(A_CORE_INFO);
  int32_t *outIdx = I32(A_OUT_IDX), *count = I32(A_OUT_COUNT);
  float *outVal = (float *)t[A_OUT_VAL].p;
  for (size_t q = 0; q < t[A_BLOCK_CORES].n; q++) {
    if (!IN(A_OUT_COUNT, cores[q])) return 0;
    count[cores[q]] = 0;
  }
  const int32_t gw = call[CALL_GW], gc = call[CALL_GC], first = call[CALL_FIRST];
  EventRow row = {0, 0, 0, 0};
  int64_t rowCore = 0;
  for (int32_t e = at; e < at + n; e++) {
    const int32_t idx = evIdx[e];
    if (idx >= row.end) {
      enter_row(&row, idx, &grid);
      if (!IN(A_CHANS, row.c)) return 0;
      rowCore = (int64_t)first + (int64_t)rows[row.y] * gw * gc + chans[row.c];
    }
    const int64_t core = rowCore + (int64_t)cols[idx - row.start] * gc;
    if (core < 0 || (uint64_t)core >= t[A_OUT_COUNT].n || (uint64_t)core * CORE_SIZE + CORE_OFFSET >= t[A_CORE_INFO].n) return 0;
    const int64_t slot = (int64_t)info[(size_t)core * CORE_SIZE + CORE_OFFSET] + count[core]++;
    if (slot < 0 || (uint64_t)slot >= t[A_OUT_IDX].n || (uint64_t)slot >= t[A_OUT_VAL].n) return 0;
    outIdx[slot] = idx;
    outVal[slot] = evVal[e];
  }
  return 1;
}

// blocks.ts tilePixels: the core's tile's pixels that have events (y · W + x) and their counts into touched and
// counts, zeroing them in pixels, and their events summed into *spikes (as integers, in the same pass: a second pass
// over the counts had been ~6% of the packet counts' time); returns how many pixels, or -1 where its tile lies outside
// the arrays.
static int32_t count_tile(const Typed *t, const int32_t *call, const int32_t *info, int64_t *spikes) {
  int32_t *pixels = I32(A_PIXELS), *touched = I32(A_TOUCHED), *counts = I32(A_COUNTS);
  const int32_t H = call[CALL_H], W = call[CALL_W];
  const int32_t y0 = info[CORE_Y0], y1 = info[CORE_Y1], x0 = info[CORE_X0], x1 = info[CORE_X1], kc = info[CORE_KC];
  if (y0 < 0 || x0 < 0 || y1 > H || x1 > W || kc < 0 || y1 <= y0 || x1 <= x0) return y1 <= y0 || x1 <= x0 ? 0 : -1;
  if ((size_t)(y1 - y0) * (size_t)(x1 - x0) > t[A_TOUCHED].n || (size_t)(y1 - y0) * (size_t)(x1 - x0) > t[A_COUNTS].n ||
      (((size_t)kc * H + (size_t)y1 - 1) * W + (size_t)x1) > t[A_PIXELS].n)
    return -1;
  int32_t nt = 0;
  int64_t events = 0;
  for (int32_t y = y0; y < y1; y++) {
    int32_t *row = pixels + ((size_t)kc * H + y) * W;
    // Every pixel written in place, kept where it has events: a branch per pixel mispredicted as often as not.
    for (int32_t x = x0; x < x1; x++) {
      const int32_t n = row[x];
      row[x] = 0;
      touched[nt] = y * W + x;
      counts[nt] = n;
      nt += n != 0;
      events += n;
    }
  }
  *spikes = events;
  return nt;
}

// count(call: Int32Array, evIdx, evVal, rows, cols, chans, blockCores, coreInfo, inputs, plans, fanStart, fanTiles,
//       fanReach, cellStart, cellSlot, cellHops, opsSlot, segCount, segOps, counters, outIdx, outVal,
//       outCount, pixels, touched, counts, spatialCount, spatialOps, heard): undefined
// blocks.ts countBlock for a block whose mapped cores' send plans are all uniform: the same counts, sums and writes in
// the same order (call: CALL_*; coreInfo, inputs and plans: records of CORE_SIZE, IN_SIZE and PLAN_SIZE int32). Every
// index is checked before it is used (RangeError); what came before a failing one is written already.
static napi_value Count(napi_env env, napi_callback_info info) {
  Typed t[A_COUNT];
  if (!typed_call(env, info, COUNT_TYPES, A_COUNT, t, CALL_SIZE, "spikemesh_native.count: bad arguments")) return NULL;
  const int32_t *call = I32(A_CALL);
  const int32_t *cores = I32(A_BLOCK_CORES), *coreInfo = I32(A_CORE_INFO), *plans = I32(A_PLANS);
  double *ctr = F64(A_COUNTERS), *heard = F64(A_HEARD);
  const int32_t step = call[CALL_STEP], parities = call[CALL_PARITIES], nCores = call[CALL_CORES], stride = call[CALL_STRIDE];
  const size_t opsBase = (size_t)call[CALL_WRITE_PARITY] * (size_t)call[CALL_OPS_SLOTS];
  if (step < 0 || nCores < 0 || stride <= 0 || call[CALL_FLOWS] < 0 || call[CALL_OPS_SLOTS] < 0 || parities < 1) goto outside;
  if (call[CALL_WRITE_PARITY] < 0 || call[CALL_WRITE_PARITY] >= parities || call[CALL_READ_PARITY] < 0 || call[CALL_READ_PARITY] >= parities) goto outside;
  for (int c = CALL_SPIKES; c < CALL_SIZE; c++)
    if (call[c] < 0 || call[c] >= stride) goto outside;
  if (!count_distribute(t, call)) goto outside;
  for (size_t q = 0; q < t[A_HEARD].n; q += 3) heard[q] = -1;
  uint32_t rowCount[PLAN_ROWS_AT_ONCE] = {0};
  double rowOps[PLAN_ROWS_AT_ONCE] = {0};
  for (size_t q = 0; q < t[A_BLOCK_CORES].n; q++) {
    const int32_t core = cores[q];
    if (core < 0 || core >= nCores || ((size_t)core + 1) * CORE_SIZE > t[A_CORE_INFO].n) goto outside;
    const int32_t *inf = coreInfo + (size_t)core * CORE_SIZE;
    const size_t k = ((size_t)step * (size_t)nCores + (size_t)core) * (size_t)stride;
    if (k + (size_t)stride > t[A_COUNTERS].n) goto outside;
    int64_t spikes = 0;
    const int32_t nt = count_tile(t, call, inf, &spikes);
    if (nt < 0) goto outside;
    ctr[k + (size_t)call[CALL_SPIKES]] = (double)spikes;
    if (!count_received(t, call, inf, k)) goto outside;
    double out[4] = {0, 0, 0, 0};
    const int32_t before = step - parities;
    const int silent = before < 0 || ctr[((size_t)before * (size_t)nCores + (size_t)core) * (size_t)stride + (size_t)call[CALL_SPIKES]] == 0;
    if (spikes > 0 || !silent) {
      const int32_t p0 = inf[CORE_PLAN_LO], p1 = inf[CORE_PLAN_HI];
      if (p0 < 0 || p1 < p0 || (size_t)p1 * PLAN_SIZE > t[A_PLANS].n) goto outside;
      const int oneColumn = inf[CORE_X1] - inf[CORE_X0] == 1;
      for (int32_t p = p0; p < p1; p++)
        if (!count_plan(t, plans + (size_t)p * PLAN_SIZE, nt, opsBase, out, oneColumn, rowCount, rowOps)) goto outside;
    }
    ctr[k + (size_t)call[CALL_PACKETS_OUT]] = out[0];
    ctr[k + (size_t)call[CALL_HOPS_EW]] = out[1];
    ctr[k + (size_t)call[CALL_HOPS_NS]] = out[2];
    ctr[k + (size_t)call[CALL_HOPS_CHIP]] = out[3];
  }
  return NULL;
outside:
  return range_error(env, "spikemesh_native.count: an index outside its array");
}

// countHost's typed-array arguments, in order, as the count arguments (A_*) they are.
static const int HOST_SLOTS[] = {A_CALL,       A_EV_IDX,     A_EV_VAL,     A_CHANS,     A_PLANS,     A_FAN_START,
                                 A_FAN_TILES,  A_FAN_REACH,  A_CELL_START, A_CELL_SLOT, A_CELL_HOPS, A_SEG_COUNT,
                                 A_SEG_OPS,    A_PIXELS,     A_TOUCHED,    A_COUNTS,    A_SPATIAL_COUNT, A_SPATIAL_OPS};
#define HOST_ARGS ((int)(sizeof HOST_SLOTS / sizeof HOST_SLOTS[0]))

// countHost(call, evIdx, evVal, chans, plans, fanStart, fanTiles, fanReach, cellStart, cellSlot, cellHops, segCount,
//           segOps, pixels, touched, counts, spatialCount, spatialOps): number
// blocks.ts countEvents where every host send plan is uniform: the same integer counts (a sum's order does not change
// an integer's), written to the same slots. The host's events are counted per pixel of the input (chans: 0 for every
// channel, so an event lands on pixel y·W + x), the whole image read as one tile, then each plan's cells and flows as a
// mapped core's (count_plan, pixel by pixel). Returns the packets (call: CALL_EV_AT, CALL_EV_COUNT, CALL_H, CALL_W,
// CALL_PARITIES, CALL_WRITE_PARITY and CALL_OPS_SLOTS; CALL_FILL 0). Every index is checked before it is used
// (RangeError).
static napi_value CountHost(napi_env env, napi_callback_info info) {
  napi_typedarray_type types[HOST_ARGS];
  for (int a = 0; a < HOST_ARGS; a++) types[a] = COUNT_TYPES[HOST_SLOTS[a]];
  Typed given[HOST_ARGS], t[A_COUNT] = {{0}};
  if (!typed_call(env, info, types, HOST_ARGS, given, CALL_SIZE, "spikemesh_native.countHost: bad arguments")) return NULL;
  for (int a = 0; a < HOST_ARGS; a++) t[HOST_SLOTS[a]] = given[a];
  const int32_t *call = I32(A_CALL);
  const int32_t parities = call[CALL_PARITIES], parity = call[CALL_WRITE_PARITY];
  if (call[CALL_FILL] != 0 || t[A_PLANS].n % PLAN_SIZE != 0 || call[CALL_OPS_SLOTS] < 0 || parities < 1 || parity < 0 ||
      parity >= parities || !count_distribute(t, call))
    goto outside;
  const int32_t image[CORE_SIZE] = {[CORE_Y0] = 0, [CORE_Y1] = call[CALL_H], [CORE_X0] = 0, [CORE_X1] = call[CALL_W]};
  int64_t events = 0;
  const int32_t nt = count_tile(t, call, image, &events);
  if (nt < 0) goto outside;
  const size_t opsBase = (size_t)parity * (size_t)call[CALL_OPS_SLOTS];
  double out[4] = {0, 0, 0, 0};
  for (size_t p = 0; p + PLAN_SIZE <= t[A_PLANS].n; p += PLAN_SIZE)
    if (!count_plan(t, I32(A_PLANS) + p, nt, opsBase, out, 0, NULL, NULL)) goto outside;
  return number(env, out[0]);
outside:
  return range_error(env, "spikemesh_native.countHost: an index outside its array");
}

// read's typed-array arguments, in order, and their types; its scalars (R_CALL: READ_*).
enum { R_CALL, R_OUT_IDX, R_OUT_VAL, R_OUT_COUNT, R_OFFSET, R_SOURCES, R_HEARS, R_REACH, R_EV_IDX, R_EV_VAL, R_HEADS, R_STOPS, R_ENDS, R_COUNT };
static const napi_typedarray_type READ_TYPES[R_COUNT] = {
  napi_int32_array, napi_int32_array, napi_float32_array, napi_int32_array, napi_int32_array, napi_int32_array, napi_uint8_array,
  napi_int32_array, napi_int32_array, napi_float32_array, napi_int32_array, napi_int32_array, napi_int32_array,
};
// The input's source channels [lo, hi) and rows [lo, hi), the source layer's rows and columns, whether its blocks'
// events are merged (they share rows) and whether it hears every pixel of the rows it reads.
enum { READ_CHAN_LO, READ_CHAN_HI, READ_ROW_LO, READ_ROW_HI, READ_H, READ_W, READ_MERGE, READ_HEARS_ALL, READ_CALL_SIZE };

typedef struct {
  const int32_t *outIdx;
  const float *outVal;
  const uint8_t *hears; // NULL: every event is heard
  size_t nHears;
  int32_t *evIdx;
  float *evVal;
  size_t cap;
  int32_t base; // the channel's first index (hears is per pixel)
} ReadState;

// The first position in [from, end) of the ascending idx whose value is ≥ target (end: none).
static int32_t seek_at_least(const int32_t *idx, int32_t from, int32_t end, int32_t target) {
  int32_t lo = from, hi = end;
  while (lo < hi) {
    const int32_t mid = lo + ((hi - lo) >> 1);
    if (idx[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// blocks.ts copyHeard: the events [e, stop) the input hears onto evIdx/evVal at n; the new n, or -1 (an index outside).
static int64_t copy_heard(const ReadState *r, int32_t e, int32_t stop, int64_t n) {
  if (!r->hears || (size_t)(n + stop - e) > r->cap) {
    for (; e < stop; e++) {
      const int32_t idx = r->outIdx[e];
      if (r->hears) {
        const int64_t px = (int64_t)idx - r->base;
        if (px < 0 || (uint64_t)px >= r->nHears) return -1;
        if (r->hears[px] == 0) continue;
      }
      if ((size_t)n >= r->cap) return -1;
      r->evIdx[n] = idx;
      r->evVal[n++] = r->outVal[e];
    }
    return n;
  }
  // Room for every one: each is written and n moves on by its hears flag (no branch on it).
  for (; e < stop; e++) {
    const int32_t idx = r->outIdx[e];
    const int64_t px = (int64_t)idx - r->base;
    if (px < 0 || (uint64_t)px >= r->nHears) return -1;
    r->evIdx[n] = idx;
    r->evVal[n] = r->outVal[e];
    n += r->hears[px];
  }
  return n;
}

// blocks.ts mergeTwoBlocks: two blocks' events [heads, stops) merged into source order, those heard onto the list at n
// (which has room for all of them); the new n, or -1.
static int64_t merge_two(const ReadState *r, int32_t *heads, const int32_t *stops, int64_t n) {
  const int32_t *outIdx = r->outIdx;
  int32_t a = heads[0], b = heads[1];
  const int32_t aStop = stops[0], bStop = stops[1];
  while (a < aStop && b < bStop) {
    const int32_t bHead = outIdx[b];
    int32_t e = a;
    while (e < aStop && outIdx[e] < bHead) e++;
    if ((n = copy_heard(r, a, e, n)) < 0) return -1;
    a = e;
    if (a == aStop) break;
    const int32_t aHead = outIdx[a];
    e = b;
    while (e < bStop && outIdx[e] < aHead) e++;
    if ((n = copy_heard(r, b, e, n)) < 0) return -1;
    b = e;
  }
  if ((n = copy_heard(r, a, aStop, n)) < 0 || (n = copy_heard(r, b, bStop, n)) < 0) return -1;
  heads[0] = aStop;
  heads[1] = bStop;
  return n;
}

// blocks.ts mergeStretches: k blocks' events [heads, stops) merged into source order by stretches (the lowest head's
// block copied while it stays below every other head); the new n, or -1.
static int64_t merge_stretches(const ReadState *r, int32_t *heads, const int32_t *stops, size_t k, int64_t n) {
  const int32_t *outIdx = r->outIdx;
  for (;;) {
    int64_t low = -1;
    int64_t bound = INT64_MAX;
    for (size_t i = 0; i < k; i++) {
      if (heads[i] >= stops[i]) continue;
      const int32_t head = outIdx[heads[i]];
      if (low < 0 || head < outIdx[heads[low]]) {
        if (low >= 0 && outIdx[heads[low]] < bound) bound = outIdx[heads[low]];
        low = (int64_t)i;
      } else if (head < bound) bound = head;
    }
    if (low < 0) return n;
    const int32_t stop = bound == INT64_MAX ? stops[low] : seek_at_least(outIdx, heads[low], stops[low], (int32_t)bound);
    if ((n = copy_heard(r, heads[low], stop, n)) < 0) return -1;
    heads[low] = stop;
  }
}

// read(call: Int32Array, outIdx, outVal, outCount, neuronOffset, sources, hears: Uint8Array, reach, evIdx, evVal, heads,
//      stops, ends): number
// blocks.ts readBlocks: a block's events of one input read from the source layer's blocks' outboxes into evIdx/evVal,
// channel after channel, the same events in the same order; returns how many. Every index is checked before it is
// used (RangeError).
static napi_value Read(napi_env env, napi_callback_info info) {
  Typed t[R_COUNT];
  if (!typed_call(env, info, READ_TYPES, R_COUNT, t, READ_CALL_SIZE, "spikemesh_native.read: bad arguments")) return NULL;
  const int32_t *call = I32(R_CALL), *outCount = I32(R_OUT_COUNT), *offset = I32(R_OFFSET), *sources = I32(R_SOURCES), *reach = I32(R_REACH);
  int32_t *heads = I32(R_HEADS), *stops = I32(R_STOPS), *ends = I32(R_ENDS);
  const size_t k = t[R_SOURCES].n;
  const int32_t H = call[READ_H], W = call[READ_W];
  ReadState r = {I32(R_OUT_IDX), (const float *)t[R_OUT_VAL].p, call[READ_HEARS_ALL] ? NULL : (const uint8_t *)t[R_HEARS].p,
                 t[R_HEARS].n, I32(R_EV_IDX), (float *)t[R_EV_VAL].p, t[R_EV_IDX].n < t[R_EV_VAL].n ? t[R_EV_IDX].n : t[R_EV_VAL].n, 0};
  int64_t n = 0;
  if (H <= 0 || W <= 0 || call[READ_CHAN_LO] < 0 || call[READ_CHAN_HI] < call[READ_CHAN_LO] || (size_t)call[READ_CHAN_HI] > t[R_REACH].n ||
      call[READ_ROW_LO] < 0 || call[READ_ROW_HI] < call[READ_ROW_LO] || call[READ_ROW_HI] > H || k > t[R_HEADS].n || k > t[R_STOPS].n ||
      k > t[R_ENDS].n || t[R_OUT_VAL].n < t[R_OUT_IDX].n || (int64_t)call[READ_CHAN_HI] * H * W > INT32_MAX)
    goto outside;
  for (size_t i = 0; i < k; i++) {
    if (!IN(R_OFFSET, sources[i]) || !IN(R_OUT_COUNT, sources[i])) goto outside;
    const int64_t head = offset[sources[i]], end = head + outCount[sources[i]];
    if (head < 0 || end < head || (uint64_t)end > t[R_OUT_IDX].n) goto outside;
    heads[i] = (int32_t)head;
    ends[i] = (int32_t)end;
  }
  for (int32_t c = call[READ_CHAN_LO]; c < call[READ_CHAN_HI]; c++) {
    if (reach[c] == 0) continue;
    r.base = c * H * W;
    const int32_t lo = r.base + call[READ_ROW_LO] * W, hi = r.base + call[READ_ROW_HI] * W;
    size_t all = 0;
    for (size_t i = 0; i < k; i++) {
      heads[i] = seek_at_least(r.outIdx, heads[i], ends[i], lo);
      stops[i] = seek_at_least(r.outIdx, heads[i], ends[i], hi);
      all += (size_t)(stops[i] - heads[i]);
    }
    if (!call[READ_MERGE]) {
      for (size_t i = 0; i < k && n >= 0; i++) {
        n = copy_heard(&r, heads[i], stops[i], n);
        heads[i] = stops[i];
      }
    } else if (k == 2 && (size_t)n + all <= r.cap)
      n = merge_two(&r, heads, stops, n);
    else
      n = merge_stretches(&r, heads, stops, k, n);
    if (n < 0) goto outside;
  }
  return number(env, (double)n);
outside:
  return range_error(env, "spikemesh_native.read: an index outside its array");
}

// pool's typed-array arguments, in order, and their types; its scalars (P_CALL: POOL_*).
enum {
  P_CALL, P_EV_IDX, P_EV_VAL, P_ROW_START, P_ROW_OUT, P_COL_START, P_COL_OUT, P_ROWS_REACH, P_COLS_REACH, P_CHANS_REACH, P_POOLED,
  P_MARK, P_TOUCHED, P_DIV_ROWS, P_DIV_COLS, P_CELL_IDX, P_CELL_VAL, P_OPS, P_COUNT
};
static const napi_typedarray_type POOL_TYPES[P_COUNT] = {
  napi_int32_array, napi_int32_array, napi_float32_array, napi_int32_array, napi_int32_array, napi_int32_array,
  napi_int32_array, napi_int32_array, napi_int32_array, napi_int32_array, napi_float64_array, napi_uint8_array,
  napi_int32_array, napi_float64_array, napi_float64_array, napi_int32_array, napi_float64_array, napi_float64_array,
};
// The events, the source layer's rows and columns, the pooled region's rows, columns and first channel and its
// channels, where the region starts in the pool's output (rows, columns: the divisors' index), where the pool's row
// and column taps start in the source, float arithmetic (0/1) and whether there are divisors (0/1).
enum {
  POOL_N, POOL_SRC_H, POOL_SRC_W, POOL_PH, POOL_PW, POOL_PC_LO, POOL_CHANS, POOL_ROW_LO, POOL_COL_LO, POOL_ROW_IN_LO, POOL_COL_IN_LO,
  POOL_FLOAT, POOL_DIVIDE, POOL_CALL_SIZE
};

static int ascending_int(const void *a, const void *b) {
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

// pool(call: Int32Array, evIdx, evVal, rowStart, rowOut, colStart, colOut, rowsReach, colsReach, chansReach, pooled,
//      mark: Uint8Array, touched, divRows, divCols, cellIdx, cellVal, ops: Float64Array): number
// integrate.ts poolEvents, then (float) the touched cells in ascending order, then collectCells: each event added to
// its pooling windows' sums (float32 sums in float), its composite synaptic ops into ops[0], and the nonzero cells
// (divided by their windows in float) into cellIdx/cellVal in the same order; every touched cell cleared. Returns how
// many cells were kept. Every index is checked before it is used (RangeError).
static napi_value Pool(napi_env env, napi_callback_info info) {
  Typed t[P_COUNT];
  if (!typed_call(env, info, POOL_TYPES, P_COUNT, t, POOL_CALL_SIZE, "spikemesh_native.pool: bad arguments")) return NULL;
  const int32_t *g = I32(P_CALL), *evIdx = I32(P_EV_IDX), *rStart = I32(P_ROW_START), *rOut = I32(P_ROW_OUT);
  const int32_t *cStart = I32(P_COL_START), *cOut = I32(P_COL_OUT), *rowsReach = I32(P_ROWS_REACH), *colsReach = I32(P_COLS_REACH);
  const int32_t *chansReach = I32(P_CHANS_REACH);
  const float *evVal = (const float *)t[P_EV_VAL].p;
  double *pooled = F64(P_POOLED), *cellVal = F64(P_CELL_VAL), *ops = F64(P_OPS);
  const double *divRows = F64(P_DIV_ROWS), *divCols = F64(P_DIV_COLS);
  uint8_t *mark = (uint8_t *)t[P_MARK].p;
  int32_t *touched = I32(P_TOUCHED), *cellIdx = I32(P_CELL_IDX);
  const int32_t n = g[POOL_N], H = g[POOL_SRC_H], W = g[POOL_SRC_W], PH = g[POOL_PH], PW = g[POOL_PW], pcLo = g[POOL_PC_LO];
  const int32_t rowInLo = g[POOL_ROW_IN_LO], colInLo = g[POOL_COL_IN_LO];
  const int isFloat = g[POOL_FLOAT] != 0;
  const int64_t cells = (int64_t)PH * PW * g[POOL_CHANS];
  if (n < 0 || (size_t)n > t[P_EV_IDX].n || (size_t)n > t[P_EV_VAL].n || H <= 0 || W <= 0 || PH <= 0 || PW <= 0 || g[POOL_CHANS] < 0 ||
      cells > (int64_t)t[P_POOLED].n || cells > (int64_t)t[P_MARK].n || cells > (int64_t)t[P_TOUCHED].n || t[P_OPS].n < 1)
    goto outside;
  EventRow row = {0, 0, 0, 0};
  const RowGrid grid = grid_of(H, W);
  int32_t ly = 0, nt = 0;
  int64_t cBase = 0;
  double rowReach = 0, sum = 0;
  for (int32_t e = 0; e < n; e++) {
    const int32_t idx = evIdx[e];
    const double v = evVal[e];
    if (idx < 0) goto outside;
    if (idx >= row.end || idx < row.start) {
      enter_row(&row, idx, &grid);
      ly = row.y - rowInLo;
      if (!IN(P_CHANS_REACH, row.c) || !IN(P_ROWS_REACH, ly) || !IN(P_ROW_START, ly + 1)) goto outside;
      rowReach = (double)chansReach[row.c] * rowsReach[ly];
      cBase = ((int64_t)row.c - pcLo) * PH;
    }
    const int32_t lx = idx - row.start - colInLo;
    if (!IN(P_COLS_REACH, lx) || !IN(P_COL_START, lx + 1)) goto outside;
    sum += rowReach * colsReach[lx];
    const int32_t b0 = cStart[lx], b1 = cStart[lx + 1];
    if (b0 < 0 || (b1 > b0 && (size_t)b1 > t[P_COL_OUT].n)) goto outside;
    for (int32_t a = rStart[ly]; a < rStart[ly + 1]; a++) {
      if (!IN(P_ROW_OUT, a)) goto outside;
      const int64_t rowBase = (cBase + rOut[a]) * PW;
      for (int32_t b = b0; b < b1; b++) {
        const int64_t cell = rowBase + cOut[b];
        if (cell < 0 || cell >= cells) goto outside;
        // A cell's first touch recorded without a branch (whether a cell is new is as good as random): written at nt
        // every time, kept when new. Once every cell is touched, nt = cells: then into a spare, never past touched.
        int32_t spare;
        *(nt < cells ? touched + nt : &spare) = (int32_t)cell;
        nt += mark[cell] ^ 1;
        mark[cell] = 1;
        pooled[cell] = isFloat ? (double)(float)(pooled[cell] + v) : pooled[cell] + v;
      }
    }
  }
  ops[0] = sum;
  if (isFloat) {
    // Pooled C-order: scan the marks where most cells were touched, else sort the few (the same list either way).
    if ((int64_t)nt * (31 - __builtin_clz((uint32_t)nt + 1)) > cells) {
      int32_t m = 0;
      for (int32_t c = 0; c < (int32_t)cells; c++) {
        touched[m] = c;
        m += mark[c];
      }
    } else
      qsort(touched, (size_t)nt, sizeof(int32_t), ascending_int);
  }
  const int averaged = g[POOL_DIVIDE] != 0;
  const Divisor byPW = divisor_of(PW), byPH = divisor_of(PH);
  // The nonzero cells out without a branch on each (zero or not is data): written at m every time, kept when nonzero.
  const size_t room = t[P_CELL_IDX].n < t[P_CELL_VAL].n ? t[P_CELL_IDX].n : t[P_CELL_VAL].n;
  int32_t m = 0;
  for (int32_t k = 0; k < nt; k++) {
    const int32_t cell = touched[k];
    double v = pooled[cell];
    pooled[cell] = 0;
    mark[cell] = 0;
    if (averaged) {
      const int32_t q = divide(cell, byPW), pc = cell - q * PW, pr = q - divide(q, byPH) * PH;
      const int64_t r = (int64_t)pr + g[POOL_ROW_LO], c = (int64_t)pc + g[POOL_COL_LO];
      if (r < 0 || c < 0 || (uint64_t)r >= t[P_DIV_ROWS].n || (uint64_t)c >= t[P_DIV_COLS].n) goto outside;
      v = (double)(float)(v / (divRows[r] * divCols[c]));
    }
    if ((size_t)m < room) {
      cellIdx[m] = cell;
      cellVal[m] = v;
    } else if (v != 0)
      goto outside;
    m += v != 0;
  }
  return number(env, m);
outside:
  return range_error(env, "spikemesh_native.pool: an index outside its array");
}

// Links a block of close_steps takes at a time: their three totals (12 KB) stay in the first-level cache while each
// step's stretch of the rows is read in turn.
#define CLOSE_BLOCK 512

// links.ts LinkAccumulator.closeSteps's loop: k steps' rows (step j's at j · stride, an entry a link) added to each of
// the count links' totals in step order, each entry zeroed once added: packets += n, busy += n · packet time, and
// where the step's latency is positive the peak the greater of itself and busy / latency. An entry of 0 is skipped, as
// the TypeScript loop skips it; the same additions in the same order, so the same totals.
MULTI_TARGET static void close_steps(double *rows, size_t stride, size_t k, size_t count, const double *packetNs, const double *latency,
                                     double *packets, double *busyNs, double *peak) {
  for (size_t l0 = 0; l0 < count; l0 += CLOSE_BLOCK) {
    const size_t l1 = count - l0 < CLOSE_BLOCK ? count : l0 + CLOSE_BLOCK;
    for (size_t j = 0; j < k; j++) {
      double *row = rows + j * stride;
      const double lat = latency[j];
      for (size_t l = l0; l < l1; l++) {
        const double n = row[l];
        if (n == 0) continue;
        const double busy = n * packetNs[l];
        packets[l] += n;
        busyNs[l] += busy;
        if (lat > 0) {
          const double u = busy / lat;
          peak[l] = u > peak[l] ? u : peak[l];
        }
        row[l] = 0;
      }
    }
  }
}

// closeSteps(rows, packetNs, latency, packets, busyNs, peak: Float64Array): undefined — close_steps over the k =
// latency.length steps in `rows` (k rows of rows.length / k entries each, at least one a link of packetNs), into the
// totals (at least one a link).
enum { CS_ROWS, CS_PACKET_NS, CS_LATENCY, CS_PACKETS, CS_BUSY, CS_PEAK, CS_COUNT };
static napi_value CloseSteps(napi_env env, napi_callback_info info) {
  static const napi_typedarray_type types[CS_COUNT] = {napi_float64_array, napi_float64_array, napi_float64_array,
                                                       napi_float64_array, napi_float64_array, napi_float64_array};
  Typed t[CS_COUNT];
  if (!typed_args(env, info, types, CS_COUNT, t)) return type_error(env, "spikemesh_native.closeSteps: bad arguments");
  const size_t k = t[CS_LATENCY].n, count = t[CS_PACKET_NS].n;
  if (k == 0) return NULL;
  const size_t stride = t[CS_ROWS].n / k;
  if (stride * k != t[CS_ROWS].n || stride < count || t[CS_PACKETS].n < count || t[CS_BUSY].n < count || t[CS_PEAK].n < count)
    return range_error(env, "spikemesh_native.closeSteps: rows or totals shorter than the links");
  close_steps(F64(CS_ROWS), stride, k, count, F64(CS_PACKET_NS), F64(CS_LATENCY), F64(CS_PACKETS), F64(CS_BUSY), F64(CS_PEAK));
  return NULL;
}

// exports[name] = a function calling fn, or the int32 value.
static void export_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value v;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &v);
  napi_set_named_property(env, exports, name, v);
}

static void export_int(napi_env env, napi_value exports, const char *name, int32_t value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, exports, name, v);
}

static napi_value Init(napi_env env, napi_value exports) {
#if COMPRESS_SPIKES
  __builtin_cpu_init();
  compressSpikes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
  export_function(env, exports, "sum", Sum);
  export_function(env, exports, "lif", Lif);
  export_function(env, exports, "bucket", Bucket);
  export_function(env, exports, "lifFixed", LifFixed);
  export_int(env, exports, "block", BLOCK);
  export_int(env, exports, "block32", BLOCK32);
  export_function(env, exports, "alignment", Alignment);
  export_int(env, exports, "align", ALIGN);
  export_function(env, exports, "loads", Loads);
  export_function(env, exports, "loadsAsync", LoadsAsync);
  export_function(env, exports, "zeroAsync", ZeroAsync);
  export_function(env, exports, "direct", Direct);
  export_function(env, exports, "prepare", Prepare);
  export_function(env, exports, "count", Count);
  export_function(env, exports, "countHost", CountHost);
  export_function(env, exports, "read", Read);
  export_function(env, exports, "pool", Pool);
  export_function(env, exports, "closeSteps", CloseSteps);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
