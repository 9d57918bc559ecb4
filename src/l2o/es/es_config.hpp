#pragma once
// Settings of the evolution-strategies fine-tuner of PSD policies (es_trainer.hpp;
// docs/meta-training.md, "Fine-tuning π on its own meta-loss: ES"). One declarative field table
// (core/field_table.hpp), so `--es-config FILE` names only what it changes and `l2o fields`
// documents every field.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/field_table.hpp"
#include "l2o/core/precision.hpp"

namespace l2o::es {

// Which of the policy's parameters ES moves.
//   readout: each network's read-out weights W_out: 128 numbers per 128-cell network. The LSTM's
//            features stay those behaviour cloning and GPS found; ES re-weighs them. (Not the
//            read-out bias: a constant step on every coordinate, whatever its gradient.)
//            psd-small: the read-out w3 and the step-size head u, log_lr (es_policy.hpp).
//   all:     every parameter (about 70,000 per network): only for small policies or long runs,
//            since the variance of the ES gradient grows with the dimension.
enum class EsParams { Readout, All };
const char* to_string(EsParams p);

// One member of the fine-tuning family besides the command's task: a net, a minibatch size and,
// optionally, a data set of its own (a spec as --dataset takes it; empty = the command's), raw
// inputs instead of projected ones, a hidden activation and a horizon of its own.
struct EsMember {
  std::string arch;  // "48-48-10"
  int batch = 64;
  std::string dataset;
  std::string inputs = "projected";  // or "raw" (TaskSpec::inputs)
  std::string activation;            // empty: the command's
  int horizon = 0;                   // 0: the command's
  // "48-48-10/64", "784-100-10/128:raw:tanh:T2000@fashion-mnist": ARCH/BATCH, then the options
  // that differ from the command's, then the data set.
  std::string text() const;
};
// ARCH/BATCH[:OPTION...][@SPEC] -> EsMember, where each OPTION is "raw" or "projected", an
// activation (relu, tanh, sigmoid, softplus) or T<iterations>; e.g. "48-48-10/10",
// "784-100-10/128:raw:T2000@mnist". Throws l2o::Error naming `where` when malformed (the data set
// itself is checked when it is loaded).
EsMember parse_member(const std::string& text, const std::string& where);

// Throws l2o::Error naming `where` unless every name is a network name (PolicyNet), none twice.
void check_network_names(const std::vector<std::string>& names, const std::string& where);

struct EsConfig {
  int iterations = 30;          // ES updates
  int pairs = 8;                // antithetic pairs (2 rollouts each) per update
  double sigma = 0.05;          // perturbation std, in units of each network's parameter RMS
  double learning_rate = 0.02;  // Adam step, in the same units
  double beta1 = 0.9, beta2 = 0.999, adam_epsilon = 1e-8;
  EsParams params = EsParams::Readout;
  int eval_every = 5;           // the true objective every k iterations of a rollout (the bench's)
  // A diverged rollout scores as if the objective had stayed at this multiple of its initial
  // value for the whole horizon (so ES moves away from it without an infinite difference).
  double divergence_penalty = 3.0;
  int validate_every = 5;                  // validate every k updates (and after the last)
  int validation_runs = 3;                 // validation seeds per member
  std::uint64_t validation_seed_first = 900;  // validation seeds (never the evaluation seeds 1000+)
  Precision precision = Precision::Float32;   // the rollouts' LSTM arithmetic (docs/psd.md)
  // Members besides the command's task, "ARCH/BATCH" each (the same data set, horizon and
  // settings), or "ARCH/BATCH@DATASET" for a member on another data set (e.g. MNIST-pairs).
  // Each rollout draws its member uniformly from the command's task and these.
  std::vector<std::string> members;
  // The networks whose parameters ES moves, by name ("output_weight", ...; PolicyNet's names).
  // Empty: every network of the policy.
  std::vector<std::string> networks;

  void validate(const std::string& where) const;  // throws l2o::Error naming `where` and the field
  nlohmann::json to_json() const;
  static EsConfig from_json(const nlohmann::json& j, const std::string& where);
};
const FieldTable<EsConfig>& es_config_fields();

}  // namespace l2o::es
