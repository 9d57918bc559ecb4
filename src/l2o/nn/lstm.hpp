#pragma once
// A coordinatewise stacked LSTM: the building block of the learned optimizers (PSD: 1 layer x 128
// cells; the L2L baseline: 2 layers x 20 cells), with a linear read-out.
//
// "Coordinatewise" means one set of weights applied independently to many coordinates, each with
// its own hidden and cell state. A batch of B coordinates is a matrix with B columns, so each
// layer's step is one matrix product over the whole batch:
//
//   z = [u; h_prev]                    u: the layer's input (x for layer 1, h of the layer below)
//   a = W z + b                        a: 4H x B, gate blocks in the order i, f, g, o
//   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
//   c = f * c_prev + i * g,  h = o * tanh(c)
//   y = W_out h_top + b_out            the read-out (output_size x B)
//
// All parameters live in one flat vector (so a first-order method such as Adam can train them),
// laid out layer by layer as W (4H x (in+H), column-major) then b (4H), then W_out (out x H_top)
// and b_out (out). Gradients come from backpropagation through time over a recorded tape, either
// over the whole sequence or truncated into segments (state carried forward across segment
// boundaries, gradient cut there).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/precision.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/core/types.hpp"
#include "l2o/nn/bf16x3_product.hpp"
#include "l2o/nn/tensor.hpp"

namespace l2o {

struct LstmConfig {
  Index input_size = 3;
  std::vector<Index> layers{128};  // cells per layer, bottom to top
  Index output_size = 1;
  // Initial forget-gate bias. 1 makes the cells remember by default at the start of training
  // (Gers et al. 2000; Jozefowicz et al. 2015).
  double forget_bias = 1.0;
  // Weights start uniform in [-r, r]; r = 0 selects 1/sqrt(H) per layer (H = that layer's cells;
  // the read-out uses the top layer's H), the usual LSTM initialisation. Biases start at 0.
  double init_range = 0.0;

  // Throws l2o::Error (message starting with `where`) if any size is not positive.
  void validate(const std::string& where) const;
  nlohmann::json to_json() const;
  // Throws l2o::Error naming `where` on missing or ill-typed fields.
  static LstmConfig from_json(const nlohmann::json& j, const std::string& where);
};

// Hidden and cell state of a batch of coordinates: per layer, H x B matrices. A value type:
// copying it copies the state of every coordinate (one memcpy per matrix). LstmState is the
// float64 state of training and of the float64 runtime, LstmStateF32 that of the float32 runtime.
template <class T>
struct BasicLstmState {
  std::vector<MatT<T>> h, c;

  Index batch() const { return h.empty() ? 0 : h.front().cols(); }
  void set_zero() {
    for (auto& m : h) m.setZero();
    for (auto& m : c) m.setZero();
  }
  // The state of some coordinates (columns), and writing it back.
  BasicLstmState gather(const std::vector<Index>& columns) const;
  void scatter(const std::vector<Index>& columns, const BasicLstmState& from);
  // The state of the contiguous columns [first, first + count).
  BasicLstmState slice(Index first, Index count) const;
};
using LstmState = BasicLstmState<double>;
using LstmStateF32 = BasicLstmState<float>;

// Reusable buffers for a step, so that stepping allocates nothing after the first call.
// `block_columns` splits a large batch into column blocks that fit in cache while the gate
// activations are applied (the product is the same; see docs/psd.md, "Performance").
// `threads` > 1 steps the blocks on that many OpenMP threads. The blocks do not depend on the
// thread count and each column's arithmetic is that of its block alone, so the result is
// bit-identical for any number of threads (inside another parallel region it runs serially).
template <class T>
struct BasicLstmWorkspace {
  Index block_columns = 128;  // 0: the whole batch at once
  int threads = 1;
  struct Buffers {
    std::vector<MatT<T>> z, a;
    std::vector<Bf16x3ScratchPtr> bf16x3;  // per layer, for LstmF32 with bf16x3 products
  };
  std::vector<Buffers> per_thread;
};
using LstmWorkspace = BasicLstmWorkspace<double>;
using LstmWorkspaceF32 = BasicLstmWorkspace<float>;

// Where each parameter block of an LSTM configuration lives in the flat parameter vector.
struct LstmParamLayout {
  std::vector<Index> w_offset, b_offset;  // per layer
  Index out_w_offset = 0, out_b_offset = 0;
  Index size = 0;
  explicit LstmParamLayout(const LstmConfig& config = {});
};

// What a forward pass records for backpropagation through time.
struct LstmTape {
  struct LayerStep {
    Mat z;       // [u; h_prev]
    Mat act;     // gate activations i, f, g, o (4H x B)
    Mat c;       // new cell state
    Mat tanh_c;  // tanh(c)
  };
  LstmState initial;
  std::vector<std::vector<LayerStep>> steps;  // [t][layer]
  Index length() const { return static_cast<Index>(steps.size()); }
};

// dLoss/dy_t for step t, given the output y_t (the caller's loss); dy must be resized to y's shape.
using OutputGradFn = std::function<void(Index t, const Mat& y, Mat& dy)>;

struct BpttResult {
  std::vector<Mat> outputs;      // y_t for every step
  std::vector<Mat> input_grads;  // dLoss/dx_t (for truncated BPTT: within x_t's segment)
  LstmState initial_state_grad;  // dLoss/d(state before step 0), through the first segment
};

class Lstm {
 public:
  Lstm() = default;
  // Parameters start at zero; call init_params for the usual random initialisation.
  explicit Lstm(LstmConfig config);

  const LstmConfig& config() const { return config_; }
  Index num_layers() const { return static_cast<Index>(config_.layers.size()); }
  Index input_size() const { return config_.input_size; }
  Index output_size() const { return config_.output_size; }
  Index num_params() const { return params_.size(); }

  const Vec& params() const { return params_; }
  Vec& params() { return params_; }
  void set_params(const Vec& p);  // throws l2o::Error on a size mismatch

  // Weights uniform in [-r, r] (see LstmConfig::init_range), biases 0, forget-gate biases
  // forget_bias. Draws in parameter order from `rng`.
  void init_params(Rng& rng);

  // Views of the parameters (layer is 0-based here).
  Eigen::Map<const Mat> weights(Index layer) const;
  Eigen::Map<Mat> weights(Index layer);
  Eigen::Map<const Vec> bias(Index layer) const;
  Eigen::Map<Vec> bias(Index layer);
  Eigen::Map<const Mat> readout_weights() const;
  Eigen::Map<Mat> readout_weights();
  Eigen::Map<const Vec> readout_bias() const;
  Eigen::Map<Vec> readout_bias();

  // The parameters as named tensors "<prefix>lstm<k>.W", "<prefix>lstm<k>.b" (k = 1, 2, ...),
  // "<prefix>readout.W", "<prefix>readout.b", and the reverse. from_tensors checks that every
  // tensor is present with the shape this configuration needs; errors start with `where`.
  std::vector<Tensor> to_tensors(const std::string& prefix) const;
  void from_tensors(const std::vector<Tensor>& tensors, const std::string& prefix, const std::string& where);

  LstmState zero_state(Index batch) const;

  // One step for a batch: x is input_size x B; `state` is advanced in place; y gets output_size x B.
  void step(const Eigen::Ref<const Mat>& x, LstmState& state, Mat& y, LstmWorkspace& ws) const;
  void step(const Eigen::Ref<const Mat>& x, LstmState& state, Mat& y) const;

  // Runs a sequence from `state` (left at the final state). Writes outputs if `outputs` is
  // non-null and records what backward() needs if `tape` is non-null.
  void forward(const std::vector<Mat>& inputs, LstmState& state, std::vector<Mat>* outputs, LstmTape* tape) const;

  // Backpropagation through a recorded sequence. `output_grads[t]` is dLoss/dy_t;
  // `final_state_grad` (may be null) is dLoss/d(state after the last step). Adds dLoss/dParams
  // into `param_grad` (which must have num_params() entries). Writes dLoss/dx_t and
  // dLoss/d(initial state) where the pointers are non-null.
  void backward(const LstmTape& tape, const std::vector<Mat>& output_grads, const LstmState* final_state_grad,
                Vec& param_grad, std::vector<Mat>* input_grads, LstmState* initial_state_grad) const;

  // Forward and backward over a sequence in one call. truncation = 0: full BPTT. truncation = k:
  // the sequence is cut into segments of k steps; each segment starts from the state the previous
  // one left (forward values are exactly those of the full pass) but no gradient flows back across
  // a boundary. `final_state_grad` applies to the last segment. `param_grad` is accumulated into
  // (resized and zeroed first if empty). Tape memory is that of one segment.
  BpttResult bptt(const std::vector<Mat>& inputs, LstmState& state, const OutputGradFn& output_grad,
                  Vec& param_grad, Index truncation = 0, const LstmState* final_state_grad = nullptr) const;

 private:
  Index layer_input(Index l) const { return l == 0 ? config_.input_size : config_.layers[l - 1]; }
  Index cells(Index l) const { return config_.layers[l]; }
  void check_state(const LstmState& s, Index batch, const char* what) const;

  LstmConfig config_;
  Vec params_;
  LstmParamLayout offsets_;
};

// The inference-only float32 copy of an Lstm (weights converted once, at construction): the step
// of the float32 policy runtime. Same arithmetic as Lstm::step in single precision; the read-out
// is computed in float32 too and widened by the caller.
//
// With `bf16x3` the gate products run as three bfloat16 products on the matrix units
// (nn/bf16x3_product.hpp; throws l2o::Error where that is not available), in fixed blocks of 128
// columns whatever the workspace's block_columns; state, activations and read-out stay float32.
class LstmF32 {
 public:
  LstmF32() = default;
  explicit LstmF32(const Lstm& net, bool bf16x3 = false);

  const LstmConfig& config() const { return config_; }
  bool bf16x3() const { return !products_.empty(); }
  LstmStateF32 zero_state(Index batch) const;
  void step(const Eigen::Ref<const MatF>& x, LstmStateF32& state, MatF& y, LstmWorkspaceF32& ws) const;

 private:
  LstmConfig config_;
  VecF params_;
  LstmParamLayout offsets_;
  std::vector<std::shared_ptr<const Bf16x3GateProduct>> products_;  // per layer; empty: float32 products
};
}  // namespace l2o
