// The inference paths of the LSTM: the float32 copy (LstmF32) against the float64 network, and the
// bf16x3 copy, and the threaded step against the serial one (bit-identical for any thread count,
// every precision).
#include <gtest/gtest.h>

#include "l2o/core/error.hpp"
#include "l2o/core/precision.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/nn/lstm.hpp"

namespace l2o {
namespace {

Mat random_inputs(Rng& rng, Index rows, Index cols) {
  Mat m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = rng.normal();
  return m;
}

Lstm random_net(const LstmConfig& config, std::uint64_t seed) {
  Lstm net(config);
  Rng rng(seed);
  net.init_params(rng);
  return net;
}

TEST(LstmF32, FollowsTheFloat64NetworkToSinglePrecision) {
  const Lstm net = random_net(LstmConfig{3, {16, 8}, 1, 1.0, 0.0}, 3);
  const LstmF32 net32(net);
  const Index B = 300;
  LstmState s = net.zero_state(B);
  LstmStateF32 s32 = net32.zero_state(B);
  LstmWorkspace ws;
  LstmWorkspaceF32 ws32;
  Rng rng(4);
  double worst = 0.0;
  for (int t = 0; t < 30; ++t) {
    const Mat x = random_inputs(rng, 3, B);
    Mat y;
    MatF y32;
    net.step(x, s, y, ws);
    net32.step(x.cast<float>(), s32, y32, ws32);
    worst = std::max(worst, (y - y32.cast<double>()).cwiseAbs().maxCoeff() / (y.cwiseAbs().maxCoeff() + 1e-12));
    ASSERT_EQ(s32.h[1].cols(), B);
  }
  EXPECT_LT(worst, 1e-5);  // single-precision rounding over 30 recurrent steps
  EXPECT_GT(worst, 0.0);   // it really ran in float32
  EXPECT_LT((s.c[0] - s32.c[0].cast<double>()).cwiseAbs().maxCoeff(), 1e-4);
}

// The bf16x3 runtime: the float32 network with its gate products as three bfloat16 products and
// its own exp (nn/bf16x3_product.hpp) follows the float64 network to ~1e-5, two stacked layers and
// ragged blocks included.
TEST(LstmF32, Bf16x3FollowsTheFloat64Network) {
  std::string why;
  if (!bf16x3_available(&why)) GTEST_SKIP() << "bf16x3: " << why;
  const Lstm net = random_net(LstmConfig{3, {16, 8}, 1, 1.0, 0.0}, 3);
  const LstmF32 net32(net), netx3(net, true);
  EXPECT_FALSE(net32.bf16x3());
  EXPECT_TRUE(netx3.bf16x3());
  const Index B = 300;  // two blocks of 128 and a ragged one
  LstmState s = net.zero_state(B);
  LstmStateF32 s32 = net32.zero_state(B), sx3 = netx3.zero_state(B);
  LstmWorkspace ws;
  LstmWorkspaceF32 ws32, wsx3;
  Rng rng(4);
  double worst32 = 0.0, worstx3 = 0.0;
  for (int t = 0; t < 30; ++t) {
    const Mat x = random_inputs(rng, 3, B);
    Mat y;
    MatF y32, yx3;
    net.step(x, s, y, ws);
    net32.step(x.cast<float>(), s32, y32, ws32);
    netx3.step(x.cast<float>(), sx3, yx3, wsx3);
    const double scale = y.cwiseAbs().maxCoeff() + 1e-12;
    worst32 = std::max(worst32, (y - y32.cast<double>()).cwiseAbs().maxCoeff() / scale);
    worstx3 = std::max(worstx3, (y - yx3.cast<double>()).cwiseAbs().maxCoeff() / scale);
  }
  EXPECT_LT(worstx3, 1e-4);
  EXPECT_GT(worstx3, worst32);  // it is not the float32 path
  EXPECT_LT((s.c[1] - sx3.c[1].cast<double>()).cwiseAbs().maxCoeff(), 1e-3);
  RecordProperty("max_relative_difference_bf16x3", std::to_string(worstx3));
}

TEST(LstmF32, ChecksShapesLikeTheFloat64Network) {
  const Lstm net = random_net(LstmConfig{3, {4}, 1, 1.0, 0.0}, 1);
  const LstmF32 net32(net);
  LstmStateF32 s = net32.zero_state(5);
  LstmWorkspaceF32 ws;
  MatF y;
  EXPECT_THROW(net32.step(MatF::Zero(2, 5), s, y, ws), Error);  // wrong input rows
  EXPECT_THROW(net32.step(MatF::Zero(3, 6), s, y, ws), Error);  // state of another batch
}

// Runs 6 steps of a 1000-column batch (8 blocks of 128 and a ragged one) on `threads` threads.
template <class Net, class State, class Work, class M>
std::pair<M, State> run_threaded(const Net& net, int threads) {
  const Index B = 1000;
  State s = net.zero_state(B);
  Work ws;
  ws.threads = threads;
  Rng rng(9);
  M y;
  for (int t = 0; t < 6; ++t) net.step(random_inputs(rng, 3, B).cast<typename M::Scalar>(), s, y, ws);
  return {y, s};
}

TEST(LstmThreads, BitIdenticalForAnyThreadCountInBothPrecisions) {
  const Lstm net = random_net(LstmConfig{3, {32}, 1, 1.0, 0.0}, 7);
  const LstmF32 net32(net);
  const auto [y1, s1] = run_threaded<Lstm, LstmState, LstmWorkspace, Mat>(net, 1);
  const auto [f1, t1] = run_threaded<LstmF32, LstmStateF32, LstmWorkspaceF32, MatF>(net32, 1);
  // 2 and 3 threads (more threads than cores on a 2-core machine). Not 16: a team that large made
  // libomp allocate runtime memory it still held at exit, which LeakSanitizer reported as a leak
  // (allocated inside libomp.so) in the sanitized build.
  for (int threads : {2, 3}) {
    const auto [y, s] = run_threaded<Lstm, LstmState, LstmWorkspace, Mat>(net, threads);
    EXPECT_TRUE(y == y1) << threads << " threads, float64";
    EXPECT_TRUE(s.h[0] == s1.h[0] && s.c[0] == s1.c[0]) << threads << " threads, float64";
    const auto [f, t] = run_threaded<LstmF32, LstmStateF32, LstmWorkspaceF32, MatF>(net32, threads);
    EXPECT_TRUE(f == f1) << threads << " threads, float32";
    EXPECT_TRUE(t.h[0] == t1.h[0] && t.c[0] == t1.c[0]) << threads << " threads, float32";
  }
  std::string why;
  if (bf16x3_available(&why)) {
    const LstmF32 netx3(net, true);
    const auto [b1, u1] = run_threaded<LstmF32, LstmStateF32, LstmWorkspaceF32, MatF>(netx3, 1);
    for (int threads : {2, 3}) {
      const auto [b, u] = run_threaded<LstmF32, LstmStateF32, LstmWorkspaceF32, MatF>(netx3, threads);
      EXPECT_TRUE(b == b1) << threads << " threads, bf16x3";
      EXPECT_TRUE(u.h[0] == u1.h[0] && u.c[0] == u1.c[0]) << threads << " threads, bf16x3";
    }
  }
  // And the threaded float64 step is the plain one of Lstm::step without a workspace.
  LstmState s = net.zero_state(1000);
  Rng rng(9);
  Mat y;
  for (int t = 0; t < 6; ++t) net.step(random_inputs(rng, 3, 1000), s, y);
  EXPECT_TRUE(y == y1);
}

TEST(Precision, ParsesItsNamesAndRejectsOthers) {
  EXPECT_EQ(parse_precision("float32", "--precision"), Precision::Float32);
  EXPECT_EQ(parse_precision("float64", "--precision"), Precision::Float64);
  EXPECT_EQ(parse_precision("bf16x3", "--precision"), Precision::Bf16x3);
  EXPECT_STREQ(to_string(Precision::Float32), "float32");
  EXPECT_STREQ(to_string(Precision::Bf16x3), "bf16x3");
  EXPECT_TRUE(runs_float32_lstm(Precision::Bf16x3));
  EXPECT_FALSE(runs_float32_lstm(Precision::Float64));
  try {
    parse_precision("half", "--precision");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--precision: unknown precision 'half'"), std::string::npos) << e.what();
  }
}
}  // namespace
}  // namespace l2o
