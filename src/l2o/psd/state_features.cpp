#include "l2o/psd/state_features.hpp"
#include "l2o/core/json_integer.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"

namespace l2o {

StateFeatures::StateFeatures(FeatureConfig config, Index dim) : config_(config) {
  config_.validate("state features");
  // The oldest time any term reads lies s*(s1_upper+1), s*(s2_upper+1) or s*(s3_upper+2) steps back.
  const Index s = config_.stride;
  const Index depth = std::max({s * (config_.s1_upper + 1), s * (config_.s2_upper + 1), s * (config_.s3_upper + 2)});
  length_ = depth + 1;
  reset(dim);
}

void StateFeatures::reset(Index dim) {
  dim_ = dim;
  t_ = -1;
  x_raw_ = g_raw_ = Mat::Zero(dim, config_.window);
  f_raw_ = Vec::Zero(config_.window);
  x_avg_ = g_avg_ = Mat::Zero(dim, length_);
  f_avg_ = Vec::Zero(length_);
}

void StateFeatures::observe(const Vec& x, double loss, const Vec& grad) {
  if (x.size() != dim_ || grad.size() != dim_)
    throw Error(fmt::format("state features: expected vectors of dimension {}, got x {} and gradient {}", dim_,
                            x.size(), grad.size()));
  ++t_;
  const Index w = config_.window;
  const Index r = t_ % w;
  x_raw_.col(r) = x;
  g_raw_.col(r) = grad;
  f_raw_(r) = loss;
  // Average over the last min(t+1, window) raw values; before the window fills, the unused slots
  // are excluded rather than counted as zeros.
  const Index n = std::min<Index>(t_ + 1, w);
  const Index a = slot(t_);
  if (n == w) {
    x_avg_.col(a) = x_raw_.rowwise().sum() / static_cast<double>(w);
    g_avg_.col(a) = g_raw_.rowwise().sum() / static_cast<double>(w);
    f_avg_(a) = f_raw_.sum() / static_cast<double>(w);
  } else {
    x_avg_.col(a) = x_raw_.leftCols(n).rowwise().sum() / static_cast<double>(n);
    g_avg_.col(a) = g_raw_.leftCols(n).rowwise().sum() / static_cast<double>(n);
    f_avg_(a) = f_raw_.head(n).sum() / static_cast<double>(n);
  }
}

Vec StateFeatures::s1() const {
  const Index s = config_.stride;
  Vec out = Vec::Zero(config_.s1_count());
  for (Index i = 0; i < config_.s1_count(); ++i) {
    const Index now = t_ - s * i, before = t_ - s * (i + 1);
    if (before < 0) break;
    const double denom = std::abs(f_avg_(slot(before)));
    out(i) = denom > 0.0 ? (f_avg_(slot(now)) - f_avg_(slot(before))) / denom : 0.0;
  }
  return out;
}

template <class Rows>
void StateFeatures::compute_rows(const Rows& rows, Index n, Mat& out) const {
  const Index s = config_.stride;
  const Index r = t_ < 0 ? 0 : t_ % s;
  out.setZero(count(), n);
  if (t_ < 0) return;
  Index row = 0;
  // S1: one value per term, broadcast to every coordinate.
  const Vec s1v = s1();
  for (Index i = 0; i < config_.s1_count(); ++i) out.row(row++).setConstant(s1v(i));
  // S2.
  for (Index i = 0; i < config_.s2_count(); ++i, ++row) {
    const Index now = t_ - s * i;
    if (now < 0) continue;
    const Index norm = std::max(t_ - s * (i + 1), r);
    out.row(row) = (g_avg_(rows, slot(now)).array() / (g_avg_(rows, slot(norm)).array().abs() + config_.grad_offset))
                       .matrix()
                       .transpose();
  }
  // S3.
  for (Index i = 0; i < config_.s3_count(); ++i, ++row) {
    const Index now = t_ - s * i, before = t_ - s * (i + 1);
    if (before < 0) continue;
    const Index p = std::max(before, r + s), q = std::max(t_ - s * (i + 2), r);
    out.row(row) = ((x_avg_(rows, slot(p)) - x_avg_(rows, slot(q))).array().abs() /
                    ((x_avg_(rows, slot(now)) - x_avg_(rows, slot(before))).array().abs() + config_.step_offset))
                       .matrix()
                       .transpose();
  }
}

void StateFeatures::compute(Index offset, Index n, Mat& out) const {
  if (offset < 0 || n < 0 || offset + n > dim_)
    throw Error(fmt::format("state features: coordinates [{}, {}) outside dimension {}", offset, offset + n, dim_));
  compute_rows(Eigen::seqN(offset, n), n, out);
}

void StateFeatures::compute(const std::vector<Index>& coords, Mat& out) const {
  for (Index j : coords)
    if (j < 0 || j >= dim_) throw Error(fmt::format("state features: coordinate {} outside dimension {}", j, dim_));
  compute_rows(coords, static_cast<Index>(coords.size()), out);
}

nlohmann::json StateFeatures::save() const {
  return {{"dim", dim_},
          {"t", t_},
          {"window", config_.window},
          {"length", length_},
          {"x_raw", encode_float64(x_raw_.data(), x_raw_.size())},
          {"g_raw", encode_float64(g_raw_.data(), g_raw_.size())},
          {"f_raw", encode_float64(f_raw_)},
          {"x_avg", encode_float64(x_avg_.data(), x_avg_.size())},
          {"g_avg", encode_float64(g_avg_.data(), g_avg_.size())},
          {"f_avg", encode_float64(f_avg_)}};
}

void StateFeatures::load(const nlohmann::json& s) {
  try {
    const Index dim = json_integer<Index>(s.at("dim"), "dim");
    if (json_integer<Index>(s.at("window"), "window") != config_.window || json_integer<Index>(s.at("length"), "length") != length_)
      throw Error("saved with different feature settings");
    auto mat = [&](const char* name, Index rows, Index cols) {
      const Vec v = decode_float64_vec(s.at(name).get<std::string>());
      if (v.size() != rows * cols) throw Error(fmt::format("'{}' has {} values, expected {}", name, v.size(), rows * cols));
      return Mat(Eigen::Map<const Mat>(v.data(), rows, cols));
    };
    Mat xr = mat("x_raw", dim, config_.window), gr = mat("g_raw", dim, config_.window);
    Mat xa = mat("x_avg", dim, length_), ga = mat("g_avg", dim, length_);
    Vec fr = mat("f_raw", config_.window, 1), fa = mat("f_avg", length_, 1);
    dim_ = dim;
    t_ = json_integer<Index>(s.at("t"), "t");
    x_raw_ = std::move(xr);
    g_raw_ = std::move(gr);
    f_raw_ = std::move(fr);
    x_avg_ = std::move(xa);
    g_avg_ = std::move(ga);
    f_avg_ = std::move(fa);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("state features: malformed saved state: {}", e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("state features: malformed saved state: {}", e.what()));
  }
}
}  // namespace l2o
