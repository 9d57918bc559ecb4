// The MLP task's hot paths, with their FLOP rates beside the rate of a large Eigen matrix
// product measured in the same run (the "peak" we track ratios against).
//   build/task_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "l2o/core/rng.hpp"
#include "l2o/task/mlp_task.hpp"

namespace {

l2o::ProjectedDataset random_data(int width, int classes, l2o::Index n) {
  l2o::Rng rng(1, "bench-data");
  l2o::ProjectedDataset d;
  d.name = d.display_name = "random";
  d.num_classes = classes;
  d.width = width;
  d.train.x.resize(width, n);
  for (l2o::Index i = 0; i < d.train.x.size(); ++i) d.train.x.data()[i] = rng.normal();
  d.train.labels.resize(static_cast<size_t>(n));
  for (auto& y : d.train.labels) y = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
  d.test = d.train;
  return d;
}

// Multiply-adds of a forward pass over `cols` examples: sum over layers of fan_in * fan_out.
double forward_flops(const std::vector<int>& arch, double cols) {
  double f = 0;
  for (size_t l = 1; l < arch.size(); ++l) f += 2.0 * arch[l - 1] * arch[l];
  return f * cols;
}

void BM_EigenGemm1024(benchmark::State& state) {
  Eigen::setNbThreads(1);
  const l2o::Index n = 1024;
  l2o::Mat a = l2o::Mat::Random(n, n), b = l2o::Mat::Random(n, n), c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["flops"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EigenGemm1024)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_MinibatchLossGrad_48_48_10(benchmark::State& state) {
  Eigen::setNbThreads(1);
  const std::vector<int> arch{48, 48, 10};
  l2o::MlpTask task(random_data(48, 10, 10000), {arch});
  l2o::Vec x = task.initial_params(1), g;
  l2o::MinibatchSampler sampler(task.train_count(), 64, 1);
  for (auto _ : state) benchmark::DoNotOptimize(task.loss_grad(x, sampler.next(), &g));
  // Backward costs about twice the forward pass.
  state.counters["flops"] =
      benchmark::Counter(3.0 * forward_flops(arch, 64), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MinibatchLossGrad_48_48_10)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime();

void true_objective(benchmark::State& state, std::vector<int> arch) {
  Eigen::setNbThreads(1);
  l2o::MlpTask task(random_data(arch.front(), arch.back(), 10000), {arch});
  l2o::Vec x = task.initial_params(1);
  for (auto _ : state) benchmark::DoNotOptimize(task.objective(x));
  state.counters["flops"] =
      benchmark::Counter(forward_flops(arch, 10000), benchmark::Counter::kIsIterationInvariantRate);
}
void BM_TrueObjective_48_48_10(benchmark::State& s) { true_objective(s, {48, 48, 10}); }
void BM_TrueObjective_100_200_10(benchmark::State& s) { true_objective(s, {100, 200, 10}); }
BENCHMARK(BM_TrueObjective_48_48_10)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_TrueObjective_100_200_10)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
}  // namespace

BENCHMARK_MAIN();
