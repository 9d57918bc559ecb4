// The kernel's polynomial exp and tanh (psd_small/small_simd.hpp) against the C library's, lane by
// lane on the vector type the kernel uses.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "l2o/psd_small/small_simd.hpp"

namespace l2o {
namespace {

using small_simd::kSimdWidth;
using small_simd::vf;

// f applied to every x, a vector at a time.
std::vector<float> map_lanes(const std::vector<float>& xs, const std::function<vf(vf)>& f) {
  std::vector<float> out(xs.size());
  for (std::size_t i = 0; i + kSimdWidth <= xs.size(); i += kSimdWidth)
    small_simd::store(out.data() + i, f(small_simd::load(xs.data() + i)));
  return out;
}

std::vector<float> grid(float lo, float step, int count) {
  std::vector<float> xs;
  for (int i = 0; i < count; ++i) xs.push_back(lo + step * static_cast<float>(i));
  while (xs.size() % kSimdWidth) xs.push_back(0.0f);
  return xs;
}

TEST(PsdSmallFastExp, MatchesStdExpToFloatAccuracy) {
  const std::vector<float> xs = grid(-80.0f, 1e-3f, 160001);  // [-80, 80], the step clamp [-8, 8] included
  const std::vector<float> ys = map_lanes(xs, small_simd::fast_exp);
  double worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double want = std::exp(static_cast<double>(xs[i]));
    worst = std::max(worst, std::abs(static_cast<double>(ys[i]) - want) / want);
  }
  EXPECT_LT(worst, 3e-7);
  // Exactly 1 at 0: the Adam-equivalent policy relies on it.
  EXPECT_EQ(map_lanes(std::vector<float>(kSimdWidth, 0.0f), small_simd::fast_exp)[0], 1.0f);
}

TEST(PsdSmallFastExp, TanhMatchesStdTanh) {
  std::vector<float> xs = grid(-20.0f, 1e-3f, 40001);
  xs.insert(xs.end(), kSimdWidth, 100.0f);
  xs.insert(xs.end(), kSimdWidth, -100.0f);
  const std::vector<float> ys = map_lanes(xs, small_simd::fast_tanh);
  double worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(ys[i]) - std::tanh(static_cast<double>(xs[i]))));
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(ys[ys.size() - kSimdWidth - 1], 1.0f);
  EXPECT_EQ(ys.back(), -1.0f);
}
}  // namespace
}  // namespace l2o
