// The log/sign gradient preprocessing of ADH16 (Appendix A), p = 10 unless stated.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/l2l/preprocess.hpp"

namespace l2o {
namespace {

Mat features(std::initializer_list<double> values, double p = 10.0) {
  Vec g(static_cast<Index>(values.size()));
  Index i = 0;
  for (double v : values) g[i++] = v;
  Mat out;
  log_sign_preprocess(g, p, out);
  return out;
}

TEST(LogSignPreprocess, LargeGradientsGiveLogMagnitudeAndSign) {
  const Mat f = features({1.0, -std::exp(-5.0), std::exp(3.0)});
  ASSERT_EQ(f.rows(), 2);
  ASSERT_EQ(f.cols(), 3);
  EXPECT_NEAR(f(0, 0), 0.0, 1e-15);
  EXPECT_EQ(f(1, 0), 1.0);
  EXPECT_NEAR(f(0, 1), -0.5, 1e-15);  // log(e^-5)/10
  EXPECT_EQ(f(1, 1), -1.0);
  EXPECT_NEAR(f(0, 2), 0.3, 1e-15);
  EXPECT_EQ(f(1, 2), 1.0);
}

TEST(LogSignPreprocess, SmallGradientsAreScaledLinearly) {
  const Mat f = features({std::exp(-12.0), -std::exp(-11.0), 0.0});
  EXPECT_EQ(f(0, 0), -1.0);
  EXPECT_NEAR(f(1, 0), std::exp(-2.0), 1e-15);  // e^10 * e^-12
  EXPECT_EQ(f(0, 1), -1.0);
  EXPECT_NEAR(f(1, 1), -std::exp(-1.0), 1e-15);
  EXPECT_EQ(f(0, 2), -1.0);
  EXPECT_EQ(f(1, 2), 0.0);
}

TEST(LogSignPreprocess, ContinuousAtTheThreshold) {
  // Just above and just below |g| = e^-p both branches give about (-1, +-1).
  const double t = std::exp(-10.0);
  const Mat f = features({t * (1 + 1e-9), t * (1 - 1e-9), -t * (1 + 1e-9), -t * (1 - 1e-9)});
  for (Index j = 0; j < 4; ++j) {
    EXPECT_NEAR(f(0, j), -1.0, 1e-9) << j;
    EXPECT_NEAR(std::abs(f(1, j)), 1.0, 1e-8) << j;
  }
}

TEST(LogSignPreprocess, OtherPRescalesTheLogFeature) {
  const Mat f = features({std::exp(-2.0), std::exp(-6.0)}, 5.0);
  EXPECT_NEAR(f(0, 0), -0.4, 1e-15);
  EXPECT_EQ(f(0, 1), -1.0);                      // below e^-5
  EXPECT_NEAR(f(1, 1), std::exp(-1.0), 1e-15);   // e^5 * e^-6
}

TEST(LogSignPreprocess, NonFiniteGradientsGiveNaNFeatures) {
  const Mat f = features({std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 1.0});
  EXPECT_TRUE(std::isnan(f(0, 0)) && std::isnan(f(1, 0)));
  EXPECT_TRUE(std::isnan(f(0, 1)) && std::isnan(f(1, 1)));
  EXPECT_TRUE(std::isfinite(f(0, 2)));
}

TEST(LogSignPreprocess, RejectsNonPositiveP) {
  Mat out;
  EXPECT_THROW(log_sign_preprocess(Vec::Ones(2), 0.0, out), Error);
  EXPECT_THROW(log_sign_preprocess(Vec::Ones(2), -1.0, out), Error);
}
}  // namespace
}  // namespace l2o
