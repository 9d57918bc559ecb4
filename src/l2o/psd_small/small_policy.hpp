#pragma once
// The weights of a PSD-small policy (docs/psd-small.md), in float64 as meta-training and the policy
// file hold them (the optimizer narrows them to float32 once, small_step.hpp):
//
//   a1 = act(w1 f + b1 + wc c)       w1: H1 x 5, b1: H1, wc: H1 x 12
//   a2 = act(w2 a1 + b2)             w2: H2 x H1, b2: H2          (only with two hidden layers)
//   (d, s) = w3 a_last + b3          w3: 2 x H_last, b3: 2        (row 0: d, row 1: s)
//   lr_g = exp(clamp(log_lr + u . c, -30, 5))                     u: 12, log_lr: 1
//
// The flat parameter vector (for evolution strategies) concatenates the tensors in the order of
// parameter_blocks(): w1, b1, wc, [w2, b2], w3, b3, u, log_lr, each column-major.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "l2o/core/types.hpp"
#include "l2o/nn/policy_file.hpp"
#include "l2o/psd_small/small_architecture.hpp"

namespace l2o {

inline constexpr const char* kPsdSmallMethod = "psd-small";

class PsdSmallPolicy {
 public:
  // All weights zero but log_lr = log(1e-3): Adam at lr 1e-3 with dead hidden units.
  explicit PsdSmallPolicy(PsdSmallArchitecture arch = {});

  // Hidden layers drawn from `seed` (w1, w2: N(0, gain^2 / fan_in), gain sqrt(2) for relu and 1 for
  // tanh; wc: N(0, 0.01 / 12), as the context is auxiliary at the start; biases 0); the read-out w3
  // N(0, readout_std^2 / H_last), b3 = 0; u = 0; log_lr = log(lr). Each tensor draws from its own
  // stream of the seed.
  static PsdSmallPolicy fresh(const PsdSmallArchitecture& arch, std::uint64_t seed, double lr = 1e-3,
                              double readout_std = 0.1);
  // fresh() with a zero read-out: the rule is then exactly Adam(lr, beta1 = betas[1], beta2, eps).
  static PsdSmallPolicy adam_equivalent(const PsdSmallArchitecture& arch, double lr, std::uint64_t seed = 0);

  // Policy files (nn/policy_file.hpp; method "psd-small"). Loading checks the architecture and
  // every tensor's name and shape, with errors naming the file.
  static PsdSmallPolicy from_policy_file(const PolicyFile& file);
  static PsdSmallPolicy load(const std::string& path);
  PolicyFile to_policy_file(const Provenance& provenance = {}) const;
  void save(const std::string& path, const Provenance& provenance) const;

  // The flat view for evolution strategies.
  Index num_parameters() const;
  Vec parameters() const;
  PsdSmallPolicy with_parameters(const Vec& p) const;  // throws l2o::Error on a wrong length or NaN/Inf
  std::vector<std::pair<std::string, Index>> parameter_blocks() const;  // (tensor name, length), flat order

  // SHA-256 over the architecture and the weights: identifies the policy in optimizer checkpoints.
  std::string fingerprint() const;

  const PsdSmallArchitecture& arch() const { return arch_; }
  const std::string& source() const { return source_; }  // the file it was loaded from, or "<memory>"
  bool two_layers() const { return arch_.hidden.size() == 2; }

  // The weights (shapes as above; w2/b2 are empty with one hidden layer). Writable for tests and
  // trainers; a policy with non-finite weights is refused by to_policy_file().
  Mat w1, wc, w2, w3;
  Vec b1, b2, b3, u;
  double log_lr = 0.0;

 private:
  // The tensors in flat order, as (name, shape, pointer to the data) triples.
  struct Block {
    std::string name;
    std::vector<Index> shape;
    double* data;
  };
  std::vector<Block> blocks();
  std::vector<Block> blocks() const { return const_cast<PsdSmallPolicy*>(this)->blocks(); }

  PsdSmallArchitecture arch_;
  std::string source_ = "<memory>";
};
}  // namespace l2o
