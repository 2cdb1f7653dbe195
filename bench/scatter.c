// Native baseline for bench/engine.ts: the engine's event scatter in plain C (built with gcc -O3 -march=native).
//
// Reads the file bench/engine.ts writes (every projection's conv geometry, packed weights and, per step,
// the source events the engine integrated), then does the engine's scatter on one core: float32
// accumulators and weights, each product rounded before it is added (the engine's float sums), events
// in source order; a folded avgpool first sums the spikes into
// window cells (float32, as the engine does) and scatters each touched cell. It counts synaptic ops
// the way the engine's AC counter does (composite synapses through the pool) and prints JSON: the
// fastest of N repetitions by CPU time (with its wall time) and the CPU time of each projection.
//
// File: int32 magic 'SMSC', projections P, steps T; per projection int32 pooled, cin, h, w, cout, oh,
// ow, k, stride, pad, dil, pk, ps, pp, ph, pw; float32 weights [cin][k][k][cout]; float64 divisors
// divRows[ph], divCols[pw] (pooled only); then per step, per projection: int32 n, int32 idx[n], float32 val[n].

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  int32_t pooled, cin, h, w, cout, oh, ow, k, stride, pad, dil, pk, ps, pp, ph, pw;
  float *weights;
  double *divRows, *divCols;
  /* Per step: events. */
  int32_t *count;
  int32_t **idx;
  float **val;
  /* Per source row / column: conv outputs it reaches (through the pool when pooled). */
  int32_t *reachRows, *reachCols;
  double ops, macs, seconds;
} Proj;

static void *xmalloc(size_t n) {
  void *p = calloc(n ? n : 1, 1);
  if (!p) {
    fprintf(stderr, "scatter: out of memory\n");
    exit(1);
  }
  return p;
}

static void readExact(FILE *f, void *p, size_t n) {
  if (fread(p, 1, n, f) != n) {
    fprintf(stderr, "scatter: truncated input\n");
    exit(1);
  }
}

/* Conv outputs along one axis that input position i feeds (tap t: o·stride − pad + t·dil = i). */
static int convOuts(int i, int k, int stride, int pad, int dil, int outSize, int *out) {
  int n = 0;
  for (int t = 0; t < k; t++) {
    int num = i + pad - t * dil;
    if (num < 0 || num % stride) continue;
    int o = num / stride;
    if (o < outSize) out[n++] = o;
  }
  return n;
}

/* Pool windows along one axis that contain source position i. */
static int poolOuts(int i, int pk, int ps, int pp, int outSize, int *out) {
  int n = 0;
  for (int o = 0; o < outSize; o++) {
    int a = o * ps - pp;
    if (i >= a && i < a + pk) out[n++] = o;
  }
  return n;
}

/* Distinct conv outputs one source position reaches along an axis (the engine's reach). */
static void reachAxis(Proj *p, int size, int outSize, int pooledSize, int32_t *reach) {
  int *seen = xmalloc(sizeof(int) * outSize);
  int pools[64], outs[64];
  for (int i = 0; i < size; i++) {
    memset(seen, 0, sizeof(int) * outSize);
    int np = p->pooled ? poolOuts(i, p->pk, p->ps, p->pp, pooledSize, pools) : 1;
    if (!p->pooled) pools[0] = i;
    int r = 0;
    for (int a = 0; a < np; a++) {
      int no = convOuts(pools[a], p->k, p->stride, p->pad, p->dil, outSize, outs);
      for (int b = 0; b < no; b++)
        if (!seen[outs[b]]) seen[outs[b]] = 1, r++;
    }
    reach[i] = r;
  }
  free(seen);
}

/* One input value at (ci, y, x) of the conv's input through every tap into the OH×OW×Cout accumulator. */
static inline double scatterOne(const Proj *p, float *acc, int ci, int y, int x, float v) {
  int ro[64], rt[64], co[64], ct[64];
  int nr = 0, nc = 0;
  for (int t = 0; t < p->k; t++) {
    int num = y + p->pad - t * p->dil;
    if (num >= 0 && num % p->stride == 0 && num / p->stride < p->oh) ro[nr] = num / p->stride, rt[nr++] = t;
    num = x + p->pad - t * p->dil;
    if (num >= 0 && num % p->stride == 0 && num / p->stride < p->ow) co[nc] = num / p->stride, ct[nc++] = t;
  }
  const int C = p->cout;
  for (int a = 0; a < nr; a++) {
    for (int b = 0; b < nc; b++) {
      float *restrict o = acc + ((size_t)ro[a] * p->ow + co[b]) * C;
      const float *restrict w = p->weights + ((size_t)(ci * p->k + rt[a]) * p->k + ct[b]) * C;
      for (int c = 0; c < C; c++) o[c] += v * w[c];
    }
  }
  return (double)nr * nc * C;
}

static double clockSeconds(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmpInt(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* One projection at one step: the engine's scatterDirect or scatterPooled. */
static void runProj(Proj *p, int t, float *acc, double *pooled, uint8_t *mark, int *touched) {
  memset(acc, 0, sizeof(float) * (size_t)p->oh * p->ow * p->cout);
  const int n = p->count[t];
  const int32_t *idx = p->idx[t];
  const float *val = p->val[t];
  if (!p->pooled) {
    for (int e = 0; e < n; e++) {
      int x = idx[e] % p->w, r = idx[e] / p->w, y = r % p->h, ci = r / p->h;
      p->macs += scatterOne(p, acc, ci, y, x, val[e]);
      p->ops += (double)p->cout * p->reachRows[y] * p->reachCols[x];
    }
    return;
  }
  int nt = 0, prs[64], pcs[64];
  for (int e = 0; e < n; e++) {
    int x = idx[e] % p->w, r = idx[e] / p->w, y = r % p->h, ci = r / p->h;
    p->ops += (double)p->cout * p->reachRows[y] * p->reachCols[x];
    int npr = poolOuts(y, p->pk, p->ps, p->pp, p->ph, prs);
    int npc = poolOuts(x, p->pk, p->ps, p->pp, p->pw, pcs);
    for (int a = 0; a < npr; a++) {
      for (int b = 0; b < npc; b++) {
        int cell = (ci * p->ph + prs[a]) * p->pw + pcs[b];
        if (!mark[cell]) mark[cell] = 1, touched[nt++] = cell;
        pooled[cell] = (double)(float)(pooled[cell] + val[e]);
      }
    }
  }
  qsort(touched, nt, sizeof(int), cmpInt);
  for (int i = 0; i < nt; i++) {
    int cell = touched[i];
    int pc = cell % p->pw, q = cell / p->pw, pr = q % p->ph, ci = q / p->ph;
    float v = (float)(pooled[cell] / (p->divRows[pr] * p->divCols[pc]));
    pooled[cell] = 0;
    mark[cell] = 0;
    if (v != 0) p->macs += scatterOne(p, acc, ci, pr, pc, v);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: scatter <data file> <repetitions>\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  int32_t head[3];
  readExact(f, head, sizeof head);
  if (memcmp(head, "SMSC", 4) != 0) {
    fprintf(stderr, "scatter: %s is not a scatter data file\n", argv[1]);
    return 1;
  }
  const int P = head[1], T = head[2];
  Proj *ps = xmalloc(sizeof(Proj) * P);
  size_t maxAcc = 0, maxPooled = 0;
  for (int i = 0; i < P; i++) {
    Proj *p = &ps[i];
    readExact(f, p, 16 * sizeof(int32_t));
    size_t nw = (size_t)p->cin * p->k * p->k * p->cout;
    p->weights = xmalloc(nw * sizeof(float));
    readExact(f, p->weights, nw * sizeof(float));
    if (p->pooled) {
      p->divRows = xmalloc(sizeof(double) * p->ph);
      p->divCols = xmalloc(sizeof(double) * p->pw);
      readExact(f, p->divRows, sizeof(double) * p->ph);
      readExact(f, p->divCols, sizeof(double) * p->pw);
      size_t np = (size_t)p->cin * p->ph * p->pw;
      if (np > maxPooled) maxPooled = np;
    }
    size_t na = (size_t)p->oh * p->ow * p->cout;
    if (na > maxAcc) maxAcc = na;
    p->count = xmalloc(sizeof(int32_t) * T);
    p->idx = xmalloc(sizeof(int32_t *) * T);
    p->val = xmalloc(sizeof(float *) * T);
    p->reachRows = xmalloc(sizeof(int32_t) * p->h);
    p->reachCols = xmalloc(sizeof(int32_t) * p->w);
    reachAxis(p, p->h, p->oh, p->ph, p->reachRows);
    reachAxis(p, p->w, p->ow, p->pw, p->reachCols);
  }
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < P; i++) {
      Proj *p = &ps[i];
      readExact(f, &p->count[t], sizeof(int32_t));
      p->idx[t] = xmalloc(sizeof(int32_t) * p->count[t]);
      p->val[t] = xmalloc(sizeof(float) * p->count[t]);
      readExact(f, p->idx[t], sizeof(int32_t) * p->count[t]);
      readExact(f, p->val[t], sizeof(float) * p->count[t]);
    }
  }
  fclose(f);
  float *acc = xmalloc(sizeof(float) * maxAcc);
  double *pooled = xmalloc(sizeof(double) * (maxPooled ? maxPooled : 1));
  uint8_t *mark = xmalloc(maxPooled ? maxPooled : 1);
  int *touched = xmalloc(sizeof(int) * (maxPooled ? maxPooled : 1));
  /* Per repetition: wall time and this process's CPU time; per projection: CPU time. The fastest repetition by CPU time is reported. */
  double bestCpu = 1e300, bestWall = 0, checksum = 0;
  double *bestProj = xmalloc(sizeof(double) * P);
  const int reps = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < P; i++) ps[i].ops = ps[i].macs = ps[i].seconds = 0;
    checksum = 0;
    double wall0 = clockSeconds(CLOCK_MONOTONIC), cpu = 0;
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < P; i++) {
        double t0 = clockSeconds(CLOCK_PROCESS_CPUTIME_ID);
        runProj(&ps[i], t, acc, pooled, mark, touched);
        double s = clockSeconds(CLOCK_PROCESS_CPUTIME_ID) - t0;
        ps[i].seconds += s;
        cpu += s;
        checksum += acc[(size_t)t % ((size_t)ps[i].oh * ps[i].ow * ps[i].cout)];
      }
    }
    double wall = clockSeconds(CLOCK_MONOTONIC) - wall0;
    if (cpu < bestCpu) {
      bestCpu = cpu;
      bestWall = wall;
      for (int i = 0; i < P; i++) bestProj[i] = ps[i].seconds;
    }
  }
  printf("{\"cpuSeconds\": %.6f, \"wallSeconds\": %.6f, \"repetitions\": %d, \"checksum\": %.17g, \"projections\": [", bestCpu, bestWall, reps, checksum);
  for (int i = 0; i < P; i++) printf("%s{\"ops\": %.0f, \"macs\": %.0f, \"seconds\": %.6f}", i ? ", " : "", ps[i].ops, ps[i].macs, bestProj[i]);
  printf("]}\n");
  return 0;
}
