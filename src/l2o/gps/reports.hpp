#pragma once
// What the PSD meta-trainer reports of its initialisation and of each GPS iteration: printed by
// `l2o meta-train`, kept in the policy file's provenance and in the checkpoint's history.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace l2o::gps {

struct GroupReport {
  std::string name;
  double kl_step = 0.0;     // sum_t E[KL(psi_new || psi_sampled)] of the last psi-step
  double epsilon = 0.0;     // its bound
  double kl_pi = 0.0;       // mean over t of the sample KL(psi || pi)
  double kappa = 0.0;
  double nu = 0.0;          // mean over t
  double step_mult = 1.0;
  double curvature = 0.0;   // mean over t of the fitted h_{g,t}
  std::string status;       // trust-region status of the last psi-step
};

struct IterationReport {
  int iteration = 0;          // 1-based
  std::string sampled = "psi"; // the policy the iteration's trajectories came from: psi, or pi (on-policy MDGPS)
  double psi_meta_loss = 0.0; // mean true meta-loss of the trajectories sampled this iteration
  double pi_meta_loss = 0.0;  // mean true meta-loss of pi (after this iteration) on the evaluation seeds
  int diverged = 0;           // psi trajectories that diverged (excluded from the fits)
  std::vector<GroupReport> groups;
  std::vector<double> regression_loss;  // per network, last theta-step
  double seconds = 0.0;
  nlohmann::json to_json() const;
  // Throws nlohmann::json exceptions (and l2o::Error for an integer out of range) on malformed input.
  static IterationReport from_json(const nlohmann::json& j);
};

struct InitReport {
  std::string teacher = "momentum";  // the optimizer whose steps the initial psi fits
  nlohmann::json teacher_hyper;      // its hyper-parameters
  std::string teacher_source;        // "tuned file ...", "config", "grid search"
  double teacher_meta_loss = 0.0;    // on the evaluation seeds
  double psi_meta_loss = 0.0;      // mean-action psi on the evaluation seeds
  double pi_meta_loss = 0.0;       // pre-trained pi on the evaluation seeds
  double output_scale = 1.0;
  std::vector<double> regression_loss;
  double seconds = 0.0;
  nlohmann::json to_json() const;
  // The fields a resumed run reports (the regression loss and time of the initialisation are
  // not read back). Throws nlohmann::json exceptions on malformed input.
  static InitReport from_json(const nlohmann::json& j);
};

}  // namespace l2o::gps
