// What a second thread adds on this machine (bench/lib/machine.ts threadScaling): a loop bound by the core's vector
// units (float adds of rows read from L1, as the engine's sums are) and one bound by the latency of a chain of
// dependent float operations (as pointer-chasing and branchy code is), each timed in one thread, then in two threads
// at once doing the same work each. Prints {"vector": x, "latency": y}: work done per second by two threads over one.
// Two CPUs that are two hardware threads of one core give the vector loop ~1× and the latency loop ~2×; two cores
// give ~2× for both.
//
// gcc -O3 -march=native -pthread threads.c

#include <pthread.h>
#include <stdio.h>
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));

#define ROWS 64
#define VECTOR_PASSES 4000000L
#define LATENCY_STEPS 150000000L

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Eight independent partial sums over rows of an L1-resident table: as many adds in flight as the units take.
static void *vector_loop(void *out) {
  static __thread v16 rows[ROWS];
  for (int r = 0; r < ROWS; r++) rows[r] = (v16){0} + 1e-7f * (float)r;
  v16 s[8] = {{0}};
  for (long i = 0; i < VECTOR_PASSES; i++)
    for (int r = 0; r < ROWS; r += 8)
      for (int k = 0; k < 8; k++) s[k] += rows[r + k];
  float total = 0;
  for (int k = 0; k < 8; k++)
    for (int j = 0; j < 16; j++) total += s[k][j];
  *(float *)out = total;
  return NULL;
}

// One chain of dependent multiply-adds: each waits for the one before.
static void *latency_loop(void *out) {
  double x = 1;
  for (long i = 0; i < LATENCY_STEPS; i++) x = x * 1.0000001 + 1e-9;
  *(float *)out = (float)x;
  return NULL;
}

// Work per second of `threads` threads running `loop` at once, over that of one.
static double scaling(void *(*loop)(void *)) {
  float sink[2];
  double t0 = seconds();
  loop(&sink[0]);
  const double one = seconds() - t0;
  pthread_t other;
  t0 = seconds();
  pthread_create(&other, NULL, loop, &sink[1]);
  loop(&sink[0]);
  pthread_join(other, NULL);
  const double two = seconds() - t0;
  return 2 * one / two + 0 * (double)(sink[0] + sink[1]);
}

int main(void) {
  const double vector = scaling(vector_loop);
  const double latency = scaling(latency_loop);
  printf("{\"vector\": %.3f, \"latency\": %.3f}\n", vector, latency);
  return 0;
}
