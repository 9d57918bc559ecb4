#include "l2o/optim/line_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "l2o/optim/hyperparams.hpp"

namespace l2o {

void validate_line_search(const LineSearchOptions& o, const std::string& optimizer) {
  require_open_unit_interval(optimizer, "c1", o.c1);
  require_open_unit_interval(optimizer, "c2", o.c2);
  if (!(o.c2 > o.c1)) hyper_error(optimizer, "c2", "must be greater than c1 (Wolfe conditions)");
  require_int_range(optimizer, "max_evals", o.max_evals, 1, 1000);
  if (!(std::isfinite(o.max_growth) && o.max_growth > 1.0))
    hyper_error(optimizer, "max_growth", "must be finite and > 1");
}

const char* to_string(LineSearchStatus status) {
  switch (status) {
    case LineSearchStatus::Wolfe:
      return "wolfe";
    case LineSearchStatus::SufficientDecrease:
      return "sufficient-decrease";
    case LineSearchStatus::NoDecrease:
      return "no-decrease";
    case LineSearchStatus::NotDescent:
      return "not-descent";
  }
  return "unknown";
}

void LineSearchStats::record(const LineSearchResult& r) {
  ++searches;
  evals += r.evals;
  if (r.status == LineSearchStatus::Wolfe)
    ++wolfe;
  else if (r.status == LineSearchStatus::SufficientDecrease)
    ++sufficient;
  else
    ++failures;
}

double cubic_minimizer(double a, double fa, double dfa, double b, double fb, double dfb) {
  const double d1 = dfa + dfb - 3.0 * (fa - fb) / (a - b);
  const double disc = d1 * d1 - dfa * dfb;
  if (!(disc >= 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double d2 = std::copysign(std::sqrt(disc), b - a);
  const double denom = dfb - dfa + 2.0 * d2;
  if (denom == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return b - (b - a) * (dfb + d2 - d1) / denom;
}

namespace {

// One evaluated trial point on the line.
struct Trial {
  double alpha = 0.0;
  double f = 0.0;
  double dphi = 0.0;
  Vec g;
  bool finite = true;
};

class Search {
 public:
  Search(const LossGradFn& eval, const Vec& x, double f0, const Vec& g0, const Vec& d,
         const LineSearchOptions& o)
      : eval_(eval), x_(x), d_(d), o_(o), f0_(f0), dphi0_(g0.dot(d)) {
    origin_ = Trial{0.0, f0, dphi0_, g0, true};
  }

  LineSearchResult run(double alpha0) {
    if (!std::isfinite(f0_) || !std::isfinite(dphi0_) || !(dphi0_ < 0.0) || !(alpha0 > 0.0) ||
        !std::isfinite(alpha0))
      return finish(LineSearchStatus::NotDescent, origin_);
    return bracket(alpha0);
  }

 private:
  Trial evaluate(double alpha) {
    Trial t;
    t.alpha = alpha;
    const Vec at = x_ + alpha * d_;
    t.f = eval_(at, t.g);
    ++evals_;
    t.dphi = t.g.size() == d_.size() ? t.g.dot(d_) : std::numeric_limits<double>::quiet_NaN();
    t.finite = std::isfinite(t.f) && std::isfinite(t.dphi);
    return t;
  }

  bool armijo(const Trial& t) const { return t.f <= f0_ + o_.c1 * t.alpha * dphi0_; }
  bool curvature(const Trial& t) const { return std::fabs(t.dphi) <= -o_.c2 * dphi0_; }

  // Phase 1 (N&W Alg. 3.5): grow the step until an interval containing a Wolfe point is found.
  LineSearchResult bracket(double alpha) {
    Trial prev = origin_;
    while (evals_ < o_.max_evals) {
      Trial cur = evaluate(alpha);
      if (!cur.finite || !armijo(cur) || cur.f >= prev.f)
        return zoom(std::move(prev), std::move(cur));
      if (curvature(cur)) return finish(LineSearchStatus::Wolfe, cur);
      if (cur.dphi >= 0.0) return zoom(std::move(cur), std::move(prev));
      // Still descending steeply: extrapolate, by at least 10% of the last increment and by at most
      // a factor max_growth.
      const double lo = cur.alpha + 0.1 * (cur.alpha - prev.alpha);
      const double hi = cur.alpha * o_.max_growth;
      double next = cubic_minimizer(prev.alpha, prev.f, prev.dphi, cur.alpha, cur.f, cur.dphi);
      next = std::isfinite(next) ? std::clamp(next, lo, hi) : hi;
      prev = std::move(cur);
      alpha = next;
    }
    // Out of evaluations while extrapolating: every point kept in `prev` had sufficient decrease.
    return prev.alpha > 0.0 ? finish(LineSearchStatus::SufficientDecrease, prev)
                            : finish(LineSearchStatus::NoDecrease, origin_);
  }

  // Phase 2 (N&W Alg. 3.6): `lo` has sufficient decrease and the lowest loss seen; the interval
  // between lo and hi contains a Wolfe point (or hi is non-finite and the step must shrink).
  LineSearchResult zoom(Trial lo, Trial hi) {
    while (evals_ < o_.max_evals) {
      const double width = hi.alpha - lo.alpha;
      const double scale = std::max(std::fabs(lo.alpha), std::fabs(hi.alpha));
      if (std::fabs(width) <= 4.0 * std::numeric_limits<double>::epsilon() * scale) break;
      double alpha;
      if (!hi.finite) {
        alpha = lo.alpha + 0.1 * width;  // shrink fast away from a blow-up
      } else {
        // Cubic interpolation, kept 10% of the width away from both ends so the interval shrinks.
        const double a = std::min(lo.alpha, hi.alpha) + 0.1 * std::fabs(width);
        const double b = std::max(lo.alpha, hi.alpha) - 0.1 * std::fabs(width);
        alpha = cubic_minimizer(lo.alpha, lo.f, lo.dphi, hi.alpha, hi.f, hi.dphi);
        alpha = std::isfinite(alpha) ? std::clamp(alpha, a, b) : lo.alpha + 0.5 * width;
      }
      Trial cur = evaluate(alpha);
      if (!cur.finite || !armijo(cur) || cur.f >= lo.f) {
        hi = std::move(cur);
      } else {
        if (curvature(cur)) return finish(LineSearchStatus::Wolfe, cur);
        if (cur.dphi * (hi.alpha - lo.alpha) >= 0.0) hi = std::move(lo);
        lo = std::move(cur);
      }
    }
    return lo.alpha > 0.0 ? finish(LineSearchStatus::SufficientDecrease, lo)
                          : finish(LineSearchStatus::NoDecrease, origin_);
  }

  LineSearchResult finish(LineSearchStatus status, const Trial& t) const {
    LineSearchResult r;
    r.status = status;
    r.alpha = t.alpha;
    r.loss = t.f;
    r.grad = t.g;
    r.evals = evals_;
    return r;
  }

  const LossGradFn& eval_;
  const Vec& x_;
  const Vec& d_;
  const LineSearchOptions& o_;
  double f0_, dphi0_;
  Trial origin_;
  int evals_ = 0;
};
}  // namespace

LineSearchResult strong_wolfe_search(const LossGradFn& eval, const Vec& x, double f0, const Vec& g0,
                                     const Vec& d, double alpha0,
                                     const LineSearchOptions& options) {
  return Search(eval, x, f0, g0, d, options).run(alpha0);
}
}  // namespace l2o
