#pragma once
// Settings of the PSD features (LM17 §3.6; docs/psd.md, "Features"). The observation features
// Psi feed the policy at run time; the state features Phi exist for meta-training (GPS).
// Every constant is here, with the paper's value as default; the policy file stores them.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace l2o {

struct FeatureConfig {
  // O2 and S2: gradient / (|previous gradient| + grad_offset).            [LM17: +1]
  double grad_offset = 1.0;
  // O3 and S3: |previous change| / (|current change| + step_offset).      [LM17: +0.1]
  double step_offset = 0.1;
  // State features: "average recent" window, grid stride, and the upper index of each family
  // (terms i = 0..upper). LM17 prints S1 as 0..24 and S2 as 0..25 (possibly an OCR slip for
  // 24); S3's range is garbled (N3 = 24 or 10). Defaults: 24 for all three (docs/psd.md).
  int window = 3;
  int stride = 5;
  int s1_upper = 24;
  int s2_upper = 24;
  int s3_upper = 24;

  int s1_count() const { return s1_upper + 1; }
  int s2_count() const { return s2_upper + 1; }
  int s3_count() const { return s3_upper + 1; }
  int state_count() const { return s1_count() + s2_count() + s3_count(); }

  // Optional observation features beyond LM17 [ours; docs/psd.md, "Moment
  // features"]: gradient moments at a few time scales, as in small_fc_lopt (Metz et al. 2022).
  // For each decay b in momentum_decays, M_b = m_b / (sqrt(v) + moment_epsilon), where m_b is the
  // bias-corrected running mean of g with decay b and v that of g^2 with decay rms_decay; then
  // R = g / (sqrt(v) + moment_epsilon). Both are invariant to the scale of the gradient. Empty
  // (the default) = LM17's three features only, and a policy file without these settings.
  std::vector<double> momentum_decays;
  double rms_decay = 0.999;
  double moment_epsilon = 1e-12;

  bool has_moments() const { return !momentum_decays.empty(); }
  // O1, O2, O3, then M_b for each decay (named "M" + the decay, e.g. "M0.9") and R.
  std::vector<std::string> observation_names() const;
  int observation_count() const { return 3 + (has_moments() ? static_cast<int>(momentum_decays.size()) + 1 : 0); }

  // Throws l2o::Error naming `where` when a value is out of range.
  void validate(const std::string& where) const;
  nlohmann::json to_json() const;
  // Missing members keep their defaults; ill-typed or out-of-range ones throw naming `where`.
  static FeatureConfig from_json(const nlohmann::json& j, const std::string& where);
};
}  // namespace l2o
