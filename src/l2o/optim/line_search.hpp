#pragma once
// A bounded strong-Wolfe line search, shared by nonlinear CG and L-BFGS.
//
// Along a descent direction d from x, phi(a) = f(x + a d). The search looks for a step a with
//
//   sufficient decrease:  phi(a) <= phi(0) + c1 a phi'(0)
//   strong curvature:     |phi'(a)| <= c2 |phi'(0)|
//
// by the bracketing-then-zoom scheme of Nocedal & Wright (2006, Algorithms 3.5 and 3.6), with
// cubic interpolation (N&W eq. 3.59) for new trial steps. On a quadratic the cubic interpolant is
// exact, so with a tiny c2 the search finds the exact minimiser along d.
//
// Robustness, for noisy minibatch objectives: at most `max_evals` evaluations of f; a trial point
// whose loss or directional derivative is not finite counts as "too far" and the step shrinks by
// 10x towards the best point; when the evaluations run out the best point with sufficient decrease
// is returned (status SufficientDecrease), and if there is none the status is NoDecrease with a
// zero step. The search never throws on numerical trouble.
#include <string>

#include "l2o/optim/optimizer.hpp"

namespace l2o {

struct LineSearchOptions {
  double c1 = 1e-4;          // sufficient-decrease constant, in (0, 1)
  double c2 = 0.9;           // curvature constant, in (c1, 1)
  int max_evals = 20;        // evaluations of f per search, >= 1
  double max_growth = 10.0;  // an extrapolation grows the trial step by at most this factor
};

// Throws l2o::Error naming `optimizer` and the key (c1, c2, max_evals) when out of range.
void validate_line_search(const LineSearchOptions& options, const std::string& optimizer);

enum class LineSearchStatus {
  Wolfe,               // both strong-Wolfe conditions hold at the returned step
  SufficientDecrease,  // evaluations ran out; the returned step only satisfies sufficient decrease
  NoDecrease,          // no evaluated step satisfied sufficient decrease: zero step
  NotDescent,          // phi'(0) >= 0 or phi(0), phi'(0) not finite: nothing evaluated, zero step
};
const char* to_string(LineSearchStatus status);

struct LineSearchResult {
  LineSearchStatus status = LineSearchStatus::NoDecrease;
  double alpha = 0.0;  // the step: x_new = x + alpha * d
  double loss = 0.0;   // f(x + alpha d)
  Vec grad;            // gradient at x + alpha d (the same minibatch)
  int evals = 0;       // evaluations of f used
  bool accepted() const {
    return status == LineSearchStatus::Wolfe || status == LineSearchStatus::SufficientDecrease;
  }
};

// `f0` and `g0` are the loss and gradient at x; `alpha0` > 0 is the first trial step.
LineSearchResult strong_wolfe_search(const LossGradFn& eval, const Vec& x, double f0, const Vec& g0,
                                     const Vec& d, double alpha0, const LineSearchOptions& options);

// Minimiser of the cubic that interpolates phi and phi' at a and b (N&W eq. 3.59); NaN if that
// cubic has no local minimiser.
double cubic_minimizer(double a, double fa, double dfa, double b, double fb, double dfb);

// Counters kept by CG and L-BFGS across their line searches (part of their saved state).
struct LineSearchStats {
  long long searches = 0;    // line searches started
  long long evals = 0;       // evaluations of f in all searches
  long long wolfe = 0;       // searches that met the strong Wolfe conditions
  long long sufficient = 0;  // searches that ran out of evaluations with sufficient decrease
  long long failures = 0;    // searches without any acceptable step (zero step taken)
  // Restarts to steepest descent that dropped a direction (CG: Powell's test, periodic, non-descent
  // direction, failed search) / clearings of a non-empty memory (L-BFGS). The first step and
  // PR+'s beta = 0 are not counted.
  long long restarts = 0;
  void record(const LineSearchResult& r);
};
}  // namespace l2o
