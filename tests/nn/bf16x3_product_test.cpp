// The bf16x3 gate product (nn/bf16x3_product.hpp): bfloat16 rounding, the three-product split
// against a float64 reference (and against one bfloat16 product, which it must beat by far), the
// independence of a block's columns, and its errors. Skipped where oneDNN or the CPU cannot run it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/nn/bf16x3_product.hpp"

namespace l2o {
namespace {

MatF random_matf(Rng& rng, Index rows, Index cols, double scale) {
  MatF m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(scale * rng.normal());
  return m;
}

#define SKIP_WITHOUT_BF16X3()                                     \
  do {                                                            \
    std::string why;                                              \
    if (!bf16x3_available(&why)) GTEST_SKIP() << "bf16x3: " << why; \
  } while (0)

TEST(Bf16, RoundsToNearestEvenAndKeepsSpecialValues) {
  EXPECT_EQ(to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(from_bf16(0x3f80), 1.0f);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
  EXPECT_EQ(to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: ties go to 1 + 2^-6 (even).
  EXPECT_EQ(to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 0x3f81);  // above halfway: up
  EXPECT_TRUE(std::isinf(from_bf16(to_bf16(std::numeric_limits<float>::infinity()))));
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(-std::numeric_limits<float>::quiet_NaN()))));
  // The largest float rounds to infinity, as IEEE rounding to 8 mantissa bits does.
  EXPECT_TRUE(std::isinf(from_bf16(to_bf16(std::numeric_limits<float>::max()))));
}

TEST(Bf16, HighAndLowPartsCarrySixteenBits) {
  Rng rng(3);
  double worst = 0.0;
  for (int k = 0; k < 10000; ++k) {
    const float v = static_cast<float>(rng.normal() * std::exp(4.0 * rng.normal()));
    const float hi = from_bf16(to_bf16(v)), lo = from_bf16(to_bf16(v - hi));
    worst = std::max(worst, std::abs((static_cast<double>(hi) + lo - v) / v));
    EXPECT_LE(std::abs(v - hi), std::ldexp(std::abs(v), -8));  // one bfloat16: 8 bits
  }
  EXPECT_LT(worst, std::ldexp(1.0, -16));
}

// a = W [u; h] + b in float64 from the float32 inputs.
Mat reference(const MatF& W, const VecF& b, const MatF& u, const MatF& h) {
  MatF z(u.rows() + h.rows(), u.cols());
  z << u, h;
  return (W.cast<double>() * z.cast<double>()).colwise() + b.cast<double>();
}

TEST(Bf16x3GateProduct, MatchesTheFloat64ProductFarBetterThanOneBfloat16Product) {
  SKIP_WITHOUT_BF16X3();
  Rng rng(5);
  const Index in = 7, H = 128, R = 4 * H, n = 128;
  const MatF W = random_matf(rng, R, in + H, 1.0 / std::sqrt(H));
  const VecF b = random_matf(rng, R, 1, 0.5);
  const MatF u = random_matf(rng, in, n, 3.0), h = random_matf(rng, H, n, 0.5);
  const Bf16x3GateProduct product(W, b, in, n);
  EXPECT_EQ(product.rows(), R);
  EXPECT_EQ(product.block(), n);
  auto scratch = product.make_scratch();
  MatF a;
  product.apply(u, h, a, *scratch);
  ASSERT_EQ(a.rows(), R);
  const Mat ref = reference(W, b, u, h);
  // The scale of each entry: sum |W| |z| + |b|, what rounding errors are relative to.
  MatF z(in + H, n);
  z << u, h;
  const Mat scale = (W.cast<double>().cwiseAbs() * z.cast<double>().cwiseAbs()).colwise() + b.cast<double>().cwiseAbs();
  const double err3 = ((a.leftCols(n).cast<double>() - ref).array() / scale.array()).abs().maxCoeff();
  // One bfloat16 product of the rounded factors, for comparison.
  MatF W1 = W, z1 = z;
  VecF b1 = b;
  for (Index k = 0; k < W1.size(); ++k) W1.data()[k] = from_bf16(to_bf16(W1.data()[k]));
  for (Index k = 0; k < z1.size(); ++k) z1.data()[k] = from_bf16(to_bf16(z1.data()[k]));
  for (Index k = 0; k < b1.size(); ++k) b1.data()[k] = from_bf16(to_bf16(b1.data()[k]));
  const Mat one = (W1.cast<double>() * z1.cast<double>()).colwise() + b1.cast<double>();
  const double err1 = ((one - ref).array() / scale.array()).abs().maxCoeff();
  EXPECT_LT(err3, 2e-5);
  EXPECT_GT(err3, 0.0);  // it really ran in reduced precision
  EXPECT_LT(err3 * 50, err1) << "three products " << err3 << ", one " << err1;
  RecordProperty("max_relative_error", std::to_string(err3));
}

TEST(Bf16x3GateProduct, AColumnDependsOnItsOwnInputsOnly) {
  SKIP_WITHOUT_BF16X3();
  Rng rng(6);
  const Index in = 3, H = 20, R = 4 * H, block = 32;
  const MatF W = random_matf(rng, R, in + H, 0.3);
  const VecF b = random_matf(rng, R, 1, 0.1);
  const MatF u = random_matf(rng, in, block, 1.0), h = random_matf(rng, H, block, 0.5);
  const Bf16x3GateProduct product(W, b, in, block);
  auto scratch = product.make_scratch();
  MatF full, part;
  product.apply(u, h, full, *scratch);
  // A ragged block of 11 columns (the scratch still holds the full block's rows past them).
  product.apply(u.middleCols(5, 11), h.middleCols(5, 11), part, *scratch);
  EXPECT_TRUE(part.leftCols(11) == full.middleCols(5, 11));
  // Another scratch (another thread's) gives the same bits.
  auto other = product.make_scratch();
  MatF again;
  product.apply(u, h, again, *other);
  EXPECT_TRUE(again.leftCols(block) == full.leftCols(block));
}

TEST(Bf16x3GateProduct, RejectsInputsThatDoNotFit) {
  SKIP_WITHOUT_BF16X3();
  const MatF W = MatF::Ones(8, 5);
  const VecF b = VecF::Zero(8);
  EXPECT_THROW(Bf16x3GateProduct(W, VecF::Zero(7), 2, 4), Error);  // bias of the wrong size
  EXPECT_THROW(Bf16x3GateProduct(W, b, 5, 4), Error);              // no hidden part
  EXPECT_THROW(Bf16x3GateProduct(W, b, 2, 0), Error);              // empty block
  const Bf16x3GateProduct product(W, b, 2, 4);
  auto scratch = product.make_scratch();
  MatF a;
  EXPECT_THROW(product.apply(MatF::Zero(2, 5), MatF::Zero(3, 5), a, *scratch), Error);  // more than a block
  EXPECT_THROW(product.apply(MatF::Zero(3, 4), MatF::Zero(3, 4), a, *scratch), Error);  // input rows
  EXPECT_THROW(product.apply(MatF::Zero(2, 4), MatF::Zero(3, 3), a, *scratch), Error);  // column counts
}

TEST(Bf16x3GateProduct, SaysWhyWhenUnavailable) {
  std::string why;
  if (bf16x3_available(&why)) GTEST_SKIP() << "bf16x3 is available here";
  EXPECT_FALSE(why.empty());
  try {
    Bf16x3GateProduct(MatF::Ones(8, 5), VecF::Zero(8), 2, 4);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bf16x3 precision is not available"), std::string::npos) << e.what();
  }
}
}  // namespace
}  // namespace l2o
