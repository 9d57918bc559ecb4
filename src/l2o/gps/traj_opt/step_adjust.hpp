#pragma once
// Step-size adaptation of the KL trust region (method §5.3 item 6; LA14/LFDA16; GPS-code
// AlgorithmBADMM._stepadjust / _set_new_mult).
//
// The objective of a guiding policy psi under a fitted model (dynamics, cost, linearised global
// policy pi_bar, weights nu) is its expected cost plus the nu-weighted policy KL:
//   J(psi; model) = sum_t E[l_t] + sum_t nu_t E[KL(psi_t || pi_bar_t)],
// evaluated in closed form from the LQG forward pass. After a GPS iteration,
//   predicted = J(psi_prev; model_prev) - J(psi_new; model_prev)
//   actual    = J(psi_prev; model_prev) - J(psi_new; model_new)
// and modelling the true improvement as a quadratic in the KL step gives the multiplier
//   mult = predicted / (2 max(min_improvement_gap, predicted - actual)),
// clipped to [min_mult_change, max_mult_change]; step_mult <- clip(step_mult * mult).
#include "l2o/gps/config.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/traj_opt/cost_model.hpp"

namespace l2o::gps {

// Per-step expected cost and expected KL(psi_t || pi_bar_t) of psi under a model.
struct CostEstimate {
  Vec cost;
  Vec kl;
  // sum_t cost_t + nu_t kl_t (nu empty: cost only).
  double objective(const Vec& nu) const;
};
CostEstimate estimate_cost(const LinearGaussianPolicy& psi, const LinearGaussianDynamics& dynamics,
                           const QuadraticCost& cost, const LinearGaussianPolicy& global);

// epsilon = kl_step * T * step_mult (the total KL bound of one LQG update).
double trust_region_epsilon(double kl_step, Index T, double step_mult);

struct StepAdjustment {
  double predicted_improvement = 0.0;
  double actual_improvement = 0.0;
  double multiplier = 1.0;  // the clipped factor applied this time
  double step_mult = 1.0;   // the new step multiplier
};

// New step multiplier from the three objective values above. With
// options.limit_to_realised_kl and a realised KL (the KL of the last LQG update) below the bound
// it was given, step_mult is first lowered to realised / (kl_step * T) (not below min_step_mult),
// as GPS-code BADMM does. Pass realised_kl < 0 to skip that. Throws l2o::Error on non-finite
// inputs.
StepAdjustment adjust_step_mult(double previous_objective, double predicted_new_objective, double actual_new_objective,
                                double step_mult, const StepSizeOptions& options, double realised_kl = -1.0,
                                double kl_step_times_T = 0.0);

}  // namespace l2o::gps
