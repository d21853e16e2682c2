/*
 * Native single-thread FMA peak, for context next to the Wasm SIMD peak that `npm run bench`
 * measures (bench/peak-kernel.mjs). Not part of the bench: run it by hand on an x86-64 machine
 * with AVX-512 (the numbers in docs/performance.md came from exactly this):
 *
 *   gcc -O2 -mfma -mavx512f -o /tmp/fma-peak bench/native/fma-peak.c && /tmp/fma-peak
 *
 * Twelve independent chains acc = acc·m + c per vector width, counted as 2 flops per lane.
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS 12
#define ITERS 20000000L

#define PEAK(NAME, T, SET1, FMA, LANES, SUM)                                \
  static double NAME(void) {                                                \
    T a[CHAINS];                                                            \
    T m = SET1(0.999f), c = SET1(0.001f);                                   \
    for (int i = 0; i < CHAINS; i++) a[i] = SET1(1.0f + i / 64.0f);         \
    double best = 0;                                                        \
    for (int r = 0; r < 10; r++) {                                          \
      double t0 = now();                                                    \
      for (long k = 0; k < ITERS; k++) {                                    \
        _Pragma("GCC unroll 12") for (int i = 0; i < CHAINS; i++) a[i] = FMA(a[i], m, c); \
      }                                                                     \
      double g = ITERS * (double)CHAINS * LANES * 2 / (now() - t0) / 1e9;   \
      if (g > best) best = g;                                               \
    }                                                                       \
    volatile float s = 0;                                                   \
    for (int i = 0; i < CHAINS; i++) s += SUM(a[i]);                        \
    return best;                                                            \
  }

static float sum128(__m128 v) { return _mm_cvtss_f32(v); }
static float sum256(__m256 v) { return _mm256_cvtss_f32(v); }
PEAK(peak128, __m128, _mm_set1_ps, _mm_fmadd_ps, 4, sum128)
PEAK(peak256, __m256, _mm256_set1_ps, _mm256_fmadd_ps, 8, sum256)
PEAK(peak512, __m512, _mm512_set1_ps, _mm512_fmadd_ps, 16, _mm512_reduce_add_ps)

int main(void) {
  printf("FMA peak, 1 thread: 128-bit %.1f, 256-bit %.1f, 512-bit %.1f GFLOP/s\n", peak128(), peak256(), peak512());
  return 0;
}
