#pragma once
// The SIMD vocabulary of the fused PSD-small kernel (small_step.cpp): GCC/Clang vector types of
// kSimdWidth floats (16 with AVX-512, else 8), FMA, sqrt, min/max, and a polynomial exp and tanh.
//
// Why explicit vectors rather than loops left to the auto-vectoriser: the build compiles with
// -std=c++20 (no -ffast-math, errno-setting sqrt, no FMA contraction), under which GCC 12 leaves
// the block loops scalar ("control flow in loop" from sqrt's errno path and the clamps). Written
// on vector types, each operation is one instruction per vector whatever the flags; the results
// are the same on every run and every thread (no reassociation, no libm).
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

namespace l2o::small_simd {

#if defined(__AVX512F__)
inline constexpr int kSimdWidth = 16;
#else
inline constexpr int kSimdWidth = 8;
#endif

using vf = float __attribute__((vector_size(kSimdWidth * sizeof(float))));
using vi = std::int32_t __attribute__((vector_size(kSimdWidth * sizeof(std::int32_t))));

inline vf splat(float a) { return vf{} + a; }
inline vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { std::memcpy(p, &v, sizeof v); }

// a * b + c, one rounding where the CPU has FMA (the default -march=native build), else two.
inline vf madd(vf a, vf b, vf c) {
#if defined(__AVX512F__)
  return _mm512_fmadd_ps(a, b, c);
#elif defined(__FMA__)
  return _mm256_fmadd_ps(a, b, c);
#else
  return a * b + c;
#endif
}

inline vf vsqrt(vf a) {
#if defined(__AVX512F__)
  return _mm512_sqrt_ps(a);
#elif defined(__AVX__)
  return _mm256_sqrt_ps(a);
#else
  for (int l = 0; l < kSimdWidth; ++l) a[l] = std::sqrt(a[l]);
  return a;
#endif
}

// One instruction each (GCC lowers the generic a > b ? a : b to a compare and a blend).
inline vf vmax(vf a, vf b) {
#if defined(__AVX512F__)
  return _mm512_max_ps(a, b);
#elif defined(__AVX__)
  return _mm256_max_ps(a, b);
#else
  return a > b ? a : b;
#endif
}
inline vf vmin(vf a, vf b) {
#if defined(__AVX512F__)
  return _mm512_min_ps(a, b);
#elif defined(__AVX__)
  return _mm256_min_ps(a, b);
#else
  return a < b ? a : b;
#endif
}
inline vf vclamp(vf v, float lo, float hi) { return vmin(vmax(v, splat(lo)), splat(hi)); }

// e^x for x in [-80, 80] (callers clamp first), relative error < 3e-7 (tests/psd_small/
// fast_exp_test.cpp); exactly 1 at 0. Cody-Waite reduction x = k ln2 + r with |r| <= ln2/2, the
// degree-7 Taylor polynomial of e^r (truncation error < 3e-9), and 2^k built in the exponent bits.
inline vf fast_exp(vf x) {
  const vf kf = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(x / ln2), |.| < 2^22
  vf r = x - kf * 0.693145751953125f;                                    // ln2, high part (exact product)
  r = r - kf * 1.428606765330187e-06f;                                   // ln2, low part
  vf p = splat(1.0f / 5040.0f);
  p = madd(p, r, splat(1.0f / 720.0f));
  p = madd(p, r, splat(1.0f / 120.0f));
  p = madd(p, r, splat(1.0f / 24.0f));
  p = madd(p, r, splat(1.0f / 6.0f));
  p = madd(p, r, splat(0.5f));
  p = madd(p, r, splat(1.0f));
  p = madd(p, r, splat(1.0f));
  const vi bits = (__builtin_convertvector(kf, vi) + 127) << 23;
  return p * (vf)bits;  // GCC vector casts reinterpret the bits
}

// tanh(x) = (e^{2x} - 1) / (e^{2x} + 1) with |x| clamped to 9 (tanh(9) rounds to 1 in float32);
// absolute error < 3e-7 (the relative error grows near 0, where e^{2x} - 1 cancels).
inline vf fast_tanh(vf x) {
  const vf e = fast_exp(2.0f * vclamp(x, -9.0f, 9.0f));
  return (e - 1.0f) / (e + 1.0f);
}
}  // namespace l2o::small_simd
