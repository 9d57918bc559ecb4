#include "l2o/task/mlp_task.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/data/fnv_hash.hpp"

namespace l2o {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "softplus") return Activation::Softplus;
  throw Error(fmt::format("--activation: unknown activation '{}' (expected relu, tanh, sigmoid or softplus)", name));
}

std::string to_string(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Softplus: return "softplus";
  }
  return "?";
}

std::vector<int> parse_arch(const std::string& text) {
  std::vector<int> arch;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, '-')) {
    char* end = nullptr;
    const long v = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || v < 1 || v > 100000)
      throw Error(fmt::format("--arch: '{}' is not a list of positive layer widths like 48-48-10", text));
    arch.push_back(static_cast<int>(v));
  }
  if (arch.size() < 2)
    throw Error(fmt::format("--arch: '{}' needs at least an input width and a number of classes", text));
  return arch;
}

std::string arch_to_string(const std::vector<int>& arch) {
  std::string s;
  for (size_t i = 0; i < arch.size(); ++i) s += (i ? "-" : "") + std::to_string(arch[i]);
  return s;
}

ParamLayout mlp_param_layout(const std::vector<int>& arch) {
  ParamLayout layout;
  const size_t layers = arch.empty() ? 0 : arch.size() - 1;
  for (size_t l = 1; l <= layers; ++l) layout.add_dense(arch[l - 1], arch[l], /*output_layer=*/l == layers);
  return layout;
}

namespace {

// Applies the hidden activation in place and returns its derivative (as a function of the
// pre-activation z) through `deriv` when requested.
void activate(Activation act, Mat& z, Mat* deriv) {
  switch (act) {
    case Activation::Relu:
      if (deriv) *deriv = (z.array() > 0.0).cast<double>();
      z = z.cwiseMax(0.0);
      break;
    case Activation::Tanh:
      z = z.array().tanh();
      if (deriv) *deriv = 1.0 - z.array().square();
      break;
    case Activation::Sigmoid:
      z = 1.0 / (1.0 + (-z.array()).exp());
      if (deriv) *deriv = z.array() * (1.0 - z.array());
      break;
    case Activation::Softplus: {
      // softplus(z) = log(1 + e^z), computed stably; its derivative is sigmoid(z).
      if (deriv) *deriv = 1.0 / (1.0 + (-z.array()).exp());
      z = z.array().max(0.0) + (-z.array().abs()).exp().log1p();
      break;
    }
  }
}

}  // namespace

MlpTask::MlpTask(const ProjectedDataset& data, MlpConfig config, Index train_size, std::uint64_t subset_seed)
    : config_(std::move(config)), dataset_name_(data.display_name.empty() ? data.name : data.display_name) {
  const auto& arch = config_.arch;
  if (arch.size() < 2) throw Error("--arch: needs at least an input width and a number of classes");
  if (arch.front() != data.train.x.rows())
    throw Error(fmt::format("--arch: input width {} does not match the projected data width {} of {}",
                            arch.front(), data.train.x.rows(), dataset_name_));
  if (arch.back() != data.num_classes)
    throw Error(fmt::format("--arch: {} output units, but {} has {} classes (use --arch {}-...-{})", arch.back(),
                            dataset_name_, data.num_classes, arch.front(), data.num_classes));
  if (!(config_.weight_decay >= 0.0) || !std::isfinite(config_.weight_decay))
    throw Error("--weight-decay: must be a finite number >= 0");
  if (!(config_.init_scale > 0.0) || !std::isfinite(config_.init_scale))
    throw Error("--init-scale: must be a finite number > 0");
  const Index n = data.train.count();
  if (n == 0) throw Error(fmt::format("{}: the training split is empty", dataset_name_));
  layout_ = mlp_param_layout(arch);

  // The task's training set: a seeded subset of the training split, in sorted order.
  std::vector<Index> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), Index{0});
  if (train_size >= 0 && train_size < n) {
    Rng rng(subset_seed, "task-subset");
    rng.shuffle(idx.begin(), idx.end());
    idx.resize(static_cast<size_t>(train_size));
    std::sort(idx.begin(), idx.end());
  }
  train_x_.resize(data.train.x.rows(), static_cast<Index>(idx.size()));
  train_y_.resize(idx.size());
  for (size_t j = 0; j < idx.size(); ++j) {
    train_x_.col(static_cast<Index>(j)) = data.train.x.col(idx[j]);
    train_y_[j] = data.train.labels[static_cast<size_t>(idx[j])];
  }
  test_x_ = data.test.x;
  test_y_ = data.test.labels;
}

std::string MlpTask::fingerprint() const {
  Fnv1a64 h;
  auto add_matrix = [&](const Mat& m) {
    h.add(static_cast<std::uint64_t>(m.rows())).add(static_cast<std::uint64_t>(m.cols()));
    h.add(std::string_view(reinterpret_cast<const char*>(m.data()), static_cast<std::size_t>(m.size()) * sizeof(double)));
  };
  auto add_labels = [&](const std::vector<int>& y) {
    h.add(static_cast<std::uint64_t>(y.size()));
    h.add(std::string_view(reinterpret_cast<const char*>(y.data()), y.size() * sizeof(int)));
  };
  for (int a : config_.arch) h.add(static_cast<std::uint64_t>(a));
  h.add(static_cast<std::uint64_t>(config_.activation));
  h.add(fmt::format("{:a} {:a}", config_.weight_decay, config_.init_scale));
  add_matrix(train_x_);
  add_labels(train_y_);
  add_matrix(test_x_);
  add_labels(test_y_);
  return fmt::format("{:016x}", h.value());
}

Vec MlpTask::initial_params(std::uint64_t seed) const {
  Rng rng(seed, "mlp-init");
  Vec x = Vec::Zero(layout_.dim);
  const bool he = config_.activation == Activation::Relu || config_.activation == Activation::Softplus;
  for (const auto& g : layout_.groups) {
    if (g.kind != GroupKind::Weight) continue;
    const double s = config_.init_scale * std::sqrt((he ? 2.0 : 1.0) / static_cast<double>(g.cols));
    for (Index i = 0; i < g.size(); ++i) x[g.offset + i] = s * rng.normal();
  }
  return x;
}

// Forward and backward pass over the columns of `inputs` selected by `batch` (all if null).
// Returns the summed cross-entropy; accumulates the gradient of the sum into *grad.
double MlpTask::loss_grad_cols(const Vec& x, const Mat& inputs, const std::vector<int>& labels,
                               const std::vector<Index>* batch, Vec* grad) const {
  if (x.size() != layout_.dim)
    throw Error(fmt::format("MLP task: parameter vector has {} entries, the layout needs {}", x.size(), layout_.dim));
  const int layers = static_cast<int>(config_.arch.size()) - 1;
  const Index cols = batch ? static_cast<Index>(batch->size()) : inputs.cols();
  std::vector<Mat> acts(static_cast<size_t>(layers));   // activations of each hidden layer
  std::vector<Mat> derivs(static_cast<size_t>(layers));  // activation derivatives
  Mat a0;
  if (batch) {
    a0.resize(inputs.rows(), cols);
    for (Index j = 0; j < cols; ++j) a0.col(j) = inputs.col((*batch)[static_cast<size_t>(j)]);
  }
  const Mat& input = batch ? a0 : inputs;

  auto W = [&](int l) {
    const auto& g = layout_.groups[static_cast<size_t>(2 * (l - 1))];
    return Eigen::Map<const Mat>(x.data() + g.offset, g.rows, g.cols);
  };
  auto b = [&](int l) {
    const auto& g = layout_.groups[static_cast<size_t>(2 * (l - 1) + 1)];
    return Eigen::Map<const Vec>(x.data() + g.offset, g.rows);
  };

  const Mat* prev = &input;
  Mat logits;
  for (int l = 1; l <= layers; ++l) {
    Mat z = W(l) * *prev;
    z.colwise() += b(l);
    if (l == layers) {
      logits = std::move(z);
    } else {
      activate(config_.activation, z, grad ? &derivs[static_cast<size_t>(l)] : nullptr);
      acts[static_cast<size_t>(l)] = std::move(z);
      prev = &acts[static_cast<size_t>(l)];
    }
  }

  // Softmax cross-entropy, stably: loss = logsumexp(z) - z_y.
  double loss = 0.0;
  Mat delta = logits;  // becomes dLoss/dlogits = softmax - onehot
  for (Index j = 0; j < cols; ++j) {
    const int y = labels[static_cast<size_t>(batch ? (*batch)[static_cast<size_t>(j)] : j)];
    const double m = logits.col(j).maxCoeff();
    auto e = (logits.col(j).array() - m).exp();
    const double s = e.sum();
    loss += std::log(s) + m - logits(y, j);
    if (grad) {
      delta.col(j) = e / s;
      delta(y, j) -= 1.0;
    }
  }
  if (!grad) return loss;

  for (int l = layers; l >= 1; --l) {
    const auto& gw = layout_.groups[static_cast<size_t>(2 * (l - 1))];
    const auto& gb = layout_.groups[static_cast<size_t>(2 * (l - 1) + 1)];
    const Mat& below = l == 1 ? input : acts[static_cast<size_t>(l - 1)];
    Eigen::Map<Mat>(grad->data() + gw.offset, gw.rows, gw.cols).noalias() += delta * below.transpose();
    Eigen::Map<Vec>(grad->data() + gb.offset, gb.rows) += delta.rowwise().sum();
    if (l > 1) {
      Mat back = W(l).transpose() * delta;
      delta = back.cwiseProduct(derivs[static_cast<size_t>(l - 1)]);
    }
  }
  return loss;
}

namespace {
// Adds (lambda/2)|W|^2 over the weight groups to the loss and lambda*W to the gradient.
double add_weight_decay(const ParamLayout& layout, double lambda, const Vec& x, Vec* grad) {
  if (lambda == 0.0) return 0.0;
  double penalty = 0.0;
  for (const auto& g : layout.groups) {
    if (g.kind != GroupKind::Weight) continue;
    auto w = x.segment(g.offset, g.size());
    penalty += 0.5 * lambda * w.squaredNorm();
    if (grad) grad->segment(g.offset, g.size()) += lambda * w;
  }
  return penalty;
}
}  // namespace

double MlpTask::loss_grad(const Vec& x, const std::vector<Index>& batch, Vec* grad) const {
  if (batch.empty()) throw Error("MLP task: empty minibatch");
  if (grad) grad->setZero(layout_.dim);
  const double n = static_cast<double>(batch.size());
  double loss = loss_grad_cols(x, train_x_, train_y_, &batch, grad) / n;
  if (grad) *grad /= n;
  return loss + add_weight_decay(layout_, config_.weight_decay, x, grad);
}

double MlpTask::objective(const Vec& x, Vec* grad) const {
  if (grad) grad->setZero(layout_.dim);
  // Chunks of columns keep the activations in cache for large training sets.
  constexpr Index kChunk = 2048;
  const Index n = train_x_.cols();
  double loss = 0.0;
  std::vector<Index> idx;
  for (Index start = 0; start < n; start += kChunk) {
    const Index len = std::min(kChunk, n - start);
    idx.resize(static_cast<size_t>(len));
    std::iota(idx.begin(), idx.end(), start);
    loss += loss_grad_cols(x, train_x_, train_y_, &idx, grad);
  }
  loss /= static_cast<double>(n);
  if (grad) *grad /= static_cast<double>(n);
  return loss + add_weight_decay(layout_, config_.weight_decay, x, grad);
}

double MlpTask::accuracy(const Vec& x, const Mat& inputs, const std::vector<int>& labels) const {
  if (inputs.cols() == 0) return std::nan("");
  const int layers = static_cast<int>(config_.arch.size()) - 1;
  Mat a = inputs;
  for (int l = 1; l <= layers; ++l) {
    const auto& gw = layout_.groups[static_cast<size_t>(2 * (l - 1))];
    const auto& gb = layout_.groups[static_cast<size_t>(2 * (l - 1) + 1)];
    Mat z = Eigen::Map<const Mat>(x.data() + gw.offset, gw.rows, gw.cols) * a;
    z.colwise() += Eigen::Map<const Vec>(x.data() + gb.offset, gb.rows);
    if (l < layers) activate(config_.activation, z, nullptr);
    a = std::move(z);
  }
  Index correct = 0;
  for (Index j = 0; j < a.cols(); ++j) {
    Index arg;
    a.col(j).maxCoeff(&arg);
    correct += arg == labels[static_cast<size_t>(j)];
  }
  return static_cast<double>(correct) / static_cast<double>(a.cols());
}

double MlpTask::test_accuracy(const Vec& x) const { return accuracy(x, test_x_, test_y_); }
double MlpTask::train_accuracy(const Vec& x) const { return accuracy(x, train_x_, train_y_); }

MinibatchSampler::MinibatchSampler(Index n, int batch, std::uint64_t seed) : n_(n), batch_(batch), seed_(seed) {
  if (n <= 0) throw Error("minibatch sampler: the training set is empty");
  if (batch <= 0) throw Error(fmt::format("--batch: must be >= 1 (got {})", batch));
  order_.resize(static_cast<size_t>(n));
  reshuffle();
}

void MinibatchSampler::reshuffle() {
  std::iota(order_.begin(), order_.end(), Index{0});
  Rng rng(derive_seed(seed_, "minibatch"), fmt::format("epoch-{}", epoch_));
  rng.shuffle(order_.begin(), order_.end());
  pos_ = 0;
  ++epoch_;
}

const std::vector<Index>& MinibatchSampler::next() {
  current_.clear();
  // A batch larger than the training set takes it whole.
  const Index want = std::min<Index>(batch_, n_);
  while (static_cast<Index>(current_.size()) < want) {
    if (pos_ == n_) reshuffle();
    current_.push_back(order_[static_cast<size_t>(pos_++)]);
  }
  ++draws_;
  return current_;
}
}  // namespace l2o
