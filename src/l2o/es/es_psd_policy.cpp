// ES's view of a PSD policy (es_policy.hpp).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "l2o/core/error.hpp"
#include "l2o/es/es_policy.hpp"
#include "l2o/psd/psd_optimizer.hpp"

namespace l2o::es {

Vec EsPolicy<PsdPolicy>::parameters(const PsdPolicy& p) { return p.params(); }

PsdPolicy EsPolicy<PsdPolicy>::with_parameters(const PsdPolicy& p, const Vec& theta) {
  PsdPolicy q = p;
  q.set_params(theta);
  return q;
}

void EsPolicy<PsdPolicy>::moved(const PsdPolicy& p, const EsConfig& config, std::vector<Index>& index,
                                std::vector<double>& scale) {
  const Vec theta0 = p.params();
  const auto& named = config.networks;
  for (const auto& name : named)
    if (std::none_of(p.networks().begin(), p.networks().end(), [&](PolicyNet n) { return name == to_string(n); }))
      throw Error(fmt::format("ES fine-tuning: networks: the policy has no network '{}'", name));
  Index at = 0;
  for (PolicyNet n : p.networks()) {
    const Lstm& net = p.network(n);
    const LstmParamLayout layout(net.config());
    std::vector<Index> moved;
    if (!named.empty() && std::find(named.begin(), named.end(), to_string(n)) == named.end()) {
      // Not moved: the network keeps its weights.
    } else if (config.params == EsParams::All) {
      for (Index k = 0; k < net.num_params(); ++k) moved.push_back(at + k);
    } else {
      // The read-out weights, not its bias: a bias is a constant step on every coordinate whatever
      // the gradient (not scale-invariant), and its scale has nothing to do with the weights'.
      const Index out_w = net.config().output_size * net.config().layers.back();
      for (Index k = 0; k < out_w; ++k) moved.push_back(at + layout.out_w_offset + k);
    }
    // One scale per network: the RMS of its moved parameters (so that sigma = 0.05 perturbs every
    // network by 5 % of its own magnitude).
    double ss = 0.0;
    for (Index k : moved) ss += theta0[k] * theta0[k];
    double s = moved.empty() ? 1.0 : std::sqrt(ss / static_cast<double>(moved.size()));
    if (!(s > 0.0)) s = 1.0 / std::sqrt(static_cast<double>(net.config().layers.back()));  // an untrained read-out
    index.insert(index.end(), moved.begin(), moved.end());
    scale.insert(scale.end(), moved.size(), s);
    at += net.num_params();
  }
}

OptimizerPtr EsPolicy<PsdPolicy>::optimizer(const PsdPolicy& p, const EsConfig& config) {
  return make_psd(std::make_shared<const PsdPolicy>(p), PsdRuntimeOptions{config.precision, 1});
}

}  // namespace l2o::es
