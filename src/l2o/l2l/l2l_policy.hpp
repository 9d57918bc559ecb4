#pragma once
// The learned optimizer of Andrychowicz et al. 2016 ("L2LBGDBGD") as a policy: a coordinatewise
// stacked LSTM (nn/lstm.hpp) that reads the log/sign-preprocessed gradient of one coordinate
// and writes that coordinate's step,
//
//   [y_j; h_j'] = LSTM(preprocess(g_j), h_j)      one network, shared by every coordinate
//   step_j      = output_scale * y_j               theta <- theta + step
//
// Everything that defines it (layer sizes, p of the preprocessing, output scale, initialisation)
// is in L2LSettings and travels in the policy file (method "l2l"; see docs/l2l.md).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/types.hpp"
#include "l2o/nn/lstm.hpp"
#include "l2o/nn/policy_file.hpp"

namespace l2o {

inline constexpr const char* kL2LMethod = "l2l";

struct L2LSettings {
  std::vector<Index> layers{20, 20};  // ADH16: two layers of 20 cells
  double p = 10.0;                    // log/sign preprocessing constant (ADH16 App. A)
  double output_scale = 0.1;          // ADH16 for MNIST
  double forget_bias = 1.0;           // initial forget-gate bias (LSTM default)
  double init_range = 0.0;            // LSTM weights U[-r, r]; 0: 1/sqrt(cells)
  // Start the read-out at zero, so the untrained optimizer takes no steps and meta-training
  // starts from "do nothing" rather than from a random walk (see docs/l2l.md).
  bool zero_readout = true;

  // Throws l2o::Error starting with `where` on invalid values.
  void validate(const std::string& where) const;
  LstmConfig lstm_config() const;
  // {"lstm": <LstmConfig>, "output_scale": .., "zero_readout": ..} and {"preprocess": "log_sign", "p": ..}.
  nlohmann::json architecture_json() const;
  nlohmann::json features_json() const;
  static L2LSettings from_json(const nlohmann::json& architecture, const nlohmann::json& features,
                               const std::string& where);
};

class L2LPolicy {
 public:
  // A policy with all parameters zero (fill them with init_random or set_params).
  explicit L2LPolicy(L2LSettings settings = {});
  // The usual random initialisation (nn/lstm.hpp), seeded; zero read-out if settings say so.
  static L2LPolicy random(const L2LSettings& settings, std::uint64_t seed);

  const L2LSettings& settings() const { return settings_; }
  const Lstm& lstm() const { return lstm_; }
  Index num_params() const { return lstm_.num_params(); }
  const Vec& params() const { return lstm_.params(); }
  void set_params(const Vec& params);  // throws l2o::Error on a size mismatch

  LstmState zero_state(Index coordinates) const { return lstm_.zero_state(coordinates); }

  // One step for every coordinate: `delta` = output_scale * LSTM(preprocess(grad)), advancing
  // `state`. `features` and `out` are scratch buffers (features 2 x n, out 1 x n).
  void step(const Vec& grad, LstmState& state, Vec& delta, Mat& features, Mat& out, LstmWorkspace& ws) const;

  // The policy file (method "l2l") and back. from_policy_file checks the method and the shapes
  // and throws l2o::Error naming the file.
  PolicyFile to_policy_file(const Provenance& provenance) const;
  static L2LPolicy from_policy_file(const PolicyFile& file);
  void save(const std::string& path, const Provenance& provenance) const;
  static L2LPolicy load(const std::string& path);

 private:
  L2LSettings settings_;
  Lstm lstm_;
};
}  // namespace l2o
