#pragma once
// What ES needs to know about a policy type to fine-tune it (es_trainer.hpp): its parameters as
// one vector θ, which of them move and at what scale, the policy at another θ, the optimizer a
// policy makes for a rollout, and a fingerprint that ties a checkpoint to its initial policy.
// One specialisation per policy type: PSD's LSTMs (es_psd_policy.cpp) and psd-small's MLP
// (es_psd_small_policy.cpp).
#include <string>
#include <vector>

#include "l2o/core/types.hpp"
#include "l2o/es/es_config.hpp"
#include "l2o/optim/optimizer.hpp"
#include "l2o/psd/policy.hpp"
#include "l2o/psd_small/small_policy.hpp"

namespace l2o::es {

template <class Policy>
struct EsPolicy;

template <>
struct EsPolicy<PsdPolicy> {
  static constexpr const char* method = "psd";
  static Vec parameters(const PsdPolicy& p);
  static PsdPolicy with_parameters(const PsdPolicy& p, const Vec& theta);
  // The moved positions of θ and each one's scale (σ and the learning rate are in its units): per
  // network, the read-out weights (EsParams::Readout) or every parameter (All), of the networks
  // config.networks names (all when empty), scaled by the RMS of that network's moved parameters.
  // Throws l2o::Error when config.networks names a network the policy does not have.
  static void moved(const PsdPolicy& p, const EsConfig& config, std::vector<Index>& index, std::vector<double>& scale);
  static OptimizerPtr optimizer(const PsdPolicy& p, const EsConfig& config);  // single-threaded
  static std::string fingerprint(const PsdPolicy& p) { return p.fingerprint(); }
};

template <>
struct EsPolicy<PsdSmallPolicy> {
  static constexpr const char* method = "psd-small";
  static Vec parameters(const PsdSmallPolicy& p);
  static PsdSmallPolicy with_parameters(const PsdSmallPolicy& p, const Vec& theta);
  // Per tensor (PsdSmallPolicy::parameter_blocks): EsParams::Readout moves the read-out (w3, b3)
  // and the step-size head (u, log_lr); All moves every tensor; config.networks, when not empty,
  // names the tensors instead. Each tensor's scale is its RMS, or, for a tensor that is still zero
  // (the read-out of an Adam-equivalent start), 1/sqrt(its columns); log_lr's is 1 (σ = 0.05 is a
  // 5 % change of the step size).
  static void moved(const PsdSmallPolicy& p, const EsConfig& config, std::vector<Index>& index,
                    std::vector<double>& scale);
  static OptimizerPtr optimizer(const PsdSmallPolicy& p, const EsConfig& config);  // single-threaded
  static std::string fingerprint(const PsdSmallPolicy& p);
};

}  // namespace l2o::es
