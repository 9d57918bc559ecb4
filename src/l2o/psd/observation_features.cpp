#include "l2o/psd/observation_features.hpp"

#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/nn/base64.hpp"

namespace l2o {

ObservationFeatures::ObservationFeatures(FeatureConfig config, Index dim) : config_(config) {
  config_.validate("observation features");
  reset(dim);
}

void ObservationFeatures::reset(Index dim) {
  dim_ = dim;
  t_ = -1;
  loss_ = 0.0;
  o1_ = 0.0;
  x_ = grad_ = step_ = o2_ = o3_ = Vec::Zero(dim);
}

void ObservationFeatures::observe(const Vec& x, double loss, const Vec& grad) {
  if (x.size() != dim_ || grad.size() != dim_)
    throw Error(fmt::format("observation features: expected vectors of dimension {}, got x {} and gradient {}", dim_,
                            x.size(), grad.size()));
  ++t_;
  if (t_ == 0) {
    o1_ = 0.0;
    o2_ = (grad.array() / (grad.array().abs() + config_.grad_offset)).matrix();
    o3_.setZero();
  } else {
    const double denom = std::abs(loss_);
    o1_ = denom > 0.0 ? (loss - loss_) / denom : 0.0;
    o2_ = (grad.array() / (grad_.array().abs() + config_.grad_offset)).matrix();
    // At t = 1 the "previous" change is clamped to the current one, x_1 - x_0.
    Vec current = x - x_;
    const Vec& previous = t_ == 1 ? current : step_;
    o3_ = (previous.array().abs() / (current.array().abs() + config_.step_offset)).matrix();
    step_ = std::move(current);
  }
  loss_ = loss;
  x_ = x;
  grad_ = grad;
}

void ObservationFeatures::compute(Index offset, Index count, Mat& out) const {
  if (offset < 0 || count < 0 || offset + count > dim_)
    throw Error(fmt::format("observation features: coordinates [{}, {}) outside dimension {}", offset, offset + count,
                            dim_));
  out.resize(kCount, count);
  out.row(0).setConstant(o1_);
  out.row(1) = o2_.segment(offset, count).transpose();
  out.row(2) = o3_.segment(offset, count).transpose();
}

void ObservationFeatures::compute(const std::vector<Index>& coords, Mat& out) const {
  out.resize(kCount, static_cast<Index>(coords.size()));
  for (std::size_t k = 0; k < coords.size(); ++k) {
    const Index j = coords[k];
    if (j < 0 || j >= dim_) throw Error(fmt::format("observation features: coordinate {} outside dimension {}", j, dim_));
    out(0, static_cast<Index>(k)) = o1_;
    out(1, static_cast<Index>(k)) = o2_(j);
    out(2, static_cast<Index>(k)) = o3_(j);
  }
}

nlohmann::json ObservationFeatures::save() const {
  return {{"dim", dim_},
          {"t", t_},
          {"loss", encode_float64(&loss_, 1)},
          {"o1", encode_float64(&o1_, 1)},
          {"x", encode_float64(x_)},
          {"grad", encode_float64(grad_)},
          {"step", encode_float64(step_)},
          {"o2", encode_float64(o2_)},
          {"o3", encode_float64(o3_)}};
}

void ObservationFeatures::load(const nlohmann::json& s) {
  try {
    const Index dim = s.at("dim").get<Index>();
    const Index t = s.at("t").get<Index>();
    auto vec = [&](const char* name) {
      Vec v = decode_float64_vec(s.at(name).get<std::string>());
      if (v.size() != dim) throw Error(fmt::format("'{}' has {} values, expected {}", name, v.size(), dim));
      return v;
    };
    auto scalar = [&](const char* name) {
      const Vec v = decode_float64_vec(s.at(name).get<std::string>());
      if (v.size() != 1) throw Error(fmt::format("'{}' is not a scalar", name));
      return v(0);
    };
    if (t < -1) throw Error("negative time step");
    Vec x = vec("x"), g = vec("grad"), st = vec("step"), o2 = vec("o2"), o3 = vec("o3");
    const double loss = scalar("loss"), o1 = scalar("o1");
    dim_ = dim;
    t_ = t;
    loss_ = loss;
    o1_ = o1;
    x_ = std::move(x);
    grad_ = std::move(g);
    step_ = std::move(st);
    o2_ = std::move(o2);
    o3_ = std::move(o3);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("observation features: malformed saved state: {}", e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("observation features: malformed saved state: {}", e.what()));
  }
}
}  // namespace l2o
