#include "l2o/l2l/unroll.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/l2l/preprocess.hpp"

namespace l2o {

EpisodeState EpisodeState::begin(const L2LPolicy& policy, const StepObjective& objective, Vec x0) {
  if (x0.size() != objective.dim())
    throw Error(fmt::format("l2l episode: initial point has {} entries, the objective {}", x0.size(),
                            objective.dim()));
  EpisodeState s;
  s.k = 0;
  s.x = std::move(x0);
  s.loss = objective.loss_grad(0, s.x, s.grad);
  s.lstm = policy.zero_state(s.x.size());
  s.diverged = !std::isfinite(s.loss) || !s.grad.allFinite();
  return s;
}

SegmentResult unroll_segment(const L2LPolicy& policy, const StepObjective& objective, int steps,
                             EpisodeState& state, Vec* meta_grad, SegmentRecord* record) {
  SegmentResult result;
  if (state.diverged) {
    result.diverged = true;
    return result;
  }
  const Lstm& lstm = policy.lstm();
  const double scale = policy.settings().output_scale;
  const Index n = state.x.size();
  if (meta_grad && meta_grad->size() != lstm.num_params())
    throw Error(fmt::format("l2l meta-gradient: buffer has {} entries, the policy {}", meta_grad->size(),
                            lstm.num_params()));
  if (record) *record = SegmentRecord{state.lstm, {}, {}};

  // The forward pass, one step at a time (each input depends on the previous step). Every
  // step's record is appended to one tape so that a single backward pass covers the segment.
  LstmTape tape, one;
  tape.initial = state.lstm;
  std::vector<Mat> one_input(1), one_output;
  std::vector<Vec> later_grads;  // grad f_{k+j}(theta_{k+j}), j = 1..steps taken
  Vec delta;
  for (int j = 0; j < steps && state.k + 1 < objective.count(); ++j) {
    log_sign_preprocess(state.grad, policy.settings().p, one_input[0]);
    lstm.forward(one_input, state.lstm, &one_output, meta_grad ? &one : nullptr);
    delta = scale * one_output[0].row(0).transpose();
    if (record) {
      record->features.push_back(one_input[0]);
      record->steps.push_back(delta);
    }
    if (meta_grad) tape.steps.push_back(std::move(one.steps[0]));
    state.x += delta;
    ++state.k;
    state.loss = objective.loss_grad(state.k, state.x, state.grad);
    ++result.steps;
    if (!delta.allFinite() || !std::isfinite(state.loss) || !state.grad.allFinite()) {
      state.diverged = result.diverged = true;
      return result;
    }
    result.meta_loss += state.loss;
    if (meta_grad) later_grads.push_back(state.grad);
  }
  if (!meta_grad || result.steps == 0) return result;

  // Backward: dL/dy_j = scale * (sum of the gradients of the terms after step j), a suffix sum.
  std::vector<Mat> output_grads(static_cast<size_t>(result.steps));
  Vec suffix = Vec::Zero(n);
  for (int j = result.steps - 1; j >= 0; --j) {
    suffix += later_grads[static_cast<size_t>(j)];
    output_grads[static_cast<size_t>(j)] = (scale * suffix).transpose();
  }
  lstm.backward(tape, output_grads, nullptr, *meta_grad, nullptr, nullptr);
  return result;
}
}  // namespace l2o
