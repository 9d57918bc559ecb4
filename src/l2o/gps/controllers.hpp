#pragma once
// The controllers the meta-trainer rolls out (rollout.hpp):
//  * the guiding policy psi: per coordinate group g a time-varying linear-Gaussian policy
//    N(K_{g,t} s_j + k_{g,t}, G_{g,t}) on each coordinate's GPS state s_j = [x_j, g_j, Phi_j],
//    shared by the group's coordinates, with independent noise per coordinate (seeded);
//  * the learned policy pi (PSD, deterministic mean action);
//  * momentum or another hand-designed optimizer (the initialisation's teacher, LM16 §5).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "l2o/gps/dynamics/linear_gaussian.hpp"
#include "l2o/gps/rollout.hpp"
#include "l2o/psd/policy.hpp"

namespace l2o::gps {

// psi[g] for each group of the task's layout; noise from Rng(noise_seed). With `noise` false the
// mean action is taken.
std::unique_ptr<Controller> make_psi_controller(const ParamLayout& layout, const std::vector<LinearGaussianPolicy>& psi,
                                                std::uint64_t noise_seed, bool noise = true);
std::unique_ptr<Controller> make_pi_controller(const ParamLayout& layout, std::shared_ptr<const PsdPolicy> policy);
// pi's step plus Gaussian exploration noise, the sampling policy of on-policy MDGPS: independent
// N(0, noise_var[g]) on each coordinate of group g at every step, from Rng(noise_seed). A zero
// variance leaves the group's step deterministic.
std::unique_ptr<Controller> make_noisy_pi_controller(const ParamLayout& layout, std::shared_ptr<const PsdPolicy> policy,
                                                     std::vector<double> noise_var, std::uint64_t noise_seed);
// A hand-designed optimizer by name (optim/registry.hpp), e.g. the initialisation's teacher.
std::unique_ptr<Controller> make_hand_designed_controller(const ParamLayout& layout, const std::string& name,
                                                          const nlohmann::json& hyper);

}  // namespace l2o::gps
