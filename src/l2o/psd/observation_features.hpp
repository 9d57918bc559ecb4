#pragma once
// The observation features Psi of Predicted Step Descent (LM17 §3.6), computed incrementally from
// the iterate, minibatch loss and minibatch gradient of each time step t = 0, 1, 2, ...:
//
//   O1 = (f_t - f_{t-1}) / |f_{t-1}|                    one scalar, shared by all coordinates
//   O2 = g_t / (|g_{max(t-1,0)}| + grad_offset)          per coordinate
//   O3 = |x_{max(t-1,1)} - x_{max(t-2,0)}| / (|x_t - x_{t-1}| + step_offset)   per coordinate
//
// Undefined features are zero: O1 and O3 at t = 0. At t = 1, O3 compares the first step with
// itself (|d|/(|d| + 0.1)). O1 is zero when f_{t-1} = 0 (the relative change is undefined; the
// paper assumes f > 0, true for cross-entropy). Memory: a few vectors of the parameter dimension.
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/psd/feature_config.hpp"

namespace l2o {

class ObservationFeatures {
 public:
  static constexpr Index kCount = 3;  // rows of a feature matrix: O1, O2, O3

  explicit ObservationFeatures(FeatureConfig config = {}, Index dim = 0);
  void reset(Index dim);  // forget the history (t = -1)

  // Records time step t = time() + 1. Throws l2o::Error on a dimension mismatch.
  void observe(const Vec& x, double loss, const Vec& grad);
  Index time() const { return t_; }  // -1 before the first observation
  Index dim() const { return dim_; }
  const FeatureConfig& config() const { return config_; }

  // The features at the latest time step.
  double o1() const { return o1_; }
  const Vec& o2() const { return o2_; }
  const Vec& o3() const { return o3_; }
  // 3 x count feature matrices (rows O1, O2, O3; one column per coordinate) for the coordinates
  // [offset, offset + count), for a coordinate group, or for a list of coordinates.
  void compute(Index offset, Index count, Mat& out) const;
  void compute(const CoordinateGroup& group, Mat& out) const { compute(group.offset, group.size(), out); }
  void compute(const std::vector<Index>& coords, Mat& out) const;

  // Everything needed to continue the sequence exactly (for resumable runs).
  nlohmann::json save() const;
  void load(const nlohmann::json& state);  // throws l2o::Error on malformed state

 private:
  FeatureConfig config_;
  Index dim_ = 0;
  Index t_ = -1;
  double loss_ = 0.0;  // f_t
  Vec x_, grad_;       // x_t, g_t
  Vec step_;           // x_t - x_{t-1} (t >= 1)
  double o1_ = 0.0;
  Vec o2_, o3_;
};
}  // namespace l2o
