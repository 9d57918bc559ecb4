#include "l2o/psd/observation_features.hpp"
#include "l2o/core/json_integer.hpp"

#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"

namespace l2o {

ObservationFeatures::ObservationFeatures(FeatureConfig config, Index dim) : config_(std::move(config)) {
  config_.validate("observation features");
  reset(dim);
}

void ObservationFeatures::reset(Index dim) {
  dim_ = dim;
  t_ = -1;
  loss_ = 0.0;
  o1_ = 0.0;
  x_ = grad_ = step_ = o2_ = o3_ = Vec::Zero(dim);
  const std::size_t K = config_.momentum_decays.size();
  m_.assign(K, Vec::Zero(dim));
  mfeat_.assign(K, Vec::Zero(dim));
  v_ = rfeat_ = config_.has_moments() ? Vec::Zero(dim) : Vec();
}

void ObservationFeatures::update_moments(const Vec& grad) {
  if (!config_.has_moments()) return;
  const double r = config_.rms_decay, eps = config_.moment_epsilon;
  const double power = static_cast<double>(t_ + 1);
  v_ = r * v_ + (1.0 - r) * grad.cwiseAbs2();
  // 1 / (RMS + eps), with the RMS bias-corrected; shared by every M_b and R.
  const Eigen::ArrayXd inv = 1.0 / ((v_.array() / (1.0 - std::pow(r, power))).sqrt() + eps);
  for (std::size_t k = 0; k < m_.size(); ++k) {
    const double b = config_.momentum_decays[k];
    m_[k] = b * m_[k] + (1.0 - b) * grad;
    mfeat_[k] = (m_[k].array() / (1.0 - std::pow(b, power)) * inv).matrix();
  }
  rfeat_ = (grad.array() * inv).matrix();
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
  update_moments(grad);
  loss_ = loss;
  x_ = x;
  grad_ = grad;
}

void ObservationFeatures::compute(Index offset, Index count, Mat& out) const {
  if (offset < 0 || count < 0 || offset + count > dim_)
    throw Error(fmt::format("observation features: coordinates [{}, {}) outside dimension {}", offset, offset + count,
                            dim_));
  out.resize(this->count(), count);
  out.row(0).setConstant(o1_);
  out.row(1) = o2_.segment(offset, count).transpose();
  out.row(2) = o3_.segment(offset, count).transpose();
  if (!config_.has_moments()) return;
  const Index K = static_cast<Index>(mfeat_.size());
  for (Index k = 0; k < K; ++k) out.row(3 + k) = mfeat_[static_cast<std::size_t>(k)].segment(offset, count).transpose();
  out.row(3 + K) = rfeat_.segment(offset, count).transpose();
}

void ObservationFeatures::compute(const std::vector<Index>& coords, Mat& out) const {
  out.resize(this->count(), static_cast<Index>(coords.size()));
  const Index K = static_cast<Index>(mfeat_.size());
  for (std::size_t k = 0; k < coords.size(); ++k) {
    const Index j = coords[k];
    if (j < 0 || j >= dim_) throw Error(fmt::format("observation features: coordinate {} outside dimension {}", j, dim_));
    out(0, static_cast<Index>(k)) = o1_;
    out(1, static_cast<Index>(k)) = o2_(j);
    out(2, static_cast<Index>(k)) = o3_(j);
    if (!config_.has_moments()) continue;
    for (Index b = 0; b < K; ++b) out(3 + b, static_cast<Index>(k)) = mfeat_[static_cast<std::size_t>(b)](j);
    out(3 + K, static_cast<Index>(k)) = rfeat_(j);
  }
}

nlohmann::json ObservationFeatures::save() const {
  nlohmann::json s = {{"dim", dim_},
          {"t", t_},
          {"loss", encode_float64(&loss_, 1)},
          {"o1", encode_float64(&o1_, 1)},
          {"x", encode_float64(x_)},
          {"grad", encode_float64(grad_)},
          {"step", encode_float64(step_)},
          {"o2", encode_float64(o2_)},
          {"o3", encode_float64(o3_)}};
  if (config_.has_moments()) {
    nlohmann::json m = nlohmann::json::array(), mf = nlohmann::json::array();
    for (std::size_t k = 0; k < m_.size(); ++k) m.push_back(encode_float64(m_[k])), mf.push_back(encode_float64(mfeat_[k]));
    s["moments"] = {{"m", m}, {"m_features", mf}, {"v", encode_float64(v_)}, {"r_feature", encode_float64(rfeat_)}};
  }
  return s;
}

void ObservationFeatures::load(const nlohmann::json& s) {
  try {
    const Index dim = json_integer<Index>(s.at("dim"), "dim");
    const Index t = json_integer<Index>(s.at("t"), "t");
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
    std::vector<Vec> m(m_.size()), mf(m_.size());
    Vec v, rf;
    if (config_.has_moments()) {
      if (!s.contains("moments")) throw Error("no 'moments' (the features have moment features)");
      const nlohmann::json& mo = s.at("moments");
      const auto& ml = mo.at("m");
      const auto& mfl = mo.at("m_features");
      if (!ml.is_array() || !mfl.is_array() || ml.size() != m_.size() || mfl.size() != m_.size())
        throw Error(fmt::format("'moments' needs {} running means and features", m_.size()));
      auto decode = [&](const nlohmann::json& e, const char* name) {
        Vec x = decode_float64_vec(e.get<std::string>());
        if (x.size() != dim) throw Error(fmt::format("'moments.{}' has {} values, expected {}", name, x.size(), dim));
        return x;
      };
      for (std::size_t k = 0; k < m_.size(); ++k) m[k] = decode(ml[k], "m"), mf[k] = decode(mfl[k], "m_features");
      v = decode(mo.at("v"), "v");
      rf = decode(mo.at("r_feature"), "r_feature");
    } else if (s.contains("moments")) {
      throw Error("'moments' present, but these features have no moment features");
    }
    dim_ = dim;
    t_ = t;
    loss_ = loss;
    o1_ = o1;
    x_ = std::move(x);
    grad_ = std::move(g);
    step_ = std::move(st);
    o2_ = std::move(o2);
    o3_ = std::move(o3);
    m_ = std::move(m);
    mfeat_ = std::move(mf);
    v_ = std::move(v);
    rfeat_ = std::move(rf);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("observation features: malformed saved state: {}", e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("observation features: malformed saved state: {}", e.what()));
  }
}
}  // namespace l2o
