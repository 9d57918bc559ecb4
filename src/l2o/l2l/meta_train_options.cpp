#include "l2o/l2l/meta_train_options.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/field_table.hpp"

namespace l2o {

namespace {
// One table (core/field_table.hpp) reads, writes and range-checks every option; the docs name the
// `l2o meta-train` flag that sets it.
const FieldTable<L2LTrainOptions>& option_fields() {
  using O = L2LTrainOptions;
  static const FieldTable<O> t{
      integer<O>("horizon", &O::horizon, at_least(1), "steps per episode (--horizon)"),
      integer<O>("unroll", &O::unroll, at_least(1), "steps per truncated segment (--unroll)"),
      integer<O>("batch", &O::batch, at_least(1), "optimizee minibatch (--batch)"),
      integer<O>("epochs", &O::epochs, nonnegative(), "episodes to train for (--epochs)"),
      integer<O>("seed", &O::seed, nonnegative(), "policy initialisation and episode draw (--seed)"),
      number<O>("meta_lr", &O::meta_lr, positive(), "Adam step size of the meta-optimizer (--meta-lr)"),
      number<O>("beta1", &O::beta1, right_open(0, 1), "Adam beta1 (--meta-beta1)"),
      number<O>("beta2", &O::beta2, right_open(0, 1), "Adam beta2 (--meta-beta2)"),
      number<O>("adam_eps", &O::adam_eps, positive(), "Adam epsilon (--meta-eps)"),
      number<O>("clip_norm", &O::clip_norm, nonnegative(), "meta-gradient norm clip, 0: off (--clip-norm)"),
      integer<O>("train_seed_first", &O::train_seed_first, nonnegative(), "first training seed (--train-seed-first)"),
      integer<O>("train_seed_count", &O::train_seed_count, at_least(1), "training seeds (--train-seeds)"),
      integer<O>("val_every", &O::val_every, at_least(1), "validate every k epochs (--val-every)"),
      integer<O>("val_seed_first", &O::val_seed_first, nonnegative(), "first validation seed (--val-seed-first)"),
      integer<O>("val_seeds", &O::val_seeds, at_least(1), "validation seeds (--val-seeds)"),
      integer<O>("val_eval_every", &O::val_eval_every, at_least(1),
                 "true objective every k steps in validation (--val-eval-every)"),
  };
  return t;
}
const FieldContext kContext{"l2l meta-training", "option", ""};
}  // namespace

void L2LTrainOptions::validate() const {
  check_fields(option_fields(), *this, kContext);
  // Validation seeds must not be training seeds, or early stopping would select on training data.
  const std::uint64_t t0 = train_seed_first, t1 = train_seed_first + train_seed_count;
  const std::uint64_t v0 = val_seed_first, v1 = val_seed_first + static_cast<std::uint64_t>(val_seeds);
  if (!(v1 <= t0 || t1 <= v0))
    throw Error(fmt::format("--val-seed-first: validation seeds {}..{} overlap the training seeds {}..{}", v0, v1 - 1,
                            t0, t1 - 1));
}

nlohmann::json L2LTrainOptions::to_json() const { return write_fields(option_fields(), *this); }

L2LTrainOptions L2LTrainOptions::from_json(const nlohmann::json& j, const std::string& where) {
  L2LTrainOptions o;
  if (!j.is_object()) throw Error(fmt::format("{}: meta-training options must be a JSON object", where));
  read_fields(option_fields(), j, o, {where + ": " + kContext.where, kContext.item, ""});
  return o;
}
}  // namespace l2o
