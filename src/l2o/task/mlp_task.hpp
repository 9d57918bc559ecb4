#pragma once
// The optimizee of LM17: a multi-layer perceptron with softmax cross-entropy, trained on a
// projected data set with minibatch stochastic gradients.
//
// Parameters live in one flat vector. Layer l has a weight matrix W_l (fan_out x fan_in, column-
// major) followed by its bias b_l; each is one coordinate group ("W1", "b1", "W2", ...).
//
// The *true objective* is the mean loss over the task's training set: a fixed, seeded subset of
// the data set's training split (default 10,000 examples, see docs/tasks.md), so it is exact and
// cheap enough to evaluate at every iteration.
#include <cstdint>
#include <string>
#include <vector>

#include "l2o/core/layout.hpp"
#include "l2o/core/types.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o {

enum class Activation { Relu, Tanh, Sigmoid, Softplus };
Activation parse_activation(const std::string& name);  // throws l2o::Error on unknown names
std::string to_string(Activation a);

// "48-48-10" -> {48, 48, 10}; throws l2o::Error (naming --arch) when malformed.
std::vector<int> parse_arch(const std::string& text);
std::string arch_to_string(const std::vector<int>& arch);
// The coordinate groups of an MLP of widths `arch`: per layer, W_l (fan-out x fan-in, column-major)
// then b_l, the last layer's marked as the output layer. MlpTask::layout() is this of its arch.
ParamLayout mlp_param_layout(const std::vector<int>& arch);

struct MlpConfig {
  std::vector<int> arch{48, 48, 10};  // input width, hidden widths..., classes
  Activation activation = Activation::Relu;
  double weight_decay = 0.0;          // L2 penalty (lambda/2)*|W|^2 on weights (not biases)
  double init_scale = 1.0;            // multiplies the He/Glorot initialisation std (see initial_params)
};

class MlpTask {
 public:
  // `train_size` examples of data.train (all if < 0 or larger than the split), chosen by
  // `subset_seed`. Throws l2o::Error if the architecture does not fit the data (input width or
  // number of classes).
  MlpTask(const ProjectedDataset& data, MlpConfig config, Index train_size = 10000,
          std::uint64_t subset_seed = 0);

  const MlpConfig& config() const { return config_; }
  const ParamLayout& layout() const { return layout_; }
  Index dim() const { return layout_.dim; }
  Index train_count() const { return train_x_.cols(); }
  const std::string& dataset_name() const { return dataset_name_; }
  // A hash (16 hex digits) of everything that determines a run on this task: the configuration and
  // the exact training and test data. Keys the finished runs a resumed `l2o bench`/`l2o tune` reuses.
  std::string fingerprint() const;

  // Seeded initialisation: weights ~ N(0, init_scale^2 * s^2) with s = sqrt(2/fan_in) for ReLU and
  // softplus (He) and sqrt(1/fan_in) for tanh and sigmoid (LeCun); biases zero.
  Vec initial_params(std::uint64_t seed) const;

  // Mean loss over the given training examples (indices into the task training set); writes the
  // gradient if `grad` is non-null.
  double loss_grad(const Vec& x, const std::vector<Index>& batch, Vec* grad) const;
  // The true objective: mean loss over the whole task training set (+ weight decay).
  double objective(const Vec& x, Vec* grad = nullptr) const;
  // Classification accuracy on the test split and on the task training set.
  double test_accuracy(const Vec& x) const;
  double train_accuracy(const Vec& x) const;

 private:
  double loss_grad_cols(const Vec& x, const Mat& inputs, const std::vector<int>& labels,
                        const std::vector<Index>* batch, Vec* grad) const;
  double accuracy(const Vec& x, const Mat& inputs, const std::vector<int>& labels) const;

  MlpConfig config_;
  ParamLayout layout_;
  std::string dataset_name_;
  Mat train_x_;
  std::vector<int> train_y_;
  Mat test_x_;
  std::vector<int> test_y_;
};

// Draws minibatches without replacement within an epoch; reshuffles each epoch. Two samplers
// with the same seed produce the same sequence, so optimizers see identical minibatches.
class MinibatchSampler {
 public:
  MinibatchSampler(Index n, int batch, std::uint64_t seed);
  const std::vector<Index>& next();
  // Position in the stream, for checkpoints.
  std::uint64_t draws() const { return draws_; }

 private:
  Index n_;
  int batch_;
  std::uint64_t seed_;
  std::uint64_t epoch_ = 0, draws_ = 0;
  std::vector<Index> order_;
  Index pos_ = 0;
  std::vector<Index> current_;
  void reshuffle();
};
}  // namespace l2o
