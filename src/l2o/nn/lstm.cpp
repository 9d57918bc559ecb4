#include "l2o/nn/lstm.hpp"
#include "l2o/core/json_integer.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "l2o/core/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace l2o {
namespace {

// Vectorised activations. Eigen vectorises exp for doubles but not tanh, so both are written
// through exp; overflow of exp saturates correctly (1/(1+inf) = 0).
// The scalar type is the expression's (double for training, float for the float32 runtime).
template <class Derived>
auto sigmoid(const Eigen::ArrayBase<Derived>& x) {
  using T = typename Derived::Scalar;
  return (T(1) + (-x).exp()).inverse();
}
template <class Derived>
auto tanh_via_exp(const Eigen::ArrayBase<Derived>& x) {
  using T = typename Derived::Scalar;
  return T(2) * (T(1) + (T(-2) * x).exp()).inverse() - T(1);
}

// Turns pre-activations `a` (4H x n, bias not yet added unless `b` is null) into gate activations in place and
// advances c and h. If `tanh_c` is non-null it receives tanh(c) (for the tape).
template <class T>
void cell_forward(Index H, const T* b, Eigen::Ref<MatT<T>> a, Eigen::Ref<MatT<T>> c, Eigen::Ref<MatT<T>> h,
                  MatT<T>* tanh_c) {
  if (b) a.colwise() += Eigen::Map<const VecT<T>>(b, 4 * H);
  a.topRows(2 * H).array() = sigmoid(a.topRows(2 * H).array());
  a.middleRows(2 * H, H).array() = tanh_via_exp(a.middleRows(2 * H, H).array());
  a.bottomRows(H).array() = sigmoid(a.bottomRows(H).array());
  c.array() = a.middleRows(H, H).array() * c.array() + a.topRows(H).array() * a.middleRows(2 * H, H).array();
  if (tanh_c) {
    *tanh_c = tanh_via_exp(c.array()).matrix();
    h.array() = a.bottomRows(H).array() * tanh_c->array();
  } else {
    h.array() = a.bottomRows(H).array() * tanh_via_exp(c.array());
  }
}

// The cell of the bf16x3 runtime: the update of cell_forward<float> in one pass over each column,
// with exp from Cephes' polynomial (~1e-7 relative) and, on AVX-512, 1/x from rcp14 and one Newton
// step. Its products already differ from float32's by ~1e-5, so these errors are immaterial
// there; the float32 runtime keeps Eigen's exp and division, so its results are unchanged.
#ifdef __AVX512F__
inline __m512 exp16(__m512 x) {
  // Clamped to [-87, 88] (min/max with the constant first, so that a NaN passes through).
  x = _mm512_min_ps(_mm512_set1_ps(88.0f), _mm512_max_ps(_mm512_set1_ps(-87.0f), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}
// 1 / (1 + e), e >= 0.
inline __m512 inv_one_plus(__m512 e) {
  const __m512 d = _mm512_add_ps(_mm512_set1_ps(1.0f), e);
  const __m512 r = _mm512_rcp14_ps(d);
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}
inline __m512 sigmoid16(__m512 x) { return inv_one_plus(exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))); }
inline __m512 tanh16(__m512 x) {  // 2 sigmoid(2x) - 1
  return _mm512_fmsub_ps(_mm512_set1_ps(2.0f), sigmoid16(_mm512_add_ps(x, x)), _mm512_set1_ps(1.0f));
}
#endif

inline float exp_approx(float x) {
  x = x > 88.0f ? 88.0f : x;  // written so that a NaN passes through
  x = x < -87.0f ? -87.0f : x;
  const float n = std::nearbyint(x * 1.44269504088896341f);
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return std::ldexp(p * r * r + r + 1.0f, static_cast<int>(n));
}
inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }
inline float tanh_approx(float x) { return 2.0f * sigmoid_approx(2.0f * x) - 1.0f; }

void cell_forward_fast(Index H, Eigen::Ref<MatF> a, Eigen::Ref<MatF> c, Eigen::Ref<MatF> h) {
  for (Index j = 0; j < a.cols(); ++j) {
    const float* ai = a.col(j).data();
    const float *af = ai + H, *ag = ai + 2 * H, *ao = ai + 3 * H;
    float* cj = c.col(j).data();
    float* hj = h.col(j).data();
    Index k = 0;
#ifdef __AVX512F__
    for (; k + 16 <= H; k += 16) {
      const __m512 cn = _mm512_fmadd_ps(sigmoid16(_mm512_loadu_ps(af + k)), _mm512_loadu_ps(cj + k),
                                        _mm512_mul_ps(sigmoid16(_mm512_loadu_ps(ai + k)), tanh16(_mm512_loadu_ps(ag + k))));
      _mm512_storeu_ps(cj + k, cn);
      _mm512_storeu_ps(hj + k, _mm512_mul_ps(sigmoid16(_mm512_loadu_ps(ao + k)), tanh16(cn)));
    }
#endif
    for (; k < H; ++k) {
      const float cn = sigmoid_approx(af[k]) * cj[k] + sigmoid_approx(ai[k]) * tanh_approx(ag[k]);
      cj[k] = cn;
      hj[k] = sigmoid_approx(ao[k]) * tanh_approx(cn);
    }
  }
}

std::string shape_string(const std::vector<Index>& s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

Index layer_input(const LstmConfig& c, Index l) { return l == 0 ? c.input_size : c.layers[l - 1]; }

template <class T>
BasicLstmState<T> zero_state_of(const LstmConfig& config, Index batch) {
  BasicLstmState<T> s;
  for (Index H : config.layers) {
    s.h.push_back(MatT<T>::Zero(H, batch));
    s.c.push_back(MatT<T>::Zero(H, batch));
  }
  return s;
}

template <class T>
void check_state_of(const LstmConfig& config, const BasicLstmState<T>& s, Index batch, const char* what) {
  const Index L = static_cast<Index>(config.layers.size());
  bool ok = static_cast<Index>(s.h.size()) == L && s.c.size() == s.h.size();
  for (Index l = 0; ok && l < L; ++l)
    ok = s.h[l].rows() == config.layers[l] && s.c[l].rows() == config.layers[l] && s.h[l].cols() == batch &&
         s.c[l].cols() == batch;
  if (!ok) throw Error(fmt::format("LSTM: {} does not match the network or the batch of {}", what, batch));
}

using Products = std::vector<std::shared_ptr<const Bf16x3GateProduct>>;

// One step of the columns [c0, c0 + n) of a batch, with the parameters of `params` laid out as
// `off` says: the inner loop of Lstm::step and LstmF32::step. With `products` (float32 only) the
// gate products are theirs (bias included) instead of Eigen's.
template <class T>
void step_block(const LstmConfig& config, const LstmParamLayout& off, const T* params, const Products& products,
                const Eigen::Ref<const MatT<T>>& x, BasicLstmState<T>& state, MatT<T>& y, Index c0, Index n,
                typename BasicLstmWorkspace<T>::Buffers& buf) {
  const Index L = static_cast<Index>(config.layers.size());
  for (Index l = 0; l < L; ++l) {
    const Index H = config.layers[l], in = layer_input(config, l);
    auto c = state.c[l].middleCols(c0, n);
    auto h = state.h[l].middleCols(c0, n);
    if constexpr (std::is_same_v<T, float>) {
      if (!products.empty()) {
        const Bf16x3GateProduct& product = *products[static_cast<std::size_t>(l)];
        auto& scratch = buf.bf16x3[static_cast<std::size_t>(l)];
        if (!scratch) scratch = product.make_scratch();
        if (l == 0)
          product.apply(x.middleCols(c0, n), h, buf.a[l], *scratch);
        else
          product.apply(state.h[l - 1].middleCols(c0, n), h, buf.a[l], *scratch);
        cell_forward_fast(H, buf.a[l].leftCols(n), c, h);
        continue;
      }
    }
    if (buf.z[l].rows() != in + H || buf.z[l].cols() < n) buf.z[l].resize(in + H, n);
    if (buf.a[l].rows() != 4 * H || buf.a[l].cols() < n) buf.a[l].resize(4 * H, n);
    auto z = buf.z[l].leftCols(n);
    if (l == 0)
      z.topRows(in) = x.middleCols(c0, n);
    else
      z.topRows(in) = state.h[l - 1].middleCols(c0, n);
    z.bottomRows(H) = h;
    auto a = buf.a[l].leftCols(n);
    const Eigen::Map<const MatT<T>> W(params + off.w_offset[l], 4 * H, in + H);
    a.noalias() = W * z;
    cell_forward<T>(H, params + off.b_offset[l], a, c, h, nullptr);
  }
  const Eigen::Map<const MatT<T>> Wout(params + off.out_w_offset, config.output_size, config.layers.back());
  const Eigen::Map<const VecT<T>> bout(params + off.out_b_offset, config.output_size);
  auto yb = y.middleCols(c0, n);
  yb.noalias() = Wout * state.h[L - 1].middleCols(c0, n);
  yb.colwise() += bout;
}

// The step of a whole batch: fixed column blocks (the products' own block with `products`), on
// ws.threads OpenMP threads.
template <class T>
void step_batch(const LstmConfig& config, const LstmParamLayout& off, const T* params, const Products& products,
                const Eigen::Ref<const MatT<T>>& x, BasicLstmState<T>& state, MatT<T>& y,
                BasicLstmWorkspace<T>& ws) {
  const Index B = x.cols();
  if (x.rows() != config.input_size)
    throw Error(fmt::format("LSTM: input has {} rows, expected {}", x.rows(), config.input_size));
  check_state_of(config, state, B, "state");
  y.resize(config.output_size, B);
  if (B == 0) return;
  const Index columns = products.empty() ? ws.block_columns : products.front()->block();
  const Index block = columns > 0 ? std::min(columns, B) : B;
  const Index blocks = (B + block - 1) / block;
  const int threads = static_cast<int>(std::clamp<Index>(ws.threads, 1, blocks));
  if (static_cast<int>(ws.per_thread.size()) < threads) ws.per_thread.resize(threads);
  for (auto& buf : ws.per_thread) {
    buf.z.resize(config.layers.size());
    buf.a.resize(config.layers.size());
    buf.bf16x3.resize(config.layers.size());
  }
  if (threads == 1) {
    for (Index k = 0; k < blocks; ++k)
      step_block(config, off, params, products, x, state, y, k * block, std::min(block, B - k * block), ws.per_thread[0]);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index k = 0; k < blocks; ++k) {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num();
#endif
    step_block(config, off, params, products, x, state, y, k * block, std::min(block, B - k * block), ws.per_thread[me]);
  }
}
}  // namespace

LstmParamLayout::LstmParamLayout(const LstmConfig& config) {
  Index n = 0;
  for (std::size_t l = 0; l < config.layers.size(); ++l) {
    const Index H = config.layers[l];
    w_offset.push_back(n);
    n += 4 * H * (layer_input(config, static_cast<Index>(l)) + H);
    b_offset.push_back(n);
    n += 4 * H;
  }
  out_w_offset = n;
  n += config.output_size * (config.layers.empty() ? 0 : config.layers.back());
  out_b_offset = n;
  n += config.output_size;
  size = n;
}

// ---------------------------------------------------------------- configuration

void LstmConfig::validate(const std::string& where) const {
  if (input_size <= 0) throw Error(fmt::format("{}: LSTM input size must be positive, got {}", where, input_size));
  if (output_size <= 0) throw Error(fmt::format("{}: LSTM output size must be positive, got {}", where, output_size));
  if (layers.empty()) throw Error(fmt::format("{}: LSTM needs at least one layer", where));
  for (Index h : layers)
    if (h <= 0) throw Error(fmt::format("{}: LSTM layer sizes must be positive, got {}", where, h));
  if (!std::isfinite(forget_bias)) throw Error(fmt::format("{}: LSTM forget bias must be finite", where));
  if (!(init_range >= 0.0) || !std::isfinite(init_range))
    throw Error(fmt::format("{}: LSTM init range must be finite and >= 0", where));
}

nlohmann::json LstmConfig::to_json() const {
  return {{"cell", "lstm"},
          {"gate_order", "ifgo"},
          {"input_size", input_size},
          {"layers", layers},
          {"output_size", output_size},
          {"forget_bias", forget_bias},
          {"init_range", init_range}};
}

LstmConfig LstmConfig::from_json(const nlohmann::json& j, const std::string& where) {
  LstmConfig c;
  try {
    if (!j.is_object()) throw Error("architecture is not a JSON object");
    if (j.contains("cell") && j.at("cell") != "lstm")
      throw Error(fmt::format("unsupported cell type {}", j.at("cell").dump()));
    if (j.contains("gate_order") && j.at("gate_order") != "ifgo")
      throw Error(fmt::format("unsupported gate order {}", j.at("gate_order").dump()));
    c.input_size = json_integer<Index>(j.at("input_size"), "input_size");
    c.layers = json_integers<Index>(j.at("layers"), "layers");
    c.output_size = json_integer<Index>(j.at("output_size"), "output_size");
    c.forget_bias = j.value("forget_bias", c.forget_bias);
    c.init_range = j.value("init_range", c.init_range);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: bad LSTM architecture: {}", where, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: bad LSTM architecture: {}", where, e.what()));
  }
  c.validate(where);
  return c;
}

// ---------------------------------------------------------------- state

template <class T>
BasicLstmState<T> BasicLstmState<T>::gather(const std::vector<Index>& columns) const {
  BasicLstmState s;
  for (const auto& m : h) s.h.push_back(m(Eigen::all, columns));
  for (const auto& m : c) s.c.push_back(m(Eigen::all, columns));
  return s;
}

template <class T>
void BasicLstmState<T>::scatter(const std::vector<Index>& columns, const BasicLstmState& from) {
  if (from.h.size() != h.size() || from.batch() != static_cast<Index>(columns.size()))
    throw Error("LstmState::scatter: state shape does not match the column list");
  for (std::size_t l = 0; l < h.size(); ++l) {
    h[l](Eigen::all, columns) = from.h[l];
    c[l](Eigen::all, columns) = from.c[l];
  }
}

template <class T>
BasicLstmState<T> BasicLstmState<T>::slice(Index first, Index count) const {
  BasicLstmState s;
  for (const auto& m : h) s.h.push_back(m.middleCols(first, count));
  for (const auto& m : c) s.c.push_back(m.middleCols(first, count));
  return s;
}

template struct BasicLstmState<double>;
template struct BasicLstmState<float>;

// ---------------------------------------------------------------- parameters

Lstm::Lstm(LstmConfig config) : config_(std::move(config)) {
  config_.validate("LSTM");
  offsets_ = LstmParamLayout(config_);
  params_ = Vec::Zero(offsets_.size);
}

void Lstm::set_params(const Vec& p) {
  if (p.size() != params_.size())
    throw Error(fmt::format("LSTM: expected {} parameters, got {}", params_.size(), p.size()));
  params_ = p;
}

void Lstm::init_params(Rng& rng) {
  auto fill = [&rng](Eigen::Map<Mat> m, double r) {
    for (Index k = 0; k < m.size(); ++k) m.data()[k] = r * (2.0 * rng.uniform() - 1.0);
  };
  for (Index l = 0; l < num_layers(); ++l) {
    const Index H = cells(l);
    const double r = config_.init_range > 0 ? config_.init_range : 1.0 / std::sqrt(static_cast<double>(H));
    fill(weights(l), r);
    bias(l).setZero();
    bias(l).segment(H, H).setConstant(config_.forget_bias);
  }
  const double r = config_.init_range > 0 ? config_.init_range
                                          : 1.0 / std::sqrt(static_cast<double>(config_.layers.back()));
  fill(readout_weights(), r);
  readout_bias().setZero();
}

Eigen::Map<const Mat> Lstm::weights(Index l) const {
  return {params_.data() + offsets_.w_offset[l], 4 * cells(l), layer_input(l) + cells(l)};
}
Eigen::Map<Mat> Lstm::weights(Index l) {
  return {params_.data() + offsets_.w_offset[l], 4 * cells(l), layer_input(l) + cells(l)};
}
Eigen::Map<const Vec> Lstm::bias(Index l) const { return {params_.data() + offsets_.b_offset[l], 4 * cells(l)}; }
Eigen::Map<Vec> Lstm::bias(Index l) { return {params_.data() + offsets_.b_offset[l], 4 * cells(l)}; }
Eigen::Map<const Mat> Lstm::readout_weights() const {
  return {params_.data() + offsets_.out_w_offset, config_.output_size, config_.layers.back()};
}
Eigen::Map<Mat> Lstm::readout_weights() {
  return {params_.data() + offsets_.out_w_offset, config_.output_size, config_.layers.back()};
}
Eigen::Map<const Vec> Lstm::readout_bias() const { return {params_.data() + offsets_.out_b_offset, config_.output_size}; }
Eigen::Map<Vec> Lstm::readout_bias() { return {params_.data() + offsets_.out_b_offset, config_.output_size}; }

std::vector<Tensor> Lstm::to_tensors(const std::string& prefix) const {
  std::vector<Tensor> out;
  for (Index l = 0; l < num_layers(); ++l) {
    const auto W = weights(l);
    out.push_back({fmt::format("{}lstm{}.W", prefix, l + 1), {W.rows(), W.cols()}, Eigen::Map<const Vec>(W.data(), W.size())});
    out.push_back({fmt::format("{}lstm{}.b", prefix, l + 1), {bias(l).size()}, bias(l)});
  }
  const auto R = readout_weights();
  out.push_back({prefix + "readout.W", {R.rows(), R.cols()}, Eigen::Map<const Vec>(R.data(), R.size())});
  out.push_back({prefix + "readout.b", {readout_bias().size()}, readout_bias()});
  return out;
}

void Lstm::from_tensors(const std::vector<Tensor>& tensors, const std::string& prefix, const std::string& where) {
  // The expected names and shapes are exactly what to_tensors writes for this configuration.
  for (const Tensor& want : to_tensors(prefix)) {
    const Tensor* got = find_tensor(tensors, want.name);
    if (!got) throw Error(fmt::format("{}: missing tensor '{}'", where, want.name));
    if (got->shape != want.shape)
      throw Error(fmt::format("{}: tensor '{}' has shape {}, the architecture needs {}", where, want.name,
                              shape_string(got->shape), shape_string(want.shape)));
    if (got->data.size() != want.data.size())
      throw Error(fmt::format("{}: tensor '{}' has {} values for shape {}", where, want.name, got->data.size(),
                              shape_string(want.shape)));
  }
  for (Index l = 0; l < num_layers(); ++l) {
    auto W = weights(l);
    W = Eigen::Map<const Mat>(find_tensor(tensors, fmt::format("{}lstm{}.W", prefix, l + 1))->data.data(), W.rows(),
                              W.cols());
    bias(l) = find_tensor(tensors, fmt::format("{}lstm{}.b", prefix, l + 1))->data;
  }
  auto R = readout_weights();
  R = Eigen::Map<const Mat>(find_tensor(tensors, prefix + "readout.W")->data.data(), R.rows(), R.cols());
  readout_bias() = find_tensor(tensors, prefix + "readout.b")->data;
}

// ---------------------------------------------------------------- forward

LstmState Lstm::zero_state(Index batch) const { return zero_state_of<double>(config_, batch); }

void Lstm::check_state(const LstmState& s, Index batch, const char* what) const {
  check_state_of(config_, s, batch, what);
}

void Lstm::step(const Eigen::Ref<const Mat>& x, LstmState& state, Mat& y, LstmWorkspace& ws) const {
  step_batch<double>(config_, offsets_, params_.data(), {}, x, state, y, ws);
}

void Lstm::step(const Eigen::Ref<const Mat>& x, LstmState& state, Mat& y) const {
  LstmWorkspace ws;
  step(x, state, y, ws);
}

void Lstm::forward(const std::vector<Mat>& inputs, LstmState& state, std::vector<Mat>* outputs,
                   LstmTape* tape) const {
  if (!tape) {
    LstmWorkspace ws;
    if (outputs) outputs->resize(inputs.size());
    Mat y;
    for (std::size_t t = 0; t < inputs.size(); ++t) step(inputs[t], state, outputs ? (*outputs)[t] : y, ws);
    return;
  }
  const Index B = inputs.empty() ? state.batch() : inputs.front().cols();
  check_state(state, B, "initial state");
  tape->initial = state;
  tape->steps.assign(inputs.size(), std::vector<LstmTape::LayerStep>(num_layers()));
  if (outputs) outputs->resize(inputs.size());
  const Index L = num_layers();
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    const Mat& x = inputs[t];
    if (x.rows() != config_.input_size || x.cols() != B)
      throw Error(fmt::format("LSTM: input {} is {}x{}, expected {}x{}", t, x.rows(), x.cols(), config_.input_size, B));
    for (Index l = 0; l < L; ++l) {
      const Index H = cells(l), in = layer_input(l);
      LstmTape::LayerStep& rec = tape->steps[t][l];
      rec.z.resize(in + H, B);
      rec.z.topRows(in) = l == 0 ? x : state.h[l - 1];
      rec.z.bottomRows(H) = state.h[l];
      rec.act.noalias() = weights(l) * rec.z;
      cell_forward<double>(H, bias(l).data(), rec.act, state.c[l], state.h[l], &rec.tanh_c);
      rec.c = state.c[l];
    }
    if (outputs) {
      Mat& y = (*outputs)[t];
      y.noalias() = readout_weights() * state.h[L - 1];
      y.colwise() += readout_bias();
    }
  }
}

// ---------------------------------------------------------------- backward

void Lstm::backward(const LstmTape& tape, const std::vector<Mat>& output_grads, const LstmState* final_state_grad,
                    Vec& param_grad, std::vector<Mat>* input_grads, LstmState* initial_state_grad) const {
  const Index T = tape.length();
  const Index L = num_layers();
  const Index B = tape.initial.batch();
  if (static_cast<Index>(output_grads.size()) != T)
    throw Error(fmt::format("LSTM backward: {} output gradients for {} steps", output_grads.size(), T));
  if (param_grad.size() != num_params())
    throw Error(fmt::format("LSTM backward: gradient has {} entries, expected {}", param_grad.size(), num_params()));

  // Gradient flowing back into each layer's h and c from the following time step.
  LstmState carry = final_state_grad ? *final_state_grad : zero_state(B);
  if (final_state_grad) check_state(carry, B, "final state gradient");
  if (input_grads) input_grads->resize(T);

  Eigen::Map<Mat> dWout(param_grad.data() + offsets_.out_w_offset, config_.output_size, config_.layers.back());
  Eigen::Map<Vec> dbout(param_grad.data() + offsets_.out_b_offset, config_.output_size);
  Mat dh, dc, da, dz, h_top;
  for (Index t = T - 1; t >= 0; --t) {
    const Mat& dy = output_grads[t];
    if (dy.rows() != config_.output_size || dy.cols() != B)
      throw Error(fmt::format("LSTM backward: output gradient {} is {}x{}, expected {}x{}", t, dy.rows(), dy.cols(),
                              config_.output_size, B));
    {  // Read-out: y = W_out h_top + b_out.
      const LstmTape::LayerStep& top = tape.steps[t][L - 1];
      const Index H = cells(L - 1);
      h_top = (top.act.bottomRows(H).array() * top.tanh_c.array()).matrix();
      dWout.noalias() += dy * h_top.transpose();
      dbout += dy.rowwise().sum();
      dh.noalias() = readout_weights().transpose() * dy;
    }
    for (Index l = L - 1; l >= 0; --l) {
      const Index H = cells(l), in = layer_input(l);
      const LstmTape::LayerStep& rec = tape.steps[t][l];
      const Mat& c_prev = t > 0 ? tape.steps[t - 1][l].c : tape.initial.c[l];
      dh += carry.h[l];
      const auto i = rec.act.topRows(H).array();
      const auto f = rec.act.middleRows(H, H).array();
      const auto g = rec.act.middleRows(2 * H, H).array();
      const auto o = rec.act.bottomRows(H).array();
      const auto tc = rec.tanh_c.array();
      dc = (carry.c[l].array() + dh.array() * o * (1.0 - tc.square())).matrix();
      da.resize(4 * H, B);
      da.topRows(H) = (dc.array() * g * i * (1.0 - i)).matrix();
      da.middleRows(H, H) = (dc.array() * c_prev.array() * f * (1.0 - f)).matrix();
      da.middleRows(2 * H, H) = (dc.array() * i * (1.0 - g.square())).matrix();
      da.bottomRows(H) = (dh.array() * tc * o * (1.0 - o)).matrix();
      carry.c[l] = (dc.array() * f).matrix();

      Eigen::Map<Mat> dW(param_grad.data() + offsets_.w_offset[l], 4 * H, in + H);
      Eigen::Map<Vec> db(param_grad.data() + offsets_.b_offset[l], 4 * H);
      dW.noalias() += da * rec.z.transpose();
      db += da.rowwise().sum();
      dz.noalias() = weights(l).transpose() * da;
      carry.h[l] = dz.bottomRows(H);
      if (l > 0)
        dh = dz.topRows(in);  // flows into the layer below, at the same time step
      else if (input_grads)
        (*input_grads)[t] = dz.topRows(in);
    }
  }
  if (initial_state_grad) *initial_state_grad = std::move(carry);
}

BpttResult Lstm::bptt(const std::vector<Mat>& inputs, LstmState& state, const OutputGradFn& output_grad,
                      Vec& param_grad, Index truncation, const LstmState* final_state_grad) const {
  if (param_grad.size() == 0) param_grad = Vec::Zero(num_params());
  if (truncation < 0) throw Error("LSTM BPTT: truncation must be >= 0");
  const Index T = static_cast<Index>(inputs.size());
  const Index seg = truncation == 0 ? std::max<Index>(T, 1) : truncation;
  BpttResult result;
  result.outputs.resize(T);
  result.input_grads.resize(T);
  LstmTape tape;
  std::vector<Mat> seg_inputs, seg_outputs, seg_grads, seg_input_grads;
  for (Index s0 = 0; s0 < T; s0 += seg) {
    const Index n = std::min(seg, T - s0);
    seg_inputs.assign(inputs.begin() + s0, inputs.begin() + s0 + n);
    forward(seg_inputs, state, &seg_outputs, &tape);
    seg_grads.resize(n);
    for (Index k = 0; k < n; ++k) {
      output_grad(s0 + k, seg_outputs[k], seg_grads[k]);
      if (seg_grads[k].rows() != seg_outputs[k].rows() || seg_grads[k].cols() != seg_outputs[k].cols())
        throw Error(fmt::format("LSTM BPTT: output gradient for step {} has the wrong shape", s0 + k));
    }
    const bool last = s0 + n == T;
    LstmState d_init;
    backward(tape, seg_grads, last ? final_state_grad : nullptr, param_grad, &seg_input_grads,
             s0 == 0 ? &d_init : nullptr);
    if (s0 == 0) result.initial_state_grad = std::move(d_init);
    for (Index k = 0; k < n; ++k) {
      result.outputs[s0 + k] = std::move(seg_outputs[k]);
      result.input_grads[s0 + k] = std::move(seg_input_grads[k]);
    }
  }
  return result;
}
// ---------------------------------------------------------------- float32 runtime

LstmF32::LstmF32(const Lstm& net, bool bf16x3)
    : config_(net.config()), params_(net.params().cast<float>()), offsets_(net.config()) {
  if (!bf16x3) return;
  constexpr Index kBlock = 128;  // the float32 runtime's column block (docs/psd.md, "Performance")
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    const Index H = config_.layers[l], in = layer_input(config_, static_cast<Index>(l));
    const Eigen::Map<const MatF> W(params_.data() + offsets_.w_offset[l], 4 * H, in + H);
    const Eigen::Map<const VecF> b(params_.data() + offsets_.b_offset[l], 4 * H);
    products_.push_back(std::make_shared<const Bf16x3GateProduct>(W, b, in, kBlock));
  }
}

LstmStateF32 LstmF32::zero_state(Index batch) const { return zero_state_of<float>(config_, batch); }

void LstmF32::step(const Eigen::Ref<const MatF>& x, LstmStateF32& state, MatF& y, LstmWorkspaceF32& ws) const {
  step_batch<float>(config_, offsets_, params_.data(), products_, x, state, y, ws);
}
}  // namespace l2o
