// The coordinatewise LSTM: gradients against central finite differences (full and truncated
// BPTT, inputs, initial state), batching (columns are independent coordinates), state handling.
#include <gtest/gtest.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/nn/lstm.hpp"

namespace l2o {
namespace {

Mat random_mat(Rng& rng, Index r, Index c, double scale = 1.0) {
  Mat m(r, c);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = scale * rng.normal();
  return m;
}

LstmState random_state(const Lstm& net, Rng& rng, Index batch) {
  LstmState s = net.zero_state(batch);
  for (auto& m : s.h) m = random_mat(rng, m.rows(), m.cols(), 0.5);
  for (auto& m : s.c) m = random_mat(rng, m.rows(), m.cols(), 0.5);
  return s;
}

// A small two-layer net with two outputs, so that every code path of the stacked case is used.
struct Fixture {
  Lstm net;
  Index B = 3, T = 6;
  std::vector<Mat> inputs, out_weights;  // loss = sum_t sum(R_t .* y_t + 0.5 y_t.^2)
  LstmState init, final_weight;          // + sum(Qh .* h_T) + sum(Qc .* c_T)

  Fixture() : net(LstmConfig{3, {4, 3}, 2, 1.0, 0.0}) {
    Rng rng(7);
    net.init_params(rng);
    // Larger weights than the default initialisation, so the nonlinearities are exercised.
    net.params() *= 2.0;
    for (Index t = 0; t < T; ++t) {
      inputs.push_back(random_mat(rng, 3, B));
      out_weights.push_back(random_mat(rng, 2, B));
    }
    init = random_state(net, rng, B);
    final_weight = random_state(net, rng, B);
  }

  double output_loss(const std::vector<Mat>& ys) const {
    double L = 0;
    for (std::size_t t = 0; t < ys.size(); ++t)
      L += (out_weights[t].array() * ys[t].array() + 0.5 * ys[t].array().square()).sum();
    return L;
  }
  double state_loss(const LstmState& s) const {
    double L = 0;
    for (std::size_t l = 0; l < s.h.size(); ++l)
      L += (final_weight.h[l].array() * s.h[l].array()).sum() + (final_weight.c[l].array() * s.c[l].array()).sum();
    return L;
  }
  // Full loss of a forward run from `start`.
  double loss(const Lstm& n, const std::vector<Mat>& xs, LstmState start) const {
    std::vector<Mat> ys;
    n.forward(xs, start, &ys, nullptr);
    return output_loss(ys) + state_loss(start);
  }
  OutputGradFn grad_fn() const {
    return [this](Index t, const Mat& y, Mat& dy) { dy = out_weights[t] + y; };
  }
};

TEST(Lstm, ParameterCountAndLayout) {
  Lstm net(LstmConfig{3, {4, 3}, 2, 1.0, 0.0});
  // Layer 1: 16 x 7 + 16; layer 2: 12 x 7 + 12; read-out 2 x 3 + 2.
  EXPECT_EQ(net.num_params(), 16 * 7 + 16 + 12 * 7 + 12 + 2 * 3 + 2);
  EXPECT_EQ(net.weights(0).rows(), 16);
  EXPECT_EQ(net.weights(1).cols(), 7);
  // The views are windows into the flat vector, in declared order.
  net.weights(1)(0, 0) = 5.0;
  EXPECT_EQ(net.params()(16 * 7 + 16), 5.0);
  net.readout_bias()(1) = 3.0;
  EXPECT_EQ(net.params()(net.num_params() - 1), 3.0);
}

TEST(Lstm, InitialisationSetsForgetBiasAndIsSeeded) {
  LstmConfig cfg{3, {8}, 1, 2.5, 0.0};
  Lstm a(cfg), b(cfg);
  Rng r1(3), r2(3);
  a.init_params(r1);
  b.init_params(r2);
  EXPECT_EQ(a.params(), b.params());
  EXPECT_TRUE((a.bias(0).segment(8, 8).array() == 2.5).all());
  EXPECT_TRUE((a.bias(0).head(8).array() == 0.0).all());
  const double r = 1.0 / std::sqrt(8.0);
  EXPECT_LE(a.weights(0).cwiseAbs().maxCoeff(), r);
  EXPECT_GT(a.weights(0).cwiseAbs().maxCoeff(), 0.5 * r);
}

// One step against the equations written out for a single coordinate with scalar loops.
TEST(Lstm, StepMatchesScalarEquations) {
  Lstm net(LstmConfig{2, {3}, 1, 1.0, 0.0});
  Rng rng(11);
  net.init_params(rng);
  net.params() *= 3.0;
  Mat x = random_mat(rng, 2, 1);
  LstmState s = random_state(net, rng, 1);
  const Vec h0 = s.h[0].col(0), c0 = s.c[0].col(0);
  Mat y;
  net.step(x, s, y);
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const auto W = net.weights(0);
  for (int k = 0; k < 3; ++k) {
    double a[4];
    for (int gate = 0; gate < 4; ++gate) {
      const int row = gate * 3 + k;
      a[gate] = net.bias(0)(row) + W(row, 0) * x(0, 0) + W(row, 1) * x(1, 0);
      for (int j = 0; j < 3; ++j) a[gate] += W(row, 2 + j) * h0(j);
    }
    const double c = sig(a[1]) * c0(k) + sig(a[0]) * std::tanh(a[2]);
    EXPECT_NEAR(s.c[0](k, 0), c, 1e-14);
    EXPECT_NEAR(s.h[0](k, 0), sig(a[3]) * std::tanh(c), 1e-14);
  }
  EXPECT_NEAR(y(0, 0), (net.readout_weights() * s.h[0]).value() + net.readout_bias()(0), 1e-14);
}

// Coordinatewise: each column evolves as if it were alone, whatever the column blocking.
TEST(Lstm, BatchColumnsAreIndependentCoordinates) {
  Lstm net(LstmConfig{3, {5, 4}, 1, 1.0, 0.0});
  Rng rng(5);
  net.init_params(rng);
  const Index B = 37;
  LstmState batch = random_state(net, rng, B);
  std::vector<LstmState> singles;
  for (Index j = 0; j < B; ++j) singles.push_back(batch.slice(j, 1));
  LstmWorkspace ws;
  ws.block_columns = 8;  // several blocks and a ragged last one
  for (int t = 0; t < 4; ++t) {
    Mat x = random_mat(rng, 3, B), y;
    net.step(x, batch, y, ws);
    for (Index j = 0; j < B; ++j) {
      Mat yj;
      net.step(x.col(j), singles[j], yj);
      EXPECT_NEAR(y(0, j), yj(0, 0), 1e-13);
      EXPECT_NEAR((batch.h[1].col(j) - singles[j].h[1]).norm(), 0.0, 1e-13);
    }
  }
}

TEST(Lstm, ForwardWithTapeMatchesSteps) {
  Fixture f;
  LstmState a = f.init, b = f.init;
  std::vector<Mat> ys_tape, ys_plain;
  LstmTape tape;
  f.net.forward(f.inputs, a, &ys_tape, &tape);
  f.net.forward(f.inputs, b, &ys_plain, nullptr);
  ASSERT_EQ(tape.length(), f.T);
  for (Index t = 0; t < f.T; ++t) EXPECT_NEAR((ys_tape[t] - ys_plain[t]).norm(), 0.0, 1e-14);
  EXPECT_NEAR((a.c[1] - b.c[1]).norm(), 0.0, 1e-14);
}

TEST(Lstm, FullBpttMatchesFiniteDifferences) {
  Fixture f;
  LstmState state = f.init;
  Vec grad;
  const BpttResult r = f.net.bptt(f.inputs, state, f.grad_fn(), grad, 0, &f.final_weight);
  ASSERT_EQ(grad.size(), f.net.num_params());
  const double eps = 1e-6;
  // Parameters.
  double worst = 0;
  for (Index k = 0; k < f.net.num_params(); ++k) {
    Lstm plus = f.net, minus = f.net;
    plus.params()(k) += eps;
    minus.params()(k) -= eps;
    const double fd = (f.loss(plus, f.inputs, f.init) - f.loss(minus, f.inputs, f.init)) / (2 * eps);
    worst = std::max(worst, std::abs(fd - grad(k)) / std::max(1.0, std::abs(fd)));
  }
  EXPECT_LT(worst, 1e-7);
  // Inputs at every step.
  for (Index t = 0; t < f.T; ++t)
    for (Index k = 0; k < f.inputs[t].size(); ++k) {
      auto xp = f.inputs, xm = f.inputs;
      xp[t].data()[k] += eps;
      xm[t].data()[k] -= eps;
      const double fd = (f.loss(f.net, xp, f.init) - f.loss(f.net, xm, f.init)) / (2 * eps);
      EXPECT_NEAR(r.input_grads[t].data()[k], fd, 1e-7 * std::max(1.0, std::abs(fd)));
    }
  // Initial state (h and c of both layers).
  for (std::size_t l = 0; l < 2; ++l)
    for (Index k = 0; k < f.init.h[l].size(); ++k) {
      for (int which = 0; which < 2; ++which) {
        LstmState sp = f.init, sm = f.init;
        (which == 0 ? sp.h[l] : sp.c[l]).data()[k] += eps;
        (which == 0 ? sm.h[l] : sm.c[l]).data()[k] -= eps;
        const double fd = (f.loss(f.net, f.inputs, sp) - f.loss(f.net, f.inputs, sm)) / (2 * eps);
        const double an = (which == 0 ? r.initial_state_grad.h[l] : r.initial_state_grad.c[l]).data()[k];
        EXPECT_NEAR(an, fd, 1e-7 * std::max(1.0, std::abs(fd)));
      }
    }
  // The state is left after the last step, and the outputs are those of a plain forward run.
  LstmState plain = f.init;
  std::vector<Mat> ys;
  f.net.forward(f.inputs, plain, &ys, nullptr);
  EXPECT_NEAR((state.h[1] - plain.h[1]).norm(), 0.0, 1e-14);
  EXPECT_NEAR((r.outputs[f.T - 1] - ys[f.T - 1]).norm(), 0.0, 1e-14);
}

// Truncated BPTT is the exact gradient of the sum of per-segment losses in which each segment's
// starting state is a constant (the value the previous segment actually produced).
TEST(Lstm, TruncatedBpttMatchesFrozenBoundaryFiniteDifferences) {
  Fixture f;
  const Index k = 4;  // segments of 4 and 2 steps
  LstmState state = f.init;
  Vec grad;
  const BpttResult r = f.net.bptt(f.inputs, state, f.grad_fn(), grad, k, &f.final_weight);

  // Segment starting states from an unperturbed run.
  std::vector<LstmState> starts;
  {
    LstmState s = f.init;
    for (Index s0 = 0; s0 < f.T; s0 += k) {
      starts.push_back(s);
      std::vector<Mat> seg(f.inputs.begin() + s0, f.inputs.begin() + std::min(s0 + k, f.T));
      f.net.forward(seg, s, nullptr, nullptr);
    }
  }
  auto frozen_loss = [&](const Lstm& n) {
    double L = 0;
    for (std::size_t si = 0; si < starts.size(); ++si) {
      const Index s0 = static_cast<Index>(si) * k, s1 = std::min(s0 + k, f.T);
      std::vector<Mat> seg(f.inputs.begin() + s0, f.inputs.begin() + s1), ys;
      LstmState s = starts[si];
      n.forward(seg, s, &ys, nullptr);
      for (Index t = s0; t < s1; ++t)
        L += (f.out_weights[t].array() * ys[t - s0].array() + 0.5 * ys[t - s0].array().square()).sum();
      if (s1 == f.T) L += f.state_loss(s);
    }
    return L;
  };
  const double eps = 1e-6;
  double worst = 0;
  for (Index p = 0; p < f.net.num_params(); ++p) {
    Lstm plus = f.net, minus = f.net;
    plus.params()(p) += eps;
    minus.params()(p) -= eps;
    const double fd = (frozen_loss(plus) - frozen_loss(minus)) / (2 * eps);
    worst = std::max(worst, std::abs(fd - grad(p)) / std::max(1.0, std::abs(fd)));
  }
  EXPECT_LT(worst, 1e-7);

  // It differs from the full gradient (the cut matters), and forward values are unchanged.
  LstmState s2 = f.init;
  Vec full;
  const BpttResult rf = f.net.bptt(f.inputs, s2, f.grad_fn(), full, 0, &f.final_weight);
  EXPECT_GT((full - grad).norm(), 1e-6);
  for (Index t = 0; t < f.T; ++t) EXPECT_NEAR((rf.outputs[t] - r.outputs[t]).norm(), 0.0, 1e-14);
  EXPECT_NEAR((state.c[0] - s2.c[0]).norm(), 0.0, 1e-14);
}

TEST(Lstm, TruncationLongerThanSequenceEqualsFullBptt) {
  Fixture f;
  LstmState a = f.init, b = f.init;
  Vec g1, g2;
  f.net.bptt(f.inputs, a, f.grad_fn(), g1, 0);
  f.net.bptt(f.inputs, b, f.grad_fn(), g2, f.T + 3);
  EXPECT_NEAR((g1 - g2).norm(), 0.0, 1e-13);
}

TEST(Lstm, GradientAccumulatesIntoGivenVector) {
  Fixture f;
  LstmState a = f.init, b = f.init;
  Vec once, twice;
  f.net.bptt(f.inputs, a, f.grad_fn(), once, 0);
  twice = once;
  f.net.bptt(f.inputs, b, f.grad_fn(), twice, 0);
  EXPECT_NEAR((twice - 2 * once).norm(), 0.0, 1e-12);
}

TEST(LstmState, GatherScatterSliceRoundTrip) {
  Lstm net(LstmConfig{3, {4, 2}, 1, 1.0, 0.0});
  Rng rng(2);
  LstmState s = random_state(net, rng, 6);
  const std::vector<Index> cols{4, 1, 5};
  LstmState g = s.gather(cols);
  ASSERT_EQ(g.batch(), 3);
  EXPECT_EQ(g.h[1].col(0), s.h[1].col(4));
  EXPECT_EQ(g.c[0].col(2), s.c[0].col(5));
  g.h[0].setConstant(9.0);
  s.scatter(cols, g);
  EXPECT_EQ(s.h[0](2, 1), 9.0);
  EXPECT_NE(s.h[0](2, 0), 9.0);
  const LstmState sl = s.slice(2, 3);
  EXPECT_EQ(sl.c[1].col(0), s.c[1].col(2));
  // A copy is independent of the original.
  LstmState copy = s;
  copy.set_zero();
  EXPECT_EQ(s.h[0](2, 1), 9.0);
}

TEST(Lstm, TensorsRoundTripAndShapeChecks) {
  Lstm a(LstmConfig{3, {4, 2}, 1, 1.0, 0.0});
  Rng rng(8);
  a.init_params(rng);
  auto tensors = a.to_tensors("net/");
  ASSERT_EQ(tensors.size(), 6u);
  EXPECT_EQ(tensors[0].name, "net/lstm1.W");
  EXPECT_EQ(tensors[0].shape, (std::vector<Index>{16, 7}));
  Lstm b(a.config());
  b.from_tensors(tensors, "net/", "file.json");
  EXPECT_EQ(a.params(), b.params());
  tensors[2].shape = {8, 7};
  try {
    b.from_tensors(tensors, "net/", "file.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("net/lstm2.W"), std::string::npos);
  }
  tensors.pop_back();
  EXPECT_THROW(b.from_tensors(tensors, "net/", "file.json"), Error);
}

TEST(Lstm, RejectsBadShapes) {
  Lstm net(LstmConfig{3, {4}, 1, 1.0, 0.0});
  LstmState s = net.zero_state(5);
  Mat y;
  EXPECT_THROW(net.step(Mat::Zero(2, 5), s, y), Error);
  EXPECT_THROW(net.step(Mat::Zero(3, 4), s, y), Error);
  EXPECT_THROW(Lstm(LstmConfig{3, {}, 1, 1.0, 0.0}), Error);
  EXPECT_THROW(Lstm(LstmConfig{0, {4}, 1, 1.0, 0.0}), Error);
}

TEST(LstmConfig, JsonRoundTripAndValidation) {
  LstmConfig c{3, {20, 20}, 1, 0.5, 0.1};
  const LstmConfig d = LstmConfig::from_json(c.to_json(), "x");
  EXPECT_EQ(d.layers, c.layers);
  EXPECT_EQ(d.forget_bias, 0.5);
  EXPECT_EQ(d.init_range, 0.1);
  nlohmann::json bad = c.to_json();
  bad["layers"] = "128";
  EXPECT_THROW(LstmConfig::from_json(bad, "x"), Error);
  bad = c.to_json();
  bad["cell"] = "gru";
  EXPECT_THROW(LstmConfig::from_json(bad, "x"), Error);
}
}  // namespace
}  // namespace l2o
