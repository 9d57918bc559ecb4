#include "l2o/data/projection.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"

namespace l2o {

Mat gaussian_projection(int width, Index input_dim, std::uint64_t seed) {
  if (width < 1) throw Error(fmt::format("projection width must be positive, got {}", width));
  if (input_dim < 1) throw Error(fmt::format("projection input dimension must be positive, got {}", input_dim));
  Rng rng(seed, "projection");
  const double sd = 1.0 / std::sqrt(static_cast<double>(width));
  Mat r(width, input_dim);
  double* p = r.data();  // column-major: the order documented above
  for (Index i = 0; i < r.size(); ++i) p[i] = sd * rng.normal();
  return r;
}

Mat project_pixels(const ImageSet& images, const Mat& projection, Index block) {
  const Index dim = images.dim();
  if (projection.cols() != dim)
    throw Error(fmt::format("projection has {} inputs but images have {} values each", projection.cols(), dim));
  if (static_cast<Index>(images.pixels.size()) != images.count * dim)
    throw Error(fmt::format("image split holds {} bytes, expected {} x {}", images.pixels.size(), images.count, dim));
  block = std::max<Index>(block, 1);
  // Folding 1/255 into R saves a pass over the pixels.
  const Mat scaled = projection / 255.0;
  Mat out(projection.rows(), images.count);
  using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;
  const Index nblocks = (images.count + block - 1) / block;
  // Threads take whole blocks; inside a parallel region Eigen runs each product on one thread.
  // One barrier at the end instead of one per product keeps this fast on a busy machine too.
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (Index k = 0; k < nblocks; ++k) {
    const Index start = k * block;
    const Index b = std::min(block, images.count - start);
    Eigen::Map<const ByteMatrix> raw(images.pixels.data() + start * dim, dim, b);
    const Mat xb = raw.cast<double>();
    out.middleCols(start, b).noalias() = scaled * xb;
  }
  return out;
}

Standardization fit_standardization(const Mat& x) {
  if (x.cols() == 0) throw Error("cannot standardise: the training split is empty");
  Standardization s;
  s.mean = x.rowwise().mean();
  const Vec var = (x.colwise() - s.mean).rowwise().squaredNorm() / static_cast<double>(x.cols());
  s.stddev = var.cwiseSqrt();
  for (Index i = 0; i < s.stddev.size(); ++i)
    if (!(s.stddev[i] > 1e-12 * (1.0 + std::abs(s.mean[i])))) s.stddev[i] = 1.0;
  return s;
}

void standardize(Mat& x, const Standardization& s) {
  x.colwise() -= s.mean;
  x.array().colwise() /= s.stddev.array();
}

ProjectedDataset project_dataset(const Dataset& data, int width, std::uint64_t projection_seed) {
  const Mat r = gaussian_projection(width, data.train.dim(), projection_seed);
  ProjectedDataset p;
  p.name = data.name;
  p.display_name = data.display_name;
  p.num_classes = data.num_classes;
  p.width = width;
  p.projection_seed = projection_seed;
  p.train.x = project_pixels(data.train, r);
  p.train.labels = data.train.labels;
  p.test.x = data.test.count > 0 ? project_pixels(data.test, r) : Mat(width, 0);
  p.test.labels = data.test.labels;
  const Standardization s = fit_standardization(p.train.x);
  standardize(p.train.x, s);
  standardize(p.test.x, s);
  return p;
}

ProjectedDataset raw_pixel_dataset(const Dataset& data) {
  auto split = [](const ImageSet& images) {
    ProjectedSplit s;
    s.x.resize(images.dim(), images.count);
    for (Index i = 0; i < images.count; ++i)
      for (Index k = 0; k < images.dim(); ++k)
        s.x(k, i) = images.pixels[static_cast<std::size_t>(i * images.dim() + k)] / 255.0;
    s.labels = images.labels;
    return s;
  };
  ProjectedDataset p;
  p.name = data.name;
  p.display_name = data.display_name;
  p.num_classes = data.num_classes;
  p.width = static_cast<int>(data.train.dim());
  p.train = split(data.train);
  p.test = split(data.test);
  return p;
}

}  // namespace l2o
