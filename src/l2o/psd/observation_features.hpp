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
//
// With FeatureConfig::momentum_decays set, each coordinate also gets the moment features (rows
// 3.. of the feature matrix, FeatureConfig::observation_names()):
//
//   m_b,t = b m_b,t-1 + (1 - b) g_t,   v_t = r v_t-1 + (1 - r) g_t^2      (m, v zero before t = 0)
//   M_b   = (m_b,t / (1 - b^(t+1))) / (sqrt(v_t / (1 - r^(t+1))) + eps)   per decay b
//   R     = g_t / (sqrt(v_t / (1 - r^(t+1))) + eps)
//
// the bias-corrected momentum and gradient in units of the running RMS (Adam's direction at
// several time scales; small_fc_lopt's accumulators). At t = 0 every M_b and R is g/(|g| + eps).
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/psd/feature_config.hpp"

namespace l2o {

class ObservationFeatures {
 public:
  static constexpr Index kLm17Count = 3;  // O1, O2, O3: the rows of every feature matrix

  explicit ObservationFeatures(FeatureConfig config = {}, Index dim = 0);
  void reset(Index dim);  // forget the history (t = -1)

  // Records time step t = time() + 1. Throws l2o::Error on a dimension mismatch.
  void observe(const Vec& x, double loss, const Vec& grad);
  Index time() const { return t_; }  // -1 before the first observation
  Index dim() const { return dim_; }
  const FeatureConfig& config() const { return config_; }
  Index count() const { return config_.observation_count(); }  // rows of a feature matrix

  // The features at the latest time step.
  double o1() const { return o1_; }
  const Vec& o2() const { return o2_; }
  const Vec& o3() const { return o3_; }
  // count() x n feature matrices (rows O1, O2, O3[, M_b..., R]; one column per coordinate) for the coordinates
  // [offset, offset + count), for a coordinate group, or for a list of coordinates.
  void compute(Index offset, Index count, Mat& out) const;
  void compute(const CoordinateGroup& group, Mat& out) const { compute(group.offset, group.size(), out); }
  void compute(const std::vector<Index>& coords, Mat& out) const;

  // Everything needed to continue the sequence exactly (for resumable runs).
  nlohmann::json save() const;
  void load(const nlohmann::json& state);  // throws l2o::Error on malformed state

 private:
  void update_moments(const Vec& grad);  // after t_ is advanced

  FeatureConfig config_;
  Index dim_ = 0;
  Index t_ = -1;
  double loss_ = 0.0;  // f_t
  Vec x_, grad_;       // x_t, g_t
  Vec step_;           // x_t - x_{t-1} (t >= 1)
  double o1_ = 0.0;
  Vec o2_, o3_;
  // Moment features (empty without them): running means m_b per decay and of g^2, and the
  // features M_b and R of the latest step.
  std::vector<Vec> m_, mfeat_;
  Vec v_, rfeat_;
};
}  // namespace l2o
