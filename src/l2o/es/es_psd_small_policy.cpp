// ES's view of a psd-small policy (es_policy.hpp).
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/es/es_policy.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"

namespace l2o::es {

Vec EsPolicy<PsdSmallPolicy>::parameters(const PsdSmallPolicy& p) { return p.parameters(); }

PsdSmallPolicy EsPolicy<PsdSmallPolicy>::with_parameters(const PsdSmallPolicy& p, const Vec& theta) {
  return p.with_parameters(theta);
}

void EsPolicy<PsdSmallPolicy>::moved(const PsdSmallPolicy& p, const EsConfig& config, std::vector<Index>& index,
                                     std::vector<double>& scale) {
  const auto blocks = p.parameter_blocks();
  std::vector<std::string> names;
  for (const auto& b : blocks) names.push_back(b.first);
  for (const auto& n : config.networks)
    if (std::find(names.begin(), names.end(), n) == names.end())
      throw Error(fmt::format("ES fine-tuning: networks: a psd-small policy has no tensor '{}' (it has {})", n,
                              fmt::join(names, ", ")));
  // The read-out and the step-size head. Not b3: its first entry is a constant step on every
  // coordinate whatever its gradient (not scale-invariant), its second duplicates log_lr.
  const std::vector<std::string> readout{"w3", "u", "log_lr"};
  const Vec theta = p.parameters();
  Index at = 0;
  for (const auto& [name, length] : blocks) {
    const bool move = !config.networks.empty()
                          ? std::find(config.networks.begin(), config.networks.end(), name) != config.networks.end()
                          : config.params == EsParams::All ||
                                std::find(readout.begin(), readout.end(), name) != readout.end();
    if (move && length > 0) {
      const double rms = std::sqrt(theta.segment(at, length).squaredNorm() / static_cast<double>(length));
      double s = rms;
      if (name == "log_lr") {
        s = 1.0;
      } else if (!(s > 0.0)) {
        // A tensor that is still zero: 1/sqrt(its columns), the scale of a unit-variance fan-in.
        const Index cols = name == "w3"   ? p.w3.cols()
                           : name == "w2" ? p.w2.cols()
                           : name == "w1" ? p.w1.cols()
                           : name == "wc" ? p.wc.cols()
                           : name == "u"  ? static_cast<Index>(p.u.size())
                                          : 1;
        s = 1.0 / std::sqrt(static_cast<double>(std::max<Index>(cols, 1)));
      }
      for (Index k = 0; k < length; ++k) {
        index.push_back(at + k);
        scale.push_back(s);
      }
    }
    at += length;
  }
}

OptimizerPtr EsPolicy<PsdSmallPolicy>::optimizer(const PsdSmallPolicy& p, const EsConfig&) {
  return make_psd_small(p);
}

std::string EsPolicy<PsdSmallPolicy>::fingerprint(const PsdSmallPolicy& p) { return p.fingerprint(); }

}  // namespace l2o::es
