#pragma once
// The per-group models both GPS algorithms fit on an iteration's pooled samples (method §5.3):
// the tied curvature cost, the dynamics with their GMM prior, and pi linearised at the sampled
// states (pibar). Groups are independent, so they are fitted in parallel.
#include <cstddef>
#include <exception>
#include <functional>
#include <vector>

#include "l2o/core/types.hpp"
#include "l2o/gps/algorithm/algorithm.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/traj_opt/cost_model.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

struct GroupModels {
  Mat curvature;  // groups x T
  std::vector<LinearGaussianDynamics> dyn;
  std::vector<QuadraticCost> cost;
  std::vector<LinearGaussianPolicy> pibar;  // pi linearised at the sampled states
  std::vector<std::vector<Mat>> pi_mean;    // pi's mean actions (its steps) at the sampled coordinates
  std::vector<Mat> pi_cov;                  // the covariance pibar carries
};

// fn(g) for every group in parallel (OpenMP); the first group's exception is rethrown after all ran.
template <class Fn>
void for_each_group(Index groups, Fn&& fn) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(groups));
#pragma omp parallel for schedule(dynamic, 1)
  for (Index g = 0; g < groups; ++g) {
    try {
      fn(g);
    } catch (...) {
      errors[static_cast<std::size_t>(g)] = std::current_exception();
    }
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Every group's models; pi_cov(g) gives the covariance of group g's linearisation of pi.
GroupModels fit_group_models(const PsdPolicy& policy, const IterationContext& ctx, const PooledSamples& p,
                             const std::function<Mat(Index)>& pi_cov);

// Linearises pi again for group g (after a regression changed it), with covariance m.pi_cov[g].
void linearise_pi(const PsdPolicy& policy, const IterationContext& ctx, const PooledSamples& p, Index g,
                  GroupModels& m);

}  // namespace l2o::gps
