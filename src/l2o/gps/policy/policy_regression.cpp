#include "l2o/gps/policy/policy_regression.hpp"
#include "l2o/core/json_integer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>

#include "l2o/core/error.hpp"
#include "l2o/gps/matrix_json.hpp"

namespace l2o::gps {

nlohmann::json RegressionSet::save() const {
  return {{"net", to_string(net)}, {"obs", mats_to_json(obs)}, {"target", mats_to_json(target)},
          {"weight", vec_to_json(weight)}};
}

RegressionSet RegressionSet::load(const nlohmann::json& j) {
  RegressionSet s;
  const std::string net = j.at("net").get<std::string>();
  bool found = false;
  for (PolicyNet n : {PolicyNet::Shared, PolicyNet::HiddenWeight, PolicyNet::OutputWeight, PolicyNet::HiddenBias,
                      PolicyNet::OutputBias})
    if (net == to_string(n)) s.net = n, found = true;
  if (!found) throw Error(fmt::format("checkpoint: unknown policy network '{}'", net));
  s.obs = mats_from_json(j.at("obs"));
  s.target = mats_from_json(j.at("target"));
  s.weight = vec_from_json(j.at("weight"));
  return s;
}

std::vector<Mat> policy_mean_actions(const PsdPolicy& policy, PolicyNet net, const std::vector<Mat>& obs) {
  std::vector<Mat> out;
  if (obs.empty()) return out;
  const Lstm& lstm = policy.network(net);
  LstmState state = lstm.zero_state(obs.front().cols());
  LstmWorkspace ws;
  Mat y;
  out.reserve(obs.size());
  for (const Mat& o : obs) {
    policy.act(net, o, state, y, ws);
    out.push_back(y.transpose());
  }
  return out;
}

namespace {

struct NetData {
  std::vector<Mat> obs, target, weight;  // T entries: inputs x B, 1 x B (in output units), 1 x B
};

}  // namespace

std::vector<double> PolicyRegressor::train(PsdPolicy& policy, const std::vector<const RegressionSet*>& sets,
                                           int epochs, std::uint64_t seed) {
  const auto& nets = policy.networks();
  const std::size_t K = nets.size();
  if (adam_.size() != K) adam_.assign(K, AdamMoments{});
  const double scale = policy.config().arch.output_scale;
  if (!(scale != 0.0) || !std::isfinite(scale)) throw Error("policy regression: output_scale must be finite and non-zero");

  // Median-normalised, clipped weights over all (set, step) entries of one network.
  std::vector<NetData> data(K);
  for (std::size_t k = 0; k < K; ++k) {
    std::vector<const RegressionSet*> mine;
    for (const RegressionSet* s : sets)
      if (s->net == nets[k] && s->sequences() > 0) mine.push_back(s);
    if (mine.empty()) continue;
    const Index T = mine.front()->steps();
    std::vector<double> w;
    for (const RegressionSet* s : mine) {
      if (s->steps() != T || static_cast<Index>(s->target.size()) != T || s->weight.size() != T)
        throw Error("policy regression: regression sets of one network must have the same number of steps");
      for (Index t = 0; t < T; ++t) w.push_back(s->weight[t]);
    }
    const double mean = std::accumulate(w.begin(), w.end(), 0.0) / static_cast<double>(w.size());
    if (!(mean > 0) || !std::isfinite(mean)) continue;  // all weights zero: nothing to fit
    std::vector<double> sorted = w;
    for (double& v : sorted) v /= mean;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2), sorted.end());
    double median = sorted[sorted.size() / 2];
    if (!(median > 0)) median = 1.0;
    Index B = 0;
    for (const RegressionSet* s : mine) B += s->sequences();
    NetData& d = data[k];
    d.obs.assign(static_cast<std::size_t>(T), Mat(policy.config().arch.input_count(), B));
    d.target.assign(static_cast<std::size_t>(T), Mat(1, B));
    d.weight.assign(static_cast<std::size_t>(T), Mat(1, B));
    Index col = 0;
    for (const RegressionSet* s : mine) {
      const Index b = s->sequences();
      for (Index t = 0; t < T; ++t) {
        const auto ts = static_cast<std::size_t>(t);
        d.obs[ts].middleCols(col, b) = policy.network_input(nets[k], s->obs[ts]);
        d.target[ts].middleCols(col, b) = s->target[ts] / scale;
        const double wt = std::min(s->weight[t] / mean, options_.weight_clip * median) / median;
        d.weight[ts].middleCols(col, b).setConstant(wt);
      }
      col += b;
    }
  }

  std::vector<double> losses(K, 0.0);
  std::vector<std::exception_ptr> errors(K);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t k = 0; k < K; ++k) {
    try {
      const NetData& d = data[k];
      if (d.obs.empty()) continue;
      Lstm& lstm = policy.network(nets[k]);
      AdamMoments& adam = adam_[k];
      if (adam.m.size() != lstm.num_params()) adam = {Vec::Zero(lstm.num_params()), Vec::Zero(lstm.num_params()), 0};
      const Index T = static_cast<Index>(d.obs.size());
      const Index B = d.obs.front().cols();
      const Index chunk = std::min<Index>(B, options_.chunk_sequences);
      Rng rng(seed, fmt::format("regression-{}", to_string(nets[k])));
      std::vector<Index> order(static_cast<std::size_t>(B));
      for (int e = 0; e < epochs; ++e) {
        std::iota(order.begin(), order.end(), Index{0});
        rng.shuffle(order.begin(), order.end());
        double loss_sum = 0.0, count = 0.0;
        for (Index c0 = 0; c0 < B; c0 += chunk) {
          const Index nb = std::min(chunk, B - c0);
          std::vector<Index> cols(order.begin() + c0, order.begin() + c0 + nb);
          LstmState state = lstm.zero_state(nb);
          for (Index s0 = 0; s0 < T; s0 += options_.truncation) {
            const Index n = std::min<Index>(options_.truncation, T - s0);
            std::vector<Mat> in(static_cast<std::size_t>(n)), out;
            for (Index i = 0; i < n; ++i) in[static_cast<std::size_t>(i)] = d.obs[static_cast<std::size_t>(s0 + i)](Eigen::all, cols);
            LstmTape tape;
            lstm.forward(in, state, &out, &tape);
            const double norm = 1.0 / static_cast<double>(nb * n);
            std::vector<Mat> grads(static_cast<std::size_t>(n));
            for (Index i = 0; i < n; ++i) {
              const auto ts = static_cast<std::size_t>(s0 + i);
              const Mat r = out[static_cast<std::size_t>(i)] - d.target[ts](Eigen::all, cols);
              const Mat w = d.weight[ts](Eigen::all, cols);
              grads[static_cast<std::size_t>(i)] = (w.array() * r.array() * norm).matrix();
              loss_sum += 0.5 * (w.array() * r.array().square()).sum();
              count += static_cast<double>(nb);
            }
            Vec g = Vec::Zero(lstm.num_params());
            lstm.backward(tape, grads, nullptr, g, nullptr, nullptr);
            ++adam.steps;
            adam.m = options_.beta1 * adam.m + (1 - options_.beta1) * g;
            adam.v = options_.beta2 * adam.v + (1 - options_.beta2) * g.cwiseAbs2();
            const double c1 = 1 - std::pow(options_.beta1, static_cast<double>(adam.steps));
            const double c2 = 1 - std::pow(options_.beta2, static_cast<double>(adam.steps));
            lstm.params().array() -= options_.learning_rate * (adam.m.array() / c1) /
                                     ((adam.v.array() / c2).sqrt() + options_.adam_eps);
            if (!lstm.params().allFinite())
              throw Error(fmt::format("policy regression: the {} network's parameters became non-finite",
                                      to_string(nets[k])));
          }
        }
        losses[k] = count > 0 ? loss_sum / count : 0.0;
      }
    } catch (...) {
      errors[k] = std::current_exception();
    }
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return losses;
}

nlohmann::json PolicyRegressor::save() const {
  nlohmann::json a = nlohmann::json::array();
  for (const AdamMoments& m : adam_) a.push_back({{"m", vec_to_json(m.m)}, {"v", vec_to_json(m.v)}, {"steps", m.steps}});
  return {{"adam", a}};
}

void PolicyRegressor::load(const nlohmann::json& j) {
  adam_.clear();
  for (const auto& a : j.at("adam"))
    adam_.push_back({vec_from_json(a.at("m")), vec_from_json(a.at("v")), json_integer<long>(a.at("steps"), "steps")});
}

}  // namespace l2o::gps
