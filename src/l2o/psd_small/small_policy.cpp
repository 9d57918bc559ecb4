#include "l2o/psd_small/small_policy.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/core/sha256.hpp"

namespace l2o {
namespace {

std::string shape_string(const std::vector<Index>& s) {
  std::string out = "[";
  for (std::size_t k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
  return out + "]";
}

void fill_normal(double* data, Index n, double std, std::uint64_t seed, const std::string& stream) {
  Rng rng(seed, "psd-small-init/" + stream);
  for (Index k = 0; k < n; ++k) data[k] = std * rng.normal();
}
}  // namespace

PsdSmallPolicy::PsdSmallPolicy(PsdSmallArchitecture arch) : arch_(std::move(arch)) {
  arch_.validate("psd-small policy");
  const Index F = PsdSmallArchitecture::kFeatures, C = PsdSmallArchitecture::kContext;
  const Index H1 = arch_.hidden.front(), H = arch_.last_hidden();
  w1 = Mat::Zero(H1, F);
  b1 = Vec::Zero(H1);
  wc = Mat::Zero(H1, C);
  if (two_layers()) {
    w2 = Mat::Zero(arch_.hidden[1], H1);
    b2 = Vec::Zero(arch_.hidden[1]);
  }
  w3 = Mat::Zero(2, H);
  b3 = Vec::Zero(2);
  u = Vec::Zero(C);
  log_lr = std::log(1e-3);
}

PsdSmallPolicy PsdSmallPolicy::fresh(const PsdSmallArchitecture& arch, std::uint64_t seed, double lr,
                                     double readout_std) {
  if (!(lr > 0.0) || !std::isfinite(lr)) throw Error(fmt::format("psd-small policy: lr must be finite and > 0, got {}", lr));
  PsdSmallPolicy p(arch);
  const double gain = arch.activation == SmallActivation::Relu ? std::sqrt(2.0) : 1.0;
  const Index H1 = arch.hidden.front();
  fill_normal(p.w1.data(), p.w1.size(), gain / std::sqrt(double(PsdSmallArchitecture::kFeatures)), seed, "w1");
  fill_normal(p.wc.data(), p.wc.size(), 0.1 / std::sqrt(double(PsdSmallArchitecture::kContext)), seed, "wc");
  if (p.two_layers()) fill_normal(p.w2.data(), p.w2.size(), gain / std::sqrt(double(H1)), seed, "w2");
  fill_normal(p.w3.data(), p.w3.size(), readout_std / std::sqrt(double(arch.last_hidden())), seed, "w3");
  p.log_lr = std::log(lr);
  return p;
}

PsdSmallPolicy PsdSmallPolicy::adam_equivalent(const PsdSmallArchitecture& arch, double lr, std::uint64_t seed) {
  PsdSmallPolicy p = fresh(arch, seed, lr);
  p.w3.setZero();
  p.b3.setZero();
  p.u.setZero();
  return p;
}

std::vector<PsdSmallPolicy::Block> PsdSmallPolicy::blocks() {
  std::vector<Block> b{{"w1", {w1.rows(), w1.cols()}, w1.data()},
                       {"b1", {b1.size()}, b1.data()},
                       {"wc", {wc.rows(), wc.cols()}, wc.data()}};
  if (two_layers()) {
    b.push_back({"w2", {w2.rows(), w2.cols()}, w2.data()});
    b.push_back({"b2", {b2.size()}, b2.data()});
  }
  b.push_back({"w3", {w3.rows(), w3.cols()}, w3.data()});
  b.push_back({"b3", {b3.size()}, b3.data()});
  b.push_back({"u", {u.size()}, u.data()});
  b.push_back({"log_lr", {1}, &log_lr});
  return b;
}

std::vector<std::pair<std::string, Index>> PsdSmallPolicy::parameter_blocks() const {
  std::vector<std::pair<std::string, Index>> out;
  for (const Block& b : blocks()) {
    Index n = 1;
    for (Index s : b.shape) n *= s;
    out.emplace_back(b.name, n);
  }
  return out;
}

Index PsdSmallPolicy::num_parameters() const {
  Index n = 0;
  for (const auto& [name, len] : parameter_blocks()) n += len;
  return n;
}

Vec PsdSmallPolicy::parameters() const {
  Vec p(num_parameters());
  Index at = 0;
  for (const Block& b : blocks()) {
    Index n = 1;
    for (Index s : b.shape) n *= s;
    std::copy(b.data, b.data + n, p.data() + at);
    at += n;
  }
  return p;
}

PsdSmallPolicy PsdSmallPolicy::with_parameters(const Vec& p) const {
  if (p.size() != num_parameters())
    throw Error(fmt::format("psd-small policy: expected {} parameters, got {}", num_parameters(), p.size()));
  if (!p.allFinite()) throw Error("psd-small policy: the parameter vector holds a non-finite value");
  PsdSmallPolicy out = *this;
  Index at = 0;
  for (const Block& b : out.blocks()) {
    Index n = 1;
    for (Index s : b.shape) n *= s;
    std::copy(p.data() + at, p.data() + at + n, b.data);
    at += n;
  }
  out.source_ = "<memory>";
  return out;
}

std::string PsdSmallPolicy::fingerprint() const {
  Sha256 h;
  h.update(std::string(kPsdSmallMethod));
  h.update(arch_.to_json().dump());
  const Vec p = parameters();
  h.update(p.data(), static_cast<std::size_t>(p.size()) * sizeof(double));
  return h.hex_digest();
}

PolicyFile PsdSmallPolicy::to_policy_file(const Provenance& provenance) const {
  PolicyFile f;
  f.method = kPsdSmallMethod;
  f.architecture = arch_.to_json();
  f.features = nlohmann::json::object();  // the features are part of the versioned rule (architecture)
  f.provenance = provenance;
  for (const Block& b : blocks()) {
    Tensor t;
    t.name = b.name;
    t.shape = b.shape;
    t.data = Eigen::Map<const Vec>(b.data, t.element_count());
    f.tensors.push_back(std::move(t));
  }
  return f;
}

PsdSmallPolicy PsdSmallPolicy::from_policy_file(const PolicyFile& f) {
  if (f.method != kPsdSmallMethod)
    throw Error(fmt::format("{}: policy is for method '{}', not {}", f.source, f.method, kPsdSmallMethod));
  PsdSmallPolicy p(PsdSmallArchitecture::from_json(f.architecture, f.source));
  std::size_t expected = 0;
  for (const Block& b : p.blocks()) {
    const Tensor* t = find_tensor(f.tensors, b.name);
    if (!t) throw Error(fmt::format("{}: missing tensor '{}'", f.source, b.name));
    if (t->shape != b.shape)
      throw Error(fmt::format("{}: tensor '{}' has shape {}, the architecture needs {}", f.source, b.name,
                              shape_string(t->shape), shape_string(b.shape)));
    if (t->data.size() != t->element_count())
      throw Error(fmt::format("{}: tensor '{}' has {} values for shape {}", f.source, b.name, t->data.size(),
                              shape_string(b.shape)));
    // parse_policy refuses non-finite weights; a PolicyFile built in memory may still hold them.
    if (!t->data.allFinite()) throw Error(fmt::format("{}: tensor '{}' holds a non-finite value", f.source, b.name));
    std::copy(t->data.data(), t->data.data() + t->data.size(), b.data);
    ++expected;
  }
  if (f.tensors.size() != expected)
    throw Error(fmt::format("{}: {} tensors, the architecture has {} (unexpected extra tensors)", f.source,
                            f.tensors.size(), expected));
  p.source_ = f.source;
  return p;
}

PsdSmallPolicy PsdSmallPolicy::load(const std::string& path) { return from_policy_file(load_policy_file(path)); }

void PsdSmallPolicy::save(const std::string& path, const Provenance& provenance) const {
  save_policy_file(path, to_policy_file(provenance));
}
}  // namespace l2o
