#pragma once
// The paper's preprocessing (LM17 §4): flattened pixels scaled to [0, 1], a seeded Gaussian random
// projection to `width` dimensions, then per-dimension standardisation with training statistics.
#include <cstdint>

#include "l2o/core/types.hpp"
#include "l2o/data/dataset.hpp"

namespace l2o {

// R, width x input_dim, with independent N(0, 1/width) entries (the Johnson-Lindenstrauss scaling,
// so E|R v|^2 = |v|^2). Drawn from Rng(seed, "projection") in column-major order: the `width`
// entries for input 0, then those for input 1, ...
Mat gaussian_projection(int width, Index input_dim, std::uint64_t seed);

// R * (pixels / 255) for every example of `images`: width x count, one example per column.
// Examples are converted and multiplied `block` at a time (blocks spread over the OpenMP
// threads), so the extra memory is one small block of doubles per thread however large the split,
// and each block is one cache-friendly matrix-matrix product.
Mat project_pixels(const ImageSet& images, const Mat& projection, Index block = 256);

struct Standardization {
  Vec mean;    // per dimension
  Vec stddev;  // per dimension, population (1/n) form; a constant dimension gets 1
};

// Statistics of the rows of x (dimensions) over its columns (examples).
Standardization fit_standardization(const Mat& x);
// x <- (x - mean) / stddev, row by row.
void standardize(Mat& x, const Standardization& s);

// Projection + standardisation of both splits with the training split's statistics; no cache.
ProjectedDataset project_dataset(const Dataset& data, int width, std::uint64_t projection_seed);

// The flattened pixels scaled to [0, 1], neither projected nor standardised: the inputs a user's
// own MLP usually sees (width = the image's dimension, 784 for MNIST). Beyond the paper: learned
// optimizers meta-trained only on standardised inputs meet raw ones on users' models.
ProjectedDataset raw_pixel_dataset(const Dataset& data);

}  // namespace l2o
