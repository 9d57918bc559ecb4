#include "l2o/l2l/meta_train_options.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"

namespace l2o {

void L2LTrainOptions::validate() const {
  auto need = [](bool ok, const char* flag, const std::string& what) {
    if (!ok) throw Error(fmt::format("{}: {}", flag, what));
  };
  need(horizon >= 1, "--horizon", fmt::format("must be >= 1 (got {})", horizon));
  need(unroll >= 1, "--unroll", fmt::format("must be >= 1 (got {})", unroll));
  need(batch >= 1, "--batch", fmt::format("must be >= 1 (got {})", batch));
  need(epochs >= 0, "--epochs", fmt::format("must be >= 0 (got {})", epochs));
  need(meta_lr > 0.0 && std::isfinite(meta_lr), "--meta-lr", fmt::format("must be > 0 (got {})", meta_lr));
  need(beta1 >= 0.0 && beta1 < 1.0, "--meta-beta1", fmt::format("must be in [0, 1) (got {})", beta1));
  need(beta2 >= 0.0 && beta2 < 1.0, "--meta-beta2", fmt::format("must be in [0, 1) (got {})", beta2));
  need(adam_eps > 0.0 && std::isfinite(adam_eps), "--meta-eps", fmt::format("must be > 0 (got {})", adam_eps));
  need(clip_norm >= 0.0 && std::isfinite(clip_norm), "--clip-norm",
       fmt::format("must be >= 0 (0: off) (got {})", clip_norm));
  need(train_seed_count >= 1, "--train-seeds", "must name at least one seed");
  need(val_every >= 1, "--val-every", fmt::format("must be >= 1 (got {})", val_every));
  need(val_seeds >= 1, "--val-seeds", fmt::format("must be >= 1 (got {})", val_seeds));
  need(val_eval_every >= 1, "--val-eval-every", fmt::format("must be >= 1 (got {})", val_eval_every));
  // Validation seeds must not be training seeds, or early stopping would select on training data.
  const std::uint64_t t0 = train_seed_first, t1 = train_seed_first + train_seed_count;
  const std::uint64_t v0 = val_seed_first, v1 = val_seed_first + static_cast<std::uint64_t>(val_seeds);
  need(v1 <= t0 || t1 <= v0, "--val-seed-first",
       fmt::format("validation seeds {}..{} overlap the training seeds {}..{}", v0, v1 - 1, t0, t1 - 1));
}

nlohmann::json L2LTrainOptions::to_json() const {
  return {{"horizon", horizon},
          {"unroll", unroll},
          {"batch", batch},
          {"epochs", epochs},
          {"seed", seed},
          {"meta_lr", meta_lr},
          {"beta1", beta1},
          {"beta2", beta2},
          {"adam_eps", adam_eps},
          {"clip_norm", clip_norm},
          {"train_seed_first", train_seed_first},
          {"train_seed_count", train_seed_count},
          {"val_every", val_every},
          {"val_seed_first", val_seed_first},
          {"val_seeds", val_seeds},
          {"val_eval_every", val_eval_every}};
}

L2LTrainOptions L2LTrainOptions::from_json(const nlohmann::json& j, const std::string& where) {
  L2LTrainOptions o;
  if (!j.is_object()) throw Error(fmt::format("{}: meta-training options must be a JSON object", where));
  try {
    o.horizon = j.value("horizon", o.horizon);
    o.unroll = j.value("unroll", o.unroll);
    o.batch = j.value("batch", o.batch);
    o.epochs = j.value("epochs", o.epochs);
    o.seed = j.value("seed", o.seed);
    o.meta_lr = j.value("meta_lr", o.meta_lr);
    o.beta1 = j.value("beta1", o.beta1);
    o.beta2 = j.value("beta2", o.beta2);
    o.adam_eps = j.value("adam_eps", o.adam_eps);
    o.clip_norm = j.value("clip_norm", o.clip_norm);
    o.train_seed_first = j.value("train_seed_first", o.train_seed_first);
    o.train_seed_count = j.value("train_seed_count", o.train_seed_count);
    o.val_every = j.value("val_every", o.val_every);
    o.val_seed_first = j.value("val_seed_first", o.val_seed_first);
    o.val_seeds = j.value("val_seeds", o.val_seeds);
    o.val_eval_every = j.value("val_eval_every", o.val_eval_every);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad meta-training options: {}", where, e.what()));
  }
  return o;
}
}  // namespace l2o
