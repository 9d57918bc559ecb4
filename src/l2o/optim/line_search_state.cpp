#include "l2o/optim/line_search_state.hpp"

namespace l2o {

nlohmann::json encode_stats(const LineSearchStats& s) {
  return {{"searches", s.searches},     {"evals", s.evals},       {"wolfe", s.wolfe},
          {"sufficient", s.sufficient}, {"failures", s.failures}, {"restarts", s.restarts}};
}

LineSearchStats decode_stats(const StateReader& r) {
  LineSearchStats s;
  s.searches = r.integer("searches");
  s.evals = r.integer("evals");
  s.wolfe = r.integer("wolfe");
  s.sufficient = r.integer("sufficient");
  s.failures = r.integer("failures");
  s.restarts = r.integer("restarts");
  return s;
}
}  // namespace l2o
