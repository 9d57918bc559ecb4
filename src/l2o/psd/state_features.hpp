#pragma once
// The state features Phi of LM17 §3.6, which GPS meta-training uses (the policy never sees them).
// Over "average recent" values (mean of the last `window` = 3 iterates, gradients and minibatch
// losses, fewer at the start) sampled on a grid of stride 5 going back from t, with
// X(i) = average recent iterate at time i, G(i) = gradient, F(i) = loss, s = stride, r = t mod s:
//
//   S1_i = (F(t-si) - F(t-s(i+1))) / |F(t-s(i+1))|                        i = 0..s1_upper
//   S2_i = G(t-si) / (|G(max(t-s(i+1), r))| + grad_offset)                 i = 0..s2_upper
//   S3_i = |X(max(t-s(i+1), r+s)) - X(max(t-s(i+2), r))|
//          / (|X(t-si) - X(t-s(i+1))| + step_offset)                       i = 0..s3_upper
//
// A term is zero when an index it needs is negative: S1_i and S3_i need t-s(i+1) >= 0, S2_i needs
// t-si >= 0 (its normaliser is clamped to the earliest grid time r instead). S1 is zero where its
// denominator is. S3 is LM17's garbled formula reconstructed to mirror O3 (docs/psd.md).
//
// Computed incrementally: each observe() appends one time step to ring buffers holding the last
// `window` raw values and the average recent values far enough back for the largest index, so
// memory is dim x (history length) and nothing is replayed.
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/psd/feature_config.hpp"

namespace l2o {

class StateFeatures {
 public:
  explicit StateFeatures(FeatureConfig config = {}, Index dim = 0);
  void reset(Index dim);

  void observe(const Vec& x, double loss, const Vec& grad);  // time step t = time() + 1
  Index time() const { return t_; }
  Index dim() const { return dim_; }
  const FeatureConfig& config() const { return config_; }
  Index count() const { return config_.state_count(); }  // rows of a feature matrix
  Index history_length() const { return length_; }        // time steps kept

  // The S1 terms (shared by all coordinates) at the latest time step.
  Vec s1() const;
  // count() x n feature matrices, rows S1_0.., S2_0.., S3_0.., one column per coordinate, for the
  // coordinates [offset, offset + n), a coordinate group, or a list of coordinates.
  void compute(Index offset, Index n, Mat& out) const;
  void compute(const CoordinateGroup& group, Mat& out) const { compute(group.offset, group.size(), out); }
  void compute(const std::vector<Index>& coords, Mat& out) const;

  nlohmann::json save() const;
  void load(const nlohmann::json& state);

 private:
  template <class Rows>
  void compute_rows(const Rows& rows, Index n, Mat& out) const;
  Index slot(Index time) const { return time % length_; }

  FeatureConfig config_;
  Index dim_ = 0;
  Index t_ = -1;
  Index length_ = 1;
  Mat x_raw_, g_raw_;  // dim x window: raw values, slot = time mod window
  Vec f_raw_;
  Mat x_avg_, g_avg_;  // dim x length: average recent values, slot = time mod length
  Vec f_avg_;
};
}  // namespace l2o
