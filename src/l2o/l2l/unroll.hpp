#pragma once
// One truncated segment of an unrolled optimization, and the meta-gradient through it
// (ADH16 §2, "truncated BPTT"; docs/l2l.md derives it).
//
// An episode runs the policy on a StepObjective: theta_{k+1} = theta_k + s_k with
// s_k = output_scale * LSTM(preprocess(grad f_k(theta_k))). A segment of U steps starting at
// iterate k has the meta-loss
//
//   L = sum_{j=1..U} f_{k+j}(theta_{k+j}),
//
// and, with the gradient inputs treated as constants (dgrad/dphi = 0, ADH16's dropped second
// derivatives), dL/ds_{k+j-1} = sum_{i=j..U} grad f_{k+i}(theta_{k+i}): each step is charged
// with the gradients of every later term of the segment. Those gradients are the ones the
// optimizer reads anyway, so the meta-gradient costs one LSTM backward pass and nothing else.
// The LSTM state and the iterate are carried from one segment to the next; no gradient flows
// back across a segment boundary.
#include <vector>

#include "l2o/l2l/l2l_policy.hpp"
#include "l2o/l2l/step_objective.hpp"

namespace l2o {

// Where an episode stands between segments.
struct EpisodeState {
  int k = 0;         // index of the current iterate theta_k
  Vec x;             // theta_k
  double loss = 0.0; // f_k(theta_k)
  Vec grad;          // grad f_k(theta_k): the input of the next step
  LstmState lstm;    // the optimizer's memory, one column per coordinate
  bool diverged = false;

  // Starts an episode at theta_0 = x0 with a zero LSTM state (evaluates f_0 there).
  static EpisodeState begin(const L2LPolicy& policy, const StepObjective& objective, Vec x0);
};

struct SegmentResult {
  double meta_loss = 0.0;  // sum of f_{k+j}(theta_{k+j}) over the segment's steps
  int steps = 0;           // steps taken (fewer than asked at the end of the objectives or on divergence)
  bool diverged = false;   // a step, loss or gradient became non-finite: no meta-gradient was added
};

// What a segment recorded, for tests and diagnostics: the gradient inputs the LSTM read (as
// preprocessed features) and the steps it produced.
struct SegmentRecord {
  LstmState initial_state;
  std::vector<Mat> features;  // 2 x n per step
  std::vector<Vec> steps;     // s_{k}, s_{k+1}, ...
};

// Runs up to `steps` steps of the episode (stopping at the last objective), advancing `state`.
// If `meta_grad` is non-null (num_params() entries), adds dL/dphi of the segment to it.
// `record` (may be null) receives the segment's inputs and steps.
SegmentResult unroll_segment(const L2LPolicy& policy, const StepObjective& objective, int steps,
                             EpisodeState& state, Vec* meta_grad, SegmentRecord* record = nullptr);
}  // namespace l2o
