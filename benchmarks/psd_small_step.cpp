// The cost of one PSD-small step against Adam's (docs/psd-small.md, "Cost"), single-threaded:
//
//   build/psd_small_step
//
// BM_Step/<optimizer>/<layout>: the whole step through the l2o::Optimizer interface (float64 x and
// gradient in, float64 delta out; PSD-small's arithmetic and state in float32, l2o::Adam's in
// float64), on the 100-200-10 net (W1 200x100, b1, W2 10x200, b2: 22,210 parameters) and on a
// 1000-1024-10 net (1,035,274 parameters).
// BM_Raw/<kernel>/1M: the raw float32 loops on 2^20 coordinates of one group, in place: the fused
// PSD-small kernel (PsdSmallStepper::step_group_in_place: group sums, context, fused pass) against
// a plain float32 Adam loop (m, v and x updated in one pass).
// Counters: coords; per_coord (seconds per coordinate). Times are process CPU time (single-threaded work on a machine
// others share).
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "l2o/core/rng.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/task/mlp_task.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"

namespace {

using namespace l2o;

Vec random_vec(Index n, std::uint64_t seed, double scale) {
  Rng rng(seed);
  Vec v(n);
  for (Index k = 0; k < n; ++k) v(k) = scale * rng.normal();
  return v;
}

PsdSmallPolicy bench_policy() {
  // Every tensor non-zero, so that no branch of the network is skipped.
  PsdSmallPolicy p = PsdSmallPolicy::fresh({}, 1, 1e-3, 0.5);
  p.b3(0) = 0.01;
  p.u.setConstant(0.01);
  return p;
}

void set_counters(benchmark::State& state, Index n) {
  state.counters["coords"] = static_cast<double>(n);
  // Seconds per coordinate (printed with an SI prefix: 13.6n = 13.6 ns).
  state.counters["per_coord"] = benchmark::Counter(
      static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Step(benchmark::State& state, std::vector<int> arch, bool small) {
  const ParamLayout layout = mlp_param_layout(arch);
  OptimizerPtr opt = small ? make_psd_small(bench_policy()) : OptimizerPtr(std::make_unique<Adam>());
  opt->init(layout);
  const Vec x = random_vec(layout.dim, 7, 0.1), g = random_vec(layout.dim, 8, 1e-2);
  Vec delta;
  opt->step({x, 2.3, g, nullptr, 64}, delta);
  for (auto _ : state) {
    opt->step({x, 2.3, g, nullptr, 64}, delta);
    benchmark::DoNotOptimize(delta.data());
  }
  set_counters(state, layout.dim);
}

constexpr Index kRaw = Index(1) << 20;

void BM_RawPsdSmall(benchmark::State& state) {
  const auto policy = std::make_shared<const PsdSmallPolicy>(bench_policy());
  PsdSmallStepper stepper(policy, 1);
  const Vec x0 = random_vec(kRaw, 7, 0.1), g0 = random_vec(kRaw, 8, 1e-2);
  std::vector<float> x(x0.data(), x0.data() + kRaw), g(g0.data(), g0.data() + kRaw), m(4 * kRaw, 0.0f);
  double ema = 0;
  const PsdSmallRole role;
  for (auto _ : state) {
    stepper.begin_step(2.3, 64);
    stepper.step_group_in_place(role, kRaw, x.data(), g.data(), m.data(), ema);
    benchmark::DoNotOptimize(x.data());
  }
  set_counters(state, kRaw);
}

// Adam in float32, one pass, the bias corrections hoisted: what a careful hand-written loop costs.
void BM_RawAdam(benchmark::State& state) {
  const Vec x0 = random_vec(kRaw, 7, 0.1), g0 = random_vec(kRaw, 8, 1e-2);
  std::vector<float> x(x0.data(), x0.data() + kRaw), g(g0.data(), g0.data() + kRaw), m(kRaw, 0.0f), v(kRaw, 0.0f);
  const float b1 = 0.9f, b2 = 0.999f, lr = 1e-3f, eps = 1e-8f;
  long long t = 0;
  for (auto _ : state) {
    ++t;
    const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(0.9, double(t))));
    const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(0.999, double(t))));
    float* __restrict xp = x.data();
    float* __restrict mp = m.data();
    float* __restrict vp = v.data();
    const float* __restrict gp = g.data();
    for (Index j = 0; j < kRaw; ++j) {
      const float gj = gp[j];
      mp[j] = b1 * mp[j] + (1.0f - b1) * gj;
      vp[j] = b2 * vp[j] + (1.0f - b2) * gj * gj;
      xp[j] -= lr * (mp[j] * c1) / (std::sqrt(vp[j] * c2) + eps);
    }
    benchmark::DoNotOptimize(x.data());
  }
  set_counters(state, kRaw);
}

const std::vector<int> kNet100{100, 200, 10}, kNet1M{1000, 1024, 10};
}  // namespace

BENCHMARK_CAPTURE(BM_Step, psd_small/100-200-10, kNet100, true)->Name("BM_Step/psd-small/100-200-10")->MeasureProcessCPUTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Step, adam/100-200-10, kNet100, false)->Name("BM_Step/adam/100-200-10")->MeasureProcessCPUTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Step, psd_small/1000-1024-10, kNet1M, true)->Name("BM_Step/psd-small/1000-1024-10")->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Step, adam/1000-1024-10, kNet1M, false)->Name("BM_Step/adam/1000-1024-10")->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawPsdSmall)->Name("BM_Raw/psd-small-in-place/1M")->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawAdam)->Name("BM_Raw/adam-float-loop/1M")->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
