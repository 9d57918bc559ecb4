#pragma once
// Every constant of L2L meta-training, with the defaults that docs/l2l.md argues for.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace l2o {

struct L2LTrainOptions {
  // The unrolled optimization (LM17 §4: horizon 400, minibatch 64; ADH16: unrolls of 20).
  int horizon = 400;  // steps per episode (one episode = one epoch)
  int unroll = 20;    // steps per truncated segment; one meta-update per segment
  int batch = 64;     // optimizee minibatch size
  int epochs = 100;   // episodes to train for
  std::uint64_t seed = 1;  // policy initialisation and the draw of training episodes

  // The meta-optimizer: Adam on the LSTM parameters (ADH16), with the meta-gradient's global
  // norm clipped to clip_norm first (0: no clipping).
  double meta_lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double adam_eps = 1e-8;
  double clip_norm = 0.0;

  // Training episodes use initialisation/minibatch seeds train_seed_first + [0, train_seed_count):
  // 1..899 by default, disjoint from validation (900..999) and from `l2o bench` (1000 and up).
  std::uint64_t train_seed_first = 1;
  std::uint64_t train_seed_count = 899;

  // Early stopping: every val_every epochs (and after the last), run the frozen optimizer over the
  // whole horizon on val_seeds held-out seeds (val_seed_first, +1, ...) and keep the policy with the
  // lowest mean true meta-loss (the true objective evaluated every val_eval_every steps and
  // interpolated between, as in `l2o train --eval-every`).
  int val_every = 5;
  std::uint64_t val_seed_first = 900;
  int val_seeds = 3;
  int val_eval_every = 10;

  // Throws l2o::Error naming the flag of a value out of range.
  void validate() const;
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; throws l2o::Error naming `where` on ill-typed values.
  static L2LTrainOptions from_json(const nlohmann::json& j, const std::string& where);
};
}  // namespace l2o
