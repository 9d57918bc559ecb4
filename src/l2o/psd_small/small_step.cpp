#include "l2o/psd_small/small_step.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "l2o/psd_small/small_simd.hpp"

namespace l2o {

using small_simd::fast_exp;
using small_simd::fast_tanh;
using small_simd::load;
using small_simd::madd;
using small_simd::splat;
using small_simd::store;
using small_simd::vclamp;
using small_simd::vf;
using small_simd::vmax;
using small_simd::vsqrt;

PsdSmallKernel::PsdSmallKernel(const PsdSmallPolicy& p) {
  const PsdSmallArchitecture& a = p.arch();
  h1 = a.hidden.front();
  h2 = p.two_layers() ? a.hidden[1] : 0;
  tanh = a.activation == SmallActivation::Tanh;
  const Index F = PsdSmallArchitecture::kFeatures, H = a.last_hidden();
  w1.resize(static_cast<std::size_t>(h1 * F));
  for (Index h = 0; h < h1; ++h)
    for (Index f = 0; f < F; ++f) w1[static_cast<std::size_t>(h * F + f)] = static_cast<float>(p.w1(h, f));
  w2.resize(static_cast<std::size_t>(h2 * h1));
  b2.resize(static_cast<std::size_t>(h2));
  for (Index h = 0; h < h2; ++h) {
    b2[static_cast<std::size_t>(h)] = static_cast<float>(p.b2(h));
    for (Index k = 0; k < h1; ++k) w2[static_cast<std::size_t>(h * h1 + k)] = static_cast<float>(p.w2(h, k));
  }
  w3.resize(static_cast<std::size_t>(2 * H));
  for (Index o = 0; o < 2; ++o)
    for (Index k = 0; k < H; ++k) w3[static_cast<std::size_t>(o * H + k)] = static_cast<float>(p.w3(o, k));
  b3 = {static_cast<float>(p.b3(0)), static_cast<float>(p.b3(1))};
  auto widen = [](const std::vector<float>& w) {
    std::vector<float> x;
    x.reserve(w.size() * small_simd::kSimdWidth);
    for (float v : w) x.insert(x.end(), small_simd::kSimdWidth, v);
    return x;
  };
  w1x = widen(w1);
  w2x = widen(w2);
  w3x = widen(w3);
  for (int k = 0; k < 3; ++k) {
    beta[k] = static_cast<float>(a.betas[k]);
    one_minus_beta[k] = static_cast<float>(1.0 - a.betas[k]);
  }
  beta2 = static_cast<float>(a.beta2);
  one_minus_beta2 = static_cast<float>(1.0 - a.beta2);
  eps = static_cast<float>(a.eps);
}

PsdSmallGroupScalars make_group_scalars(const PsdSmallPolicy& p, long long t, const PsdSmallContext& c, double rms_x) {
  const PsdSmallArchitecture& a = p.arch();
  const double tt = static_cast<double>(t);
  PsdSmallGroupScalars s;
  for (int k = 0; k < 3; ++k) s.corr[k] = static_cast<float>(1.0 / (1.0 - std::pow(a.betas[k], tt)));
  s.corr2 = static_cast<float>(1.0 / (1.0 - std::pow(a.beta2, tt)));
  s.inv_rms_x = rms_x > 0.0 ? static_cast<float>(1.0 / (rms_x + 1e-12)) : 0.0f;
  const Eigen::Map<const Vec> cv(c.data(), PsdSmallArchitecture::kContext);
  s.neg_lr = static_cast<float>(-std::exp(std::clamp(p.log_lr + p.u.dot(cv), -30.0, 5.0)));
  const Vec pre = p.b1 + p.wc * cv;
  for (Index h = 0; h < pre.size(); ++h) s.pre1[static_cast<std::size_t>(h)] = static_cast<float>(pre(h));
  return s;
}

// ---------------------------------------------------------------- group sums

namespace {
// Four float64 lanes; two of them per sum make the eight lanes small_group_squares adds.
using vd = double __attribute__((vector_size(4 * sizeof(double))));
using vf4 = float __attribute__((vector_size(4 * sizeof(float))));

inline vd load4(const double* p) {
  vd v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline vd load4(const float* p) {
  vf4 v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, vd);
}
}  // namespace

template <class T>
PsdSmallSquares small_group_squares(Index n, const T* x, const T* g, int threads) {
  const Index blocks = (n + kSmallSumBlock - 1) / kSmallSumBlock;
  std::vector<PsdSmallSquares> part(static_cast<std::size_t>(blocks));
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && blocks > 1)
  for (Index b = 0; b < blocks; ++b) {
    const Index lo = b * kSmallSumBlock, hi = std::min(n, lo + kSmallSumBlock);
    // Eight lanes per sum (two vectors of four), combined in a fixed order at the end.
    vd sx0{}, sx1{}, sg0{}, sg1{};
    Index j = lo;
    for (; j + 8 <= hi; j += 8) {
      const vd x0 = load4(x + j), x1 = load4(x + j + 4), g0 = load4(g + j), g1 = load4(g + j + 4);
      sx0 += x0 * x0;
      sx1 += x1 * x1;
      sg0 += g0 * g0;
      sg1 += g1 * g1;
    }
    double sx[8], sg[8];
    std::memcpy(sx, &sx0, sizeof sx0);
    std::memcpy(sx + 4, &sx1, sizeof sx1);
    std::memcpy(sg, &sg0, sizeof sg0);
    std::memcpy(sg + 4, &sg1, sizeof sg1);
    for (int l = 0; j < hi; ++j, ++l) {
      const double xv = static_cast<double>(x[j]), gv = static_cast<double>(g[j]);
      sx[l] += xv * xv;
      sg[l] += gv * gv;
    }
    PsdSmallSquares s;
    for (int l = 0; l < 8; ++l) {
      s.x += sx[l];
      s.g += sg[l];
    }
    part[static_cast<std::size_t>(b)] = s;
  }
  PsdSmallSquares total;
  for (const PsdSmallSquares& s : part) {
    total.x += s.x;
    total.g += s.g;
  }
  return total;
}

// ---------------------------------------------------------------- the fused block

namespace {

constexpr int B = static_cast<int>(kSmallBlock);
constexpr int W = small_simd::kSimdWidth;
constexpr int NV = B / W;  // vectors per block
static_assert(B % W == 0, "a block is a whole number of SIMD vectors");

template <bool Tanh>
inline vf act(vf z) {
  if constexpr (Tanh)
    return fast_tanh(z);
  else
    return vmax(z, vf{});
}

// One block of B coordinates: g, x in; the moments in and out (updated in place); the step out.
// H1c/H2c are the layer sizes when known at compile time (the default [8, 8], fully unrolled with
// the activations in registers), 0 to read them from the kernel; h2 = 0 means one hidden layer.
template <int H1c, int H2c, bool Tanh>
inline void block_compute(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, const float* gb, const float* xb,
                          float* m1, float* m2, float* m3, float* v, float* step) {
  const int h1 = H1c > 0 ? H1c : static_cast<int>(k.h1);
  const int h2 = H1c > 0 ? H2c : static_cast<int>(k.h2);
  vf f[5][NV];
  for (int i = 0; i < NV; ++i) {
    const int o = i * W;
    const vf g = load(gb + o);
    const vf a = madd(splat(k.beta[0]), load(m1 + o), k.one_minus_beta[0] * g);
    const vf b = madd(splat(k.beta[1]), load(m2 + o), k.one_minus_beta[1] * g);
    const vf c = madd(splat(k.beta[2]), load(m3 + o), k.one_minus_beta[2] * g);
    const vf vv = madd(splat(k.beta2), load(v + o), k.one_minus_beta2 * (g * g));
    store(m1 + o, a);
    store(m2 + o, b);
    store(m3 + o, c);
    store(v + o, vv);
    const vf r = 1.0f / (vsqrt(vv * s.corr2) + k.eps);
    f[0][i] = g * r;
    f[1][i] = a * s.corr[0] * r;
    f[2][i] = b * s.corr[1] * r;
    f[3][i] = c * s.corr[2] * r;
    f[4][i] = vclamp(load(xb + o) * s.inv_rms_x, -5.0f, 5.0f);
  }
  vf a1[PsdSmallArchitecture::kMaxHidden][NV];
  for (int h = 0; h < h1; ++h) {
    const float* w = &k.w1x[static_cast<std::size_t>(h * 5 * W)];
    for (int i = 0; i < NV; ++i) {
      vf z = splat(s.pre1[static_cast<std::size_t>(h)]);
      for (int q = 0; q < 5; ++q) z = madd(load(w + q * W), f[q][i], z);
      a1[h][i] = act<Tanh>(z);
    }
  }
  vf a2[PsdSmallArchitecture::kMaxHidden][NV];
  const vf(*top)[NV] = a1;
  int ht = h1;
  if (h2 > 0) {
    for (int h = 0; h < h2; ++h) {
      const float* w = &k.w2x[static_cast<std::size_t>(h * h1 * W)];
      for (int i = 0; i < NV; ++i) {
        vf z = splat(k.b2[static_cast<std::size_t>(h)]);
        for (int q = 0; q < h1; ++q) z = madd(load(w + q * W), a1[q][i], z);
        a2[h][i] = act<Tanh>(z);
      }
    }
    top = a2;
    ht = h2;
  }
  const float* wd = k.w3x.data();
  const float* ws = k.w3x.data() + ht * W;
  for (int i = 0; i < NV; ++i) {
    vf d = splat(k.b3[0]), sc = splat(k.b3[1]);
    for (int q = 0; q < ht; ++q) {
      d = madd(load(wd + q * W), top[q][i], d);
      sc = madd(load(ws + q * W), top[q][i], sc);
    }
    store(step + i * W, s.neg_lr * madd(f[2][i], fast_exp(vclamp(sc, -8.0f, 8.0f)), d));
  }
}

// Where the step goes.
template <class D>
struct DeltaOut {
  D* delta;
  void put(Index j, float step) const { delta[j] = static_cast<D>(step); }
};
template <class T>
struct InPlaceOut {
  T* x;
  void put(Index j, float step) const { x[j] = static_cast<T>(x[j] + static_cast<T>(step)); }
};

// Coordinates [lo, hi) of a group: full blocks straight from memory, the last partial block padded
// with zeros (its padding lanes are computed and dropped), through the same block_compute.
template <int H1c, int H2c, bool Tanh, class T, class Out>
void run_range(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, Index lo, Index hi, const T* x,
               const T* g, float* moments, const Out& out) {
  float* m1 = moments;
  float* m2 = moments + n;
  float* m3 = moments + 2 * n;
  float* v = moments + 3 * n;
  alignas(64) float gb[B], xb[B], step[B];
  for (Index j = lo; j < hi; j += B) {
    const int count = static_cast<int>(std::min<Index>(B, hi - j));
    if (count == B) {
      for (int l = 0; l < B; ++l) {
        gb[l] = static_cast<float>(g[j + l]);
        xb[l] = static_cast<float>(x[j + l]);
      }
      block_compute<H1c, H2c, Tanh>(k, s, gb, xb, m1 + j, m2 + j, m3 + j, v + j, step);
      for (int l = 0; l < B; ++l) out.put(j + l, step[l]);
    } else {
      alignas(64) float p1[B] = {}, p2[B] = {}, p3[B] = {}, pv[B] = {};
      for (int l = 0; l < B; ++l) gb[l] = xb[l] = 0.0f;
      for (int l = 0; l < count; ++l) {
        gb[l] = static_cast<float>(g[j + l]);
        xb[l] = static_cast<float>(x[j + l]);
        p1[l] = m1[j + l];
        p2[l] = m2[j + l];
        p3[l] = m3[j + l];
        pv[l] = v[j + l];
      }
      block_compute<H1c, H2c, Tanh>(k, s, gb, xb, p1, p2, p3, pv, step);
      for (int l = 0; l < count; ++l) {
        m1[j + l] = p1[l];
        m2[j + l] = p2[l];
        m3[j + l] = p3[l];
        v[j + l] = pv[l];
        out.put(j + l, step[l]);
      }
    }
  }
}

template <int H1c, int H2c, bool Tanh, class T, class Out>
void run_chunks(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, const T* x, const T* g,
                float* moments, const Out& out, int threads) {
  const Index chunks = (n + kSmallChunk - 1) / kSmallChunk;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && chunks > 1)
  for (Index c = 0; c < chunks; ++c)
    run_range<H1c, H2c, Tanh>(k, s, n, c * kSmallChunk, std::min(n, (c + 1) * kSmallChunk), x, g, moments, out);
}

template <class T, class Out>
void dispatch(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, const T* x, const T* g, float* moments,
              const Out& out, int threads) {
  if (n <= 0) return;
  const bool eight = k.h1 == 8 && k.h2 == 8;  // the default architecture, unrolled at compile time
  if (k.tanh) {
    if (eight)
      run_chunks<8, 8, true>(k, s, n, x, g, moments, out, threads);
    else
      run_chunks<0, 0, true>(k, s, n, x, g, moments, out, threads);
  } else {
    if (eight)
      run_chunks<8, 8, false>(k, s, n, x, g, moments, out, threads);
    else
      run_chunks<0, 0, false>(k, s, n, x, g, moments, out, threads);
  }
}
}  // namespace

template <class T, class D>
void small_fused_delta(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, const T* x, const T* g,
                       float* moments, D* delta, int threads) {
  dispatch(k, s, n, x, g, moments, DeltaOut<D>{delta}, threads);
}

template <class T>
void small_fused_in_place(const PsdSmallKernel& k, const PsdSmallGroupScalars& s, Index n, T* x, const T* g,
                          float* moments, int threads) {
  dispatch(k, s, n, static_cast<const T*>(x), g, moments, InPlaceOut<T>{x}, threads);
}

template PsdSmallSquares small_group_squares<float>(Index, const float*, const float*, int);
template PsdSmallSquares small_group_squares<double>(Index, const double*, const double*, int);
template void small_fused_delta<double, double>(const PsdSmallKernel&, const PsdSmallGroupScalars&, Index,
                                                const double*, const double*, float*, double*, int);
template void small_fused_delta<float, float>(const PsdSmallKernel&, const PsdSmallGroupScalars&, Index, const float*,
                                              const float*, float*, float*, int);
template void small_fused_delta<float, double>(const PsdSmallKernel&, const PsdSmallGroupScalars&, Index,
                                               const float*, const float*, float*, double*, int);
template void small_fused_in_place<float>(const PsdSmallKernel&, const PsdSmallGroupScalars&, Index, float*,
                                          const float*, float*, int);
template void small_fused_in_place<double>(const PsdSmallKernel&, const PsdSmallGroupScalars&, Index, double*,
                                           const double*, float*, int);
}  // namespace l2o
