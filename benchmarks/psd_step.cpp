// The cost of one Predicted Step Descent step on the paper's two net sizes, in float64 and in
// float32, on 1 and 2 threads, beside Adam's step and the minibatch gradient of the MLP task (batch
// 64) that every step needs anyway, plus the LSTM's arithmetic rate as a fraction of a large Eigen
// matrix product of the same precision measured in the same run.
//
//   build/psd_step                          (Eigen's own products single-threaded, the default)
//   build/psd_step --benchmark_filter=PsdStep
//
// Names: BM_PsdStep/<sharing>/<precision>/threads<N>/<arch>; threads are those inside one PSD step
// (PsdRuntimeOptions::threads, fixed column blocks on OpenMP threads).
//
// Counters: GFLOPS is the LSTM arithmetic (2 * 4H * (3 + H) + 2H floating-point operations per
// coordinate and step: the gate product and the read-out) divided by the time of the whole step,
// features and activations included; frac_of_gemm divides that by the one-thread rate of a 1024^3
// GEMM of the same precision. Single-threaded benchmarks time the process's CPU time, so that a
// busy machine (other processes taking turns on the core) does not distort the ratio; threaded
// ones time wall-clock time (the only meaningful clock for a parallel step): run them on an idle
// machine. Google Benchmark's own "Time" column is wall time throughout.
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include "l2o/core/rng.hpp"
#include "l2o/data/dataset.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/psd/psd_optimizer.hpp"
#include "l2o/psd/state_features.hpp"
#include "l2o/task/mlp_task.hpp"

namespace {

using namespace l2o;

// The clock the rates use: process CPU time for single-threaded work, wall time otherwise.
double now_seconds(bool wall = false) {
  if (!wall && Eigen::nbThreads() == 1) {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const std::vector<std::vector<int>> kArchs{{48, 48, 10}, {100, 200, 10}};

std::string arch_name(const std::vector<int>& a) { return arch_to_string(a); }

Mat random_mat(Index r, Index c, std::uint64_t seed) {
  Rng rng(seed);
  Mat m(r, c);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = rng.normal();
  return m;
}

// A synthetic projected data set (random inputs and labels) with the shape of the paper's tasks.
ProjectedDataset synthetic_data(int width, int classes, Index train, Index test) {
  ProjectedDataset d;
  d.name = d.display_name = "synthetic";
  d.num_classes = classes;
  d.width = width;
  d.train.x = random_mat(width, train, 1);
  d.test.x = random_mat(width, test, 2);
  Rng rng(3);
  for (Index i = 0; i < train; ++i) d.train.labels.push_back(static_cast<int>(rng.below(classes)));
  for (Index i = 0; i < test; ++i) d.test.labels.push_back(static_cast<int>(rng.below(classes)));
  return d;
}

const MlpTask& task_for(const std::vector<int>& arch) {
  static std::map<std::vector<int>, std::unique_ptr<MlpTask>> cache;
  auto& t = cache[arch];
  if (!t) {
    static std::map<std::vector<int>, ProjectedDataset> data;
    data[arch] = synthetic_data(arch.front(), arch.back(), 2000, 100);
    MlpConfig cfg;
    cfg.arch = arch;
    t = std::make_unique<MlpTask>(data[arch], cfg, 2000, 0);
  }
  return *t;
}

// FLOP rate of a large Eigen product of scalar T on this machine, measured once per type.
template <class T>
double gemm_rate() {
  static const double rate = [] {
    const Index n = 1024;
    const MatT<T> a = random_mat(n, n, 4).cast<T>(), b = random_mat(n, n, 5).cast<T>();
    MatT<T> c(n, n);
    c.noalias() = a * b;  // warm-up
    int reps = 0;
    const double t0 = now_seconds();
    double elapsed = 0;
    do {
      c.noalias() = a * b;
      ++reps;
      elapsed = now_seconds() - t0;
    } while (elapsed < 1.0);
    benchmark::DoNotOptimize(c.data());
    return 2.0 * n * n * n * reps / elapsed;
  }();
  return rate;
}

double lstm_flops_per_coordinate(Index H) { return 2.0 * 4 * H * (3 + H) + 2.0 * H; }

// Sets the rate counters from the LSTM work done and the measured time, against the GEMM rate of
// the same precision.
void report_rate(benchmark::State& state, double flops_per_iter, double seconds, Precision p) {
  const double rate = flops_per_iter * static_cast<double>(state.iterations()) / seconds;
  state.counters["GFLOPS"] = rate / 1e9;
  state.counters["frac_of_gemm"] = rate / (runs_float32_lstm(p) ? gemm_rate<float>() : gemm_rate<double>());
}

template <class T>
void BM_Gemm1024(benchmark::State& state) {
  const Index n = 1024;
  const MatT<T> a = random_mat(n, n, 4).cast<T>(), b = random_mat(n, n, 5).cast<T>();
  MatT<T> c(n, n);
  const double t0 = now_seconds();
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  report_rate(state, 2.0 * n * n * n, now_seconds() - t0,
              std::is_same_v<T, float> ? Precision::Float32 : Precision::Float64);
}
BENCHMARK(BM_Gemm1024<double>)->Name("BM_Gemm1024/float64")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gemm1024<float>)->Name("BM_Gemm1024/float32")->Unit(benchmark::kMillisecond);

// The bare LSTM step (128 cells) over every coordinate of the net as one batch, float64 (Lstm) or
// float32 (LstmF32).
template <class Net, class State, class Work, class M>
void lstm_loop(benchmark::State& state, const Net& net, Index B, Precision p) {
  State s = net.zero_state(B);
  Work ws;
  const M x = random_mat(3, B, 6).cast<typename M::Scalar>();
  M y;
  net.step(x, s, y, ws);
  const double t0 = now_seconds();
  for (auto _ : state) {
    net.step(x, s, y, ws);
    benchmark::DoNotOptimize(y.data());
  }
  report_rate(state, lstm_flops_per_coordinate(128) * static_cast<double>(B), now_seconds() - t0, p);
  state.counters["coords"] = static_cast<double>(B);
}

void BM_LstmStep(benchmark::State& state, std::vector<int> arch, Precision p) {
  const Index B = task_for(arch).dim();
  Lstm net(PsdArchitecture{}.lstm_config());
  Rng rng(1);
  net.init_params(rng);
  if (runs_float32_lstm(p))
    lstm_loop<LstmF32, LstmStateF32, LstmWorkspaceF32, MatF>(state, LstmF32(net, p == Precision::Bf16x3), B, p);
  else
    lstm_loop<Lstm, LstmState, LstmWorkspace, Mat>(state, net, B, p);
}

// The whole PSD step: features, one LSTM batch per coordinate group, read-out into delta.
void BM_PsdStep(benchmark::State& state, std::vector<int> arch, PolicySharing sharing, PsdRuntimeOptions options) {
  const ParamLayout& layout = task_for(arch).layout();
  PsdPolicyConfig cfg;
  cfg.arch.sharing = sharing;
  auto opt = make_psd(PsdPolicy::fresh(cfg, 1), options);
  opt->init(layout);
  const Vec x = random_mat(layout.dim, 1, 7), g = random_mat(layout.dim, 1, 8);
  Vec delta;
  opt->step({x, 2.3, g}, delta);
  const bool wall = options.threads > 1;
  const double t0 = now_seconds(wall);
  for (auto _ : state) {
    opt->step({x, 2.3, g}, delta);
    benchmark::DoNotOptimize(delta.data());
  }
  report_rate(state, lstm_flops_per_coordinate(128) * static_cast<double>(layout.dim), now_seconds(wall) - t0,
              options.precision);
  state.counters["coords"] = static_cast<double>(layout.dim);
}

void BM_AdamStep(benchmark::State& state, std::vector<int> arch) {
  const ParamLayout& layout = task_for(arch).layout();
  Adam adam;
  adam.init(layout);
  const Vec x = random_mat(layout.dim, 1, 7), g = random_mat(layout.dim, 1, 8);
  Vec delta;
  for (auto _ : state) {
    adam.step({x, 2.3, g}, delta);
    benchmark::DoNotOptimize(delta.data());
  }
  state.counters["coords"] = static_cast<double>(layout.dim);
}

void BM_MlpGradient(benchmark::State& state, std::vector<int> arch) {
  const MlpTask& task = task_for(arch);
  const Vec x = task.initial_params(1);
  MinibatchSampler sampler(task.train_count(), 64, 1);
  Vec grad;
  for (auto _ : state) {
    const double loss = task.loss_grad(x, sampler.next(), &grad);
    benchmark::DoNotOptimize(loss);
    benchmark::DoNotOptimize(grad.data());
  }
  state.counters["coords"] = static_cast<double>(task.dim());
}

// What GPS rollouts add per step: recording the state-feature history and computing the
// 75 x n state-feature matrix of every coordinate group.
void BM_StateFeatures(benchmark::State& state, std::vector<int> arch) {
  const ParamLayout& layout = task_for(arch).layout();
  StateFeatures features({}, layout.dim);
  Vec x = random_mat(layout.dim, 1, 7);
  const Vec g = random_mat(layout.dim, 1, 8);
  for (int t = 0; t < 200; ++t) features.observe(x, 2.0 + 1e-3 * t, g);  // a full history
  Mat out;
  for (auto _ : state) {
    features.observe(x, 2.3, g);
    for (const CoordinateGroup& grp : layout.groups) {
      features.compute(grp, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.counters["coords"] = static_cast<double>(layout.dim);
  state.counters["features"] = static_cast<double>(features.count());
}

void register_all() {
  for (const auto& a : kArchs) {
    const std::string n = arch_name(a);
    for (Precision p : {Precision::Float64, Precision::Float32, Precision::Bf16x3}) {
      if (p == Precision::Bf16x3 && !bf16x3_available()) continue;
      const std::string pn = to_string(p);
      benchmark::RegisterBenchmark(("BM_LstmStep/" + pn + "/" + n).c_str(), BM_LstmStep, a, p)
          ->Unit(benchmark::kMillisecond);
      for (int threads : {1, 2})
        benchmark::RegisterBenchmark(
            ("BM_PsdStep/per_kind/" + pn + "/threads" + std::to_string(threads) + "/" + n).c_str(), BM_PsdStep, a,
            PolicySharing::PerKind, PsdRuntimeOptions{p, threads})
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    benchmark::RegisterBenchmark(("BM_PsdStep/shared/float64/threads1/" + n).c_str(), BM_PsdStep, a,
                                 PolicySharing::Shared, PsdRuntimeOptions{})
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_AdamStep/" + n).c_str(), BM_AdamStep, a)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_MlpGradient/batch64/" + n).c_str(), BM_MlpGradient, a)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_StateFeatures/" + n).c_str(), BM_StateFeatures, a)->Unit(benchmark::kMicrosecond);
  }
}
}  // namespace

int main(int argc, char** argv) {
  const char* threads = std::getenv("L2O_BENCH_THREADS");
  const int n = threads ? std::atoi(threads) : 1;
  Eigen::setNbThreads(n > 0 ? n : 1);
  benchmark::AddCustomContext("eigen_threads", std::to_string(Eigen::nbThreads()));
  benchmark::AddCustomContext("rate_clock", Eigen::nbThreads() == 1 ? "process_cpu (threads1), wall (threads2)" : "wall");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::AddCustomContext("gemm1024_gflops_float64", std::to_string(gemm_rate<double>() / 1e9));
  benchmark::AddCustomContext("gemm1024_gflops_float32", std::to_string(gemm_rate<float>() / 1e9));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
