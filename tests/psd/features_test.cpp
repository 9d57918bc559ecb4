// PSD features against a direct computation from the stored history: every formula is evaluated
// from scratch at every time step (explicit averages, explicit index clamps and zero-fill), and the
// incremental ring-buffer implementation must agree, including the first steps and after the
// buffers wrap around.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/psd/features.hpp"

namespace l2o {
namespace {

struct History {
  std::vector<Vec> x, g;
  std::vector<double> f;
};

History random_history(Index dim, Index T, std::uint64_t seed) {
  Rng rng(seed);
  History h;
  Vec x = Vec::Zero(dim);
  for (Index t = 0; t < T; ++t) {
    for (Index j = 0; j < dim; ++j) x(j) += 0.3 * rng.normal();
    Vec g(dim);
    for (Index j = 0; j < dim; ++j) g(j) = 2.0 * rng.normal();
    h.x.push_back(x);
    h.g.push_back(g);
    h.f.push_back(0.5 + rng.uniform());
  }
  return h;
}

// Direct evaluation of the formulas in method.md §3 from the whole history.
struct Direct {
  const History& h;
  FeatureConfig c;

  template <class T>
  T average(const std::vector<T>& v, Index i) const {
    const Index from = std::max<Index>(i - c.window + 1, 0);
    T sum = v[from];
    for (Index j = from + 1; j <= i; ++j) sum = sum + v[j];
    return sum / static_cast<double>(i - from + 1);
  }
  double F(Index i) const { return average(h.f, i); }
  double G(Index i, Index j) const { return average(h.g, i)(j); }
  double X(Index i, Index j) const { return average(h.x, i)(j); }

  double o1(Index t) const { return t == 0 ? 0.0 : (h.f[t] - h.f[t - 1]) / std::abs(h.f[t - 1]); }
  double o2(Index t, Index j) const {
    return h.g[t](j) / (std::abs(h.g[std::max<Index>(t - 1, 0)](j)) + c.grad_offset);
  }
  double o3(Index t, Index j) const {
    if (t == 0) return 0.0;
    const double num = h.x[std::max<Index>(t - 1, 1)](j) - h.x[std::max<Index>(t - 2, 0)](j);
    return std::abs(num / (std::abs(h.x[t](j) - h.x[t - 1](j)) + c.step_offset));
  }

  // All state features at time t for coordinate j, rows as StateFeatures::compute writes them.
  Vec state(Index t, Index j) const {
    const Index s = c.stride, r = t % s;
    std::vector<double> out;
    for (Index i = 0; i <= c.s1_upper; ++i) {
      const Index a = t - s * i, b = t - s * (i + 1);
      out.push_back(a < 0 || b < 0 ? 0.0 : (F(a) - F(b)) / std::abs(F(b)));
    }
    for (Index i = 0; i <= c.s2_upper; ++i) {
      const Index a = t - s * i, m = std::max(t - s * (i + 1), r);
      out.push_back(a < 0 ? 0.0 : G(a, j) / (std::abs(G(m, j)) + c.grad_offset));
    }
    for (Index i = 0; i <= c.s3_upper; ++i) {
      const Index a = t - s * i, b = t - s * (i + 1);
      if (a < 0 || b < 0) {
        out.push_back(0.0);
        continue;
      }
      const Index p = std::max(t - s * (i + 1), r + s), q = std::max(t - s * (i + 2), r);
      out.push_back(std::abs((X(p, j) - X(q, j)) / (std::abs(X(a, j) - X(b, j)) + c.step_offset)));
    }
    return Eigen::Map<const Vec>(out.data(), static_cast<Index>(out.size()));
  }
};

double max_abs_diff(const Mat& a, const Mat& b) { return (a - b).cwiseAbs().maxCoeff(); }

TEST(ObservationFeatures, MatchDirectComputationAtEveryStep) {
  const Index dim = 9, T = 40;
  const History h = random_history(dim, T, 1);
  FeatureConfig cfg;
  Direct d{h, cfg};
  ObservationFeatures obs(cfg, dim);
  Mat m, sub;
  const std::vector<Index> coords{8, 2, 5};
  for (Index t = 0; t < T; ++t) {
    obs.observe(h.x[t], h.f[t], h.g[t]);
    ASSERT_EQ(obs.time(), t);
    obs.compute(2, 6, m);  // coordinates 2..7
    ASSERT_EQ(m.rows(), 3);
    ASSERT_EQ(m.cols(), 6);
    for (Index k = 0; k < 6; ++k) {
      EXPECT_NEAR(m(0, k), d.o1(t), 1e-14);
      EXPECT_NEAR(m(1, k), d.o2(t, 2 + k), 1e-14);
      EXPECT_NEAR(m(2, k), d.o3(t, 2 + k), 1e-14);
    }
    obs.compute(coords, sub);
    for (std::size_t k = 0; k < coords.size(); ++k) {
      EXPECT_NEAR(sub(1, static_cast<Index>(k)), d.o2(t, coords[k]), 1e-14);
      EXPECT_NEAR(sub(2, static_cast<Index>(k)), d.o3(t, coords[k]), 1e-14);
    }
  }
}

// The edge-case table of method.md §3.3, written out by hand.
TEST(ObservationFeatures, EdgeCasesOfFirstSteps) {
  ObservationFeatures obs({}, 2);
  Vec x0(2), g0(2), x1(2), g1(2);
  x0 << 1.0, -1.0;
  g0 << 3.0, -0.5;
  x1 << 1.2, -1.0;
  g1 << 1.0, 2.0;
  obs.observe(x0, 2.0, g0);
  EXPECT_EQ(obs.o1(), 0.0);
  EXPECT_DOUBLE_EQ(obs.o2()(0), 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(obs.o2()(1), -0.5 / 1.5);
  EXPECT_EQ(obs.o3()(0), 0.0);
  obs.observe(x1, 1.5, g1);
  EXPECT_DOUBLE_EQ(obs.o1(), -0.25);
  EXPECT_DOUBLE_EQ(obs.o2()(0), 1.0 / 4.0);
  EXPECT_DOUBLE_EQ(obs.o2()(1), 2.0 / 1.5);
  EXPECT_NEAR(obs.o3()(0), 0.2 / 0.3, 1e-15);  // first step against itself: |d| / (|d| + 0.1)
  EXPECT_EQ(obs.o3()(1), 0.0);                  // no movement
  // A zero previous loss makes the relative change undefined: zero, not Inf.
  ObservationFeatures z({}, 1);
  z.observe(Vec::Zero(1), 0.0, Vec::Ones(1));
  z.observe(Vec::Ones(1), 1.0, Vec::Ones(1));
  EXPECT_EQ(z.o1(), 0.0);
}

TEST(ObservationFeatures, SaveLoadContinuesIdentically) {
  const Index dim = 5, T = 12;
  const History h = random_history(dim, T, 4);
  ObservationFeatures a({}, dim), b({}, 1);
  for (Index t = 0; t < 6; ++t) a.observe(h.x[t], h.f[t], h.g[t]);
  b.load(a.save());
  EXPECT_EQ(b.time(), 5);
  for (Index t = 6; t < T; ++t) {
    a.observe(h.x[t], h.f[t], h.g[t]);
    b.observe(h.x[t], h.f[t], h.g[t]);
    Mat ma, mb;
    a.compute(0, dim, ma);
    b.compute(0, dim, mb);
    EXPECT_EQ(ma, mb);
  }
  EXPECT_THROW(b.load(nlohmann::json{{"dim", 3}}), Error);
}

TEST(ObservationFeatures, RejectsWrongDimensionsAndRanges) {
  ObservationFeatures obs({}, 3);
  EXPECT_THROW(obs.observe(Vec::Zero(2), 1.0, Vec::Zero(3)), Error);
  obs.observe(Vec::Zero(3), 1.0, Vec::Zero(3));
  Mat m;
  EXPECT_THROW(obs.compute(2, 2, m), Error);
  EXPECT_THROW(obs.compute(std::vector<Index>{3}, m), Error);
}

void check_state_features(const FeatureConfig& cfg, Index dim, Index T, std::uint64_t seed) {
  const History h = random_history(dim, T, seed);
  Direct d{h, cfg};
  StateFeatures sf(cfg, dim);
  ASSERT_EQ(sf.count(), cfg.state_count());
  ASSERT_LT(sf.history_length(), T) << "the test must wrap the ring buffers around";
  const std::vector<Index> coords{dim - 1, 0, 3};
  Mat m, sub;
  for (Index t = 0; t < T; ++t) {
    sf.observe(h.x[t], h.f[t], h.g[t]);
    sf.compute(1, dim - 1, m);
    ASSERT_EQ(m.rows(), sf.count());
    Mat want(sf.count(), dim - 1);
    for (Index j = 1; j < dim; ++j) want.col(j - 1) = d.state(t, j);
    ASSERT_LT(max_abs_diff(m, want), 1e-12) << "t = " << t;
    sf.compute(coords, sub);
    for (std::size_t k = 0; k < coords.size(); ++k)
      ASSERT_LT((sub.col(static_cast<Index>(k)) - d.state(t, coords[k])).cwiseAbs().maxCoeff(), 1e-12) << "t = " << t;
  }
}

TEST(StateFeatures, MatchDirectComputationWithPaperSettings) { check_state_features(FeatureConfig{}, 6, 150, 2); }

TEST(StateFeatures, MatchDirectComputationWithOtherSettings) {
  FeatureConfig cfg;
  cfg.window = 2;
  cfg.stride = 3;
  cfg.s1_upper = 4;
  cfg.s2_upper = 6;
  cfg.s3_upper = 3;
  cfg.grad_offset = 0.5;
  cfg.step_offset = 0.2;
  check_state_features(cfg, 4, 60, 3);
}

// Hand-checked values of the first steps: zero-fill and clamps.
TEST(StateFeatures, FirstStepsZeroFillAndClamps) {
  FeatureConfig cfg;
  StateFeatures sf(cfg, 1);
  const int n1 = cfg.s1_count(), n2 = cfg.s2_count();
  Mat m;
  sf.observe(Vec::Constant(1, 1.0), 2.0, Vec::Constant(1, 4.0));
  sf.compute(0, 1, m);
  EXPECT_EQ(m.col(0).head(n1).cwiseAbs().sum(), 0.0);  // S1 needs two grid points
  EXPECT_DOUBLE_EQ(m(n1, 0), 4.0 / 5.0);                // S2_0 normalised by itself (clamped to t mod 5)
  EXPECT_EQ(m.col(0).tail(m.rows() - n1 - 1).cwiseAbs().sum(), 0.0);
  for (int t = 1; t <= 5; ++t) sf.observe(Vec::Constant(1, 1.0 + t), 2.0 + t, Vec::Constant(1, 4.0));
  // t = 5: averages X(5) = mean(x3,x4,x5) = 5, X(0) = 1; S3_0 = |X5-X0| / (|X5-X0| + 0.1).
  sf.compute(0, 1, m);
  EXPECT_NEAR(m(n1 + n2, 0), 4.0 / 4.1, 1e-15);
  EXPECT_EQ(m(n1 + n2 + 1, 0), 0.0);
  // S1_0 = (F(5) - F(0)) / F(0) with F(5) = mean(5, 6, 7) = 6, F(0) = 2.
  EXPECT_DOUBLE_EQ(m(0, 0), 2.0);
  EXPECT_EQ(m(1, 0), 0.0);
}

TEST(StateFeatures, SaveLoadContinuesIdentically) {
  const Index dim = 3, T = 160;
  const History h = random_history(dim, T, 9);
  StateFeatures a({}, dim), b({}, 1);
  for (Index t = 0; t < 140; ++t) a.observe(h.x[t], h.f[t], h.g[t]);
  b.load(a.save());
  for (Index t = 140; t < T; ++t) {
    a.observe(h.x[t], h.f[t], h.g[t]);
    b.observe(h.x[t], h.f[t], h.g[t]);
  }
  Mat ma, mb;
  a.compute(0, dim, ma);
  b.compute(0, dim, mb);
  EXPECT_EQ(ma, mb);
  FeatureConfig other;
  other.stride = 4;
  StateFeatures c(other, dim);
  EXPECT_THROW(c.load(a.save()), Error);
}

TEST(FeatureConfig, JsonRoundTripAndValidation) {
  FeatureConfig c;
  c.s2_upper = 25;
  c.s3_upper = 10;
  const FeatureConfig d = FeatureConfig::from_json(c.to_json(), "f");
  EXPECT_EQ(d.s2_upper, 25);
  EXPECT_EQ(d.s3_upper, 10);
  EXPECT_EQ(d.state_count(), 25 + 26 + 11);
  nlohmann::json bad = c.to_json();
  bad["step_offset"] = -1.0;
  EXPECT_THROW(FeatureConfig::from_json(bad, "f"), Error);
  bad = c.to_json();
  bad["stride"] = "five";
  EXPECT_THROW(FeatureConfig::from_json(bad, "f"), Error);
}
}  // namespace
}  // namespace l2o
