// The bytes a distributed rollout_batch exchanges (docs/distributed.md): a TrajectoryRecord
// survives encode/decode bit for bit, whatever it holds, and malformed bytes are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/gps/controllers.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/gps/rollout.hpp"
#include "support/synthetic_data.hpp"

namespace l2o::gps {
namespace {

bool same_bits(const Mat& a, const Mat& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0);
}
bool same_bits(const std::vector<Mat>& a, const std::vector<Mat>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}
bool same_bits(const std::vector<std::vector<Mat>>& a, const std::vector<std::vector<Mat>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}

void expect_bit_identical(const TrajectoryRecord& a, const TrajectoryRecord& b) {
  EXPECT_EQ(a.coords, b.coords);
  EXPECT_TRUE(same_bits(a.states, b.states));
  EXPECT_TRUE(same_bits(a.actions, b.actions));
  EXPECT_TRUE(same_bits(a.obs, b.obs));
  ASSERT_EQ(a.objective.size(), b.objective.size());
  EXPECT_EQ(0, std::memcmp(a.objective.data(), b.objective.data(), a.objective.size() * sizeof(double)));
  EXPECT_TRUE(same_bits(a.curvature.objective_change, b.curvature.objective_change));
  EXPECT_TRUE(same_bits(a.curvature.grad_dot_step, b.curvature.grad_dot_step));
  EXPECT_TRUE(same_bits(a.curvature.half_step_sq, b.curvature.half_step_sq));
  EXPECT_TRUE(same_bits(a.curvature.secant, b.curvature.secant));
  EXPECT_EQ(a.diverged, b.diverged);
  EXPECT_EQ(a.divergence, b.divergence);
  EXPECT_EQ(a.member, b.member);
}

TEST(TrajectoryIo, RealRolloutsRoundTripBitExact) {
  static const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 300, 50, 11, 1.0);
  static const MlpTask task(data, MlpConfig{{4, 6, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  PsdMetaTrainConfig c;
  c.state_upper = 2;
  RolloutTask rt(task, 16, 12, 0, 1);
  const auto rs = rollout_batch(
      rt, c.features, c.state_features(),
      [&](Index) { return make_hand_designed_controller(task.layout(), "momentum", {{"lr", 0.1}, {"momentum", 0.9}}); },
      batch_seeds(3, "io", 3), RecordOptions{true, 4});
  ASSERT_EQ(rs.size(), 3u);
  for (const auto& r : rs) {
    ASSERT_FALSE(r.states.empty());
    const std::string bytes = encode_trajectory(r);
    const TrajectoryRecord back = decode_trajectory(bytes);
    expect_bit_identical(r, back);
    EXPECT_EQ(encode_trajectory(back), bytes);  // and the encoding is a function of the record
  }
  // An evaluation run (no recording) too.
  const auto ev = rollout_batch(
      rt, c.features, c.state_features(),
      [&](Index) { return make_hand_designed_controller(task.layout(), "sgd", {{"lr", 0.1}}); },
      batch_seeds(3, "io-eval", 1), RecordOptions{false, 0});
  expect_bit_identical(ev[0], decode_trajectory(encode_trajectory(ev[0])));
}

TEST(TrajectoryIo, SpecialValuesAndDivergenceSurvive) {
  TrajectoryRecord r;
  r.coords = {{0, 3, 7}, {}};
  Mat m(2, 3);
  m << -0.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::max(), 1.0 / 3.0;
  r.states = {{m, Mat(0, 4)}, {}};
  r.actions = {{Mat::Constant(3, 1, 2.5)}, {}};
  r.obs = {{}, {Mat::Zero(3, 0)}};
  r.objective = {1.0, std::nextafter(1.0, 2.0), -0.0};
  r.curvature = CurvatureData(2, 2, 1);
  r.curvature.secant[1](1, 0) = std::numeric_limits<double>::quiet_NaN();
  r.diverged = true;
  r.divergence = "non-finite loss or gradient at step 2";
  r.member = 5;
  const TrajectoryRecord back = decode_trajectory(encode_trajectory(r));
  expect_bit_identical(r, back);
  EXPECT_TRUE(std::signbit(back.states[0][0](0, 0)));
  EXPECT_TRUE(std::isnan(back.states[0][0](0, 1)));
  EXPECT_EQ(back.meta_loss(), std::numeric_limits<double>::infinity());
}

TEST(TrajectoryIo, MalformedBytesAreRefused) {
  TrajectoryRecord r;
  r.coords = {{1, 2}};
  r.objective = {3.0, 2.0};
  r.curvature = CurvatureData(1, 1, 1);
  const std::string bytes = encode_trajectory(r);
  EXPECT_THROW(decode_trajectory(""), Error);
  EXPECT_THROW(decode_trajectory(bytes.substr(0, bytes.size() - 1)), Error);  // truncated
  EXPECT_THROW(decode_trajectory(bytes + "x"), Error);                        // trailing bytes
  std::string other = bytes;
  other[0] ^= 0x5a;  // not the magic
  EXPECT_THROW(decode_trajectory(other), Error);
  std::string huge = bytes;  // the coordinate-list count made enormous
  const std::uint64_t big = ~std::uint64_t{0} >> 1;
  std::memcpy(huge.data() + 4, &big, sizeof big);
  EXPECT_THROW(decode_trajectory(huge), Error);
}

}  // namespace
}  // namespace l2o::gps
