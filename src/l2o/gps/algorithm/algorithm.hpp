#pragma once
// One GPS algorithm: what an iteration samples, and how psi and pi are updated from those samples
// (cbfinn/gps's Algorithm base with AlgorithmBADMM and AlgorithmMDGPS). The trainer
// (psd_gps_trainer.hpp) does everything around it: the initialisation, the rollouts the plan asks
// for, pooling them, evaluating pi and the checkpoint. Algorithms hold no state of their own:
// everything they change is in GpsState, which the checkpoint saves.
//
//   badmm.cpp  BADMM (LM17): samples psi; alternates pi's regression and psi's trust-region step
//              under the dual variables lambda and nu.
//   mdgps.cpp  mirror-descent GPS (Montgomery & Levine 2016): samples pi with exploration noise;
//              one psi step within KL of pi's linearisation, then pi regressed onto psi.
#include <cstdint>
#include <string>
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/gps/algorithm/gps_state.hpp"
#include "l2o/gps/config.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/gps/pooled_samples.hpp"
#include "l2o/gps/reports.hpp"

namespace l2o::gps {

// What an iteration reads besides the state.
struct IterationContext {
  const PsdMetaTrainConfig& config;
  const ParamLayout& layout;  // the layout whose groups are psi's slots
  std::uint64_t seed;         // the meta-training seed
  int iteration;              // 0-based
  std::string tag;            // "iter-<iteration>", the prefix of the iteration's random streams
};

// Which policy an iteration's trajectories come from.
struct SamplingPlan {
  bool from_pi = false;           // pi plus Gaussian exploration noise; false: psi
  std::vector<double> noise_var;  // from_pi: the noise's variance per slot
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  // Before the rollouts: what to sample (and any change of state that decides it).
  virtual SamplingPlan plan(GpsState& state, const IterationContext& ctx) const = 0;
  // After: fits the models on the pooled samples of the trajectories that did not diverge,
  // updates psi, the duals and pi, and fills rep's groups and regression loss.
  virtual void update(GpsState& state, const IterationContext& ctx, const PooledSamples& samples,
                      IterationReport& rep) const = 0;
};

// The implementations (stateless, so one instance each serves every trainer).
const Algorithm& badmm_algorithm();
const Algorithm& mdgps_algorithm();

// The algorithm that runs iteration `iteration` (0-based): gps.algorithm, except that MDGPS runs
// its first mdgps.badmm_iterations iterations with BADMM.
const Algorithm& algorithm_for(const GpsConfig& config, int iteration);

}  // namespace l2o::gps
