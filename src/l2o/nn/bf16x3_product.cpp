#include "l2o/nn/bf16x3_product.hpp"

#include <cstring>
#include <mutex>

#include <fmt/core.h>

#include "l2o/core/error.hpp"

#ifdef L2O_HAVE_ONEDNN
#include <dnnl.hpp>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace l2o {

#ifdef L2O_HAVE_ONEDNN
namespace {

using dnnl::memory;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN sizes its work for omp_get_max_threads() threads when a primitive is created and forks
// that many when one runs outside a parallel region. l2o parallelises over column blocks (and
// runs, trajectories) itself, and a block's arithmetic must not depend on the thread count, so
// every primitive is created and run single-threaded.
class OneThread {
 public:
  OneThread() {
#ifdef _OPENMP
    saved_ = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
  }
  ~OneThread() {
#ifdef _OPENMP
    omp_set_num_threads(saved_);
#endif
  }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int saved_ = 1;
};

Index round_up(Index v, Index m) { return (v + m - 1) / m * m; }

// The matmul of one block: src block x depth (bf16, row per column of the block), weights
// depth x rows (bf16, oneDNN's preferred layout), dst block x rows (f32; the column-major
// rows x block matrix of the caller).
dnnl::matmul::primitive_desc matmul_desc(Index block, Index depth, Index rows) {
  const memory::desc src({block, depth}, memory::data_type::bf16, memory::format_tag::ab);
  const memory::desc wts({depth, rows}, memory::data_type::bf16, memory::format_tag::any);
  const memory::desc dst({block, rows}, memory::data_type::f32, memory::format_tag::ab);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wts, dst), attr, cpu_engine());
}

bool is_reference(const dnnl::matmul::primitive_desc& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}
}  // namespace

struct Bf16x3Scratch {
  // block x depth, row-major, 64-byte aligned (the matrix units load whole cache lines)
  Eigen::Matrix<std::uint16_t, Eigen::Dynamic, 1> src;
  std::vector<float> z;  // one column [u; h; 1]
  memory scratchpad;
  dnnl::stream stream;
};

struct Bf16x3GateProduct::Impl {
  Index rows = 0, in = 0, hidden = 0, block = 0;
  Index width = 0;  // in + hidden + 1: one segment of a source row, [u; h; 1]
  Index depth = 0;  // 3 * width rounded up to the AMX tile depth (32)
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
  memory weights;  // depth x rows, bf16, in pd's layout
};

bool bf16x3_available(std::string* why) {
  static const std::pair<bool, std::string> probe = [] {
    try {
      OneThread one;
      const auto pd = matmul_desc(16, 64, 64);
      if (is_reference(pd))
        return std::make_pair(false, fmt::format("oneDNN has only reference code for bfloat16 products on this "
                                                 "CPU ({}); it needs AVX512-BF16 or AMX",
                                                 pd.impl_info_str()));
      return std::make_pair(true, std::string(pd.impl_info_str()));
    } catch (const dnnl::error& e) {
      return std::make_pair(false, fmt::format("oneDNN could not create a bfloat16 product: {}", e.what()));
    }
  }();
  if (why && !probe.first) *why = probe.second;
  return probe.first;
}

Bf16x3GateProduct::Bf16x3GateProduct(const Eigen::Ref<const MatF>& W, const Eigen::Ref<const VecF>& b, Index in,
                                     Index block) {
  std::string why;
  if (!bf16x3_available(&why)) throw Error("bf16x3 precision is not available: " + why);
  if (b.size() != W.rows() || in < 0 || in >= W.cols() || block <= 0)
    throw Error(fmt::format("bf16x3 product: weights {}x{}, bias {}, input {}, block {} do not fit", W.rows(),
                            W.cols(), b.size(), in, block));
  auto impl = std::make_shared<Impl>();
  impl->rows = W.rows();
  impl->in = in;
  impl->hidden = W.cols() - in;
  impl->block = block;
  impl->width = W.cols() + 1;
  impl->depth = round_up(3 * impl->width, 32);
  // The stacked weights, plain depth x rows: [W_hi^T; W_hi^T; W_lo^T] (with b as the weight of
  // the constant input at the end of each segment), zero rows up to `depth`.
  const Index R = impl->rows, Wd = impl->width;
  std::vector<std::uint16_t> plain(static_cast<std::size_t>(impl->depth * R), 0);
  for (Index k = 0; k < Wd; ++k)
    for (Index r = 0; r < R; ++r) {
      const float v = k < W.cols() ? W(r, k) : b(r);
      const std::uint16_t hi = to_bf16(v), lo = to_bf16(v - from_bf16(hi));
      plain[static_cast<std::size_t>(k * R + r)] = hi;
      plain[static_cast<std::size_t>((Wd + k) * R + r)] = hi;
      plain[static_cast<std::size_t>((2 * Wd + k) * R + r)] = lo;
    }
  OneThread one;
  impl->pd = matmul_desc(block, impl->depth, R);
  if (is_reference(impl->pd))
    throw Error(fmt::format("bf16x3 precision is not available: oneDNN chose reference code ({})",
                            impl->pd.impl_info_str()));
  impl->prim = dnnl::matmul(impl->pd);
  const memory::desc plain_md({impl->depth, R}, memory::data_type::bf16, memory::format_tag::ab);
  memory user(plain_md, cpu_engine(), plain.data());
  impl->weights = memory(impl->pd.weights_desc(), cpu_engine());
  dnnl::stream stream(cpu_engine());
  dnnl::reorder(user, impl->weights).execute(stream, user, impl->weights);
  stream.wait();
  impl_ = std::move(impl);
}

Index Bf16x3GateProduct::rows() const { return impl_->rows; }
Index Bf16x3GateProduct::block() const { return impl_->block; }

Bf16x3ScratchPtr Bf16x3GateProduct::make_scratch() const {
  auto s = std::make_shared<Bf16x3Scratch>();
  s->src = Eigen::Matrix<std::uint16_t, Eigen::Dynamic, 1>::Zero(impl_->block * impl_->depth);
  s->scratchpad = memory(impl_->pd.scratchpad_desc(), cpu_engine());
  s->stream = dnnl::stream(cpu_engine());
  return s;
}

void Bf16x3GateProduct::apply(const Eigen::Ref<const MatF>& u, const Eigen::Ref<const MatF>& h, MatF& a,
                              Bf16x3Scratch& s) const {
  const Impl& m = *impl_;
  const Index n = u.cols();
  if (n > m.block || h.cols() != n || u.rows() != m.in || h.rows() != m.hidden)
    throw Error(fmt::format("bf16x3 product: inputs {}x{} and {}x{} do not fit a block of {} ({} inputs, {} cells)",
                            u.rows(), u.cols(), h.rows(), h.cols(), m.block, m.in, m.hidden));
  if (s.src.size() != m.block * m.depth)
    throw Error("bf16x3 product: scratch made for another product");
  if (a.rows() != m.rows || a.cols() < m.block) a.resize(m.rows, m.block);
  // Source rows [z_hi, z_lo, z_hi, 0...] with z = [u; h; 1]. Rows past n keep what an earlier
  // block left there; their results land in columns of `a` the caller does not read.
  const Index Wd = m.width;
  s.z.resize(static_cast<std::size_t>(Wd));
  float* z = s.z.data();
  z[Wd - 1] = 1.0f;
  for (Index j = 0; j < n; ++j) {
    for (Index k = 0; k < m.in; ++k) z[k] = u(k, j);
    for (Index k = 0; k < m.hidden; ++k) z[m.in + k] = h(k, j);
    std::uint16_t* hi = s.src.data() + j * m.depth;
    std::uint16_t* lo = hi + Wd;
    std::uint16_t* hi2 = lo + Wd;
    for (Index k = 0; k < Wd; ++k) {  // vectorised: to_bf16 / from_bf16 are branch-free
      const std::uint16_t v = to_bf16(z[k]);
      hi[k] = v;
      hi2[k] = v;
      lo[k] = to_bf16(z[k] - from_bf16(v));
    }
  }
  OneThread one;
  memory src(m.pd.src_desc(), cpu_engine(), s.src.data());
  memory dst(m.pd.dst_desc(), cpu_engine(), a.data());
  m.prim.execute(s.stream, {{DNNL_ARG_SRC, src},
                            {DNNL_ARG_WEIGHTS, m.weights},
                            {DNNL_ARG_DST, dst},
                            {DNNL_ARG_SCRATCHPAD, s.scratchpad}});
  s.stream.wait();
}

#else  // without oneDNN: the precision is reported as unavailable.

struct Bf16x3Scratch {};
struct Bf16x3GateProduct::Impl {};

bool bf16x3_available(std::string* why) {
  if (why) *why = "this build of l2o has no oneDNN (install libdnnl-dev and rebuild)";
  return false;
}

Bf16x3GateProduct::Bf16x3GateProduct(const Eigen::Ref<const MatF>&, const Eigen::Ref<const VecF>&, Index, Index) {
  std::string why;
  bf16x3_available(&why);
  throw Error("bf16x3 precision is not available: " + why);
}
Index Bf16x3GateProduct::rows() const { return 0; }
Index Bf16x3GateProduct::block() const { return 0; }
Bf16x3ScratchPtr Bf16x3GateProduct::make_scratch() const { return nullptr; }
void Bf16x3GateProduct::apply(const Eigen::Ref<const MatF>&, const Eigen::Ref<const MatF>&, MatF&,
                              Bf16x3Scratch&) const {}
#endif
}  // namespace l2o
