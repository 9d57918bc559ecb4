#pragma once
// The hyper-parameters of the seven hand-designed optimizers as field tables
// (core/field_table.hpp): name, type, range, default (the options struct's) and meaning. The
// registry reads JSON hyper-parameters with them, each optimizer's constructor checks its options
// against its table and hyperparams() writes them, so a new hyper-parameter is one line here.
#include <string>

#include "l2o/core/field_table.hpp"
#include "l2o/optim/adagrad.hpp"
#include "l2o/optim/adam.hpp"
#include "l2o/optim/conjugate_gradient.hpp"
#include "l2o/optim/lbfgs.hpp"
#include "l2o/optim/momentum.hpp"
#include "l2o/optim/rmsprop.hpp"
#include "l2o/optim/sgd.hpp"

namespace l2o {

const FieldTable<SgdOptions>& sgd_fields();
const FieldTable<MomentumOptions>& momentum_fields();
const FieldTable<ConjugateGradientOptions>& cg_fields();
const FieldTable<LbfgsOptions>& lbfgs_fields();
const FieldTable<AdagradOptions>& adagrad_fields();
const FieldTable<AdamOptions>& adam_fields();
const FieldTable<RmspropOptions>& rmsprop_fields();

// Messages read "optimizer <name>: hyper-parameter <key> must be ...".
inline FieldContext hyper_context(const std::string& optimizer) {
  return {"optimizer " + optimizer, "hyper-parameter", ""};
}
}  // namespace l2o
