#include <gtest/gtest.h>

#include <cmath>

#include "data/expect_error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/data/projection.hpp"

using namespace l2o;

namespace {
ImageSet random_images(Index n, int h, int w, int c, std::uint64_t seed) {
  Rng rng(seed);
  ImageSet s;
  s.count = n;
  s.height = h;
  s.width = w;
  s.channels = c;
  s.pixels.resize(static_cast<std::size_t>(n * s.dim()));
  for (auto& p : s.pixels) p = static_cast<std::uint8_t>(rng.below(256));
  for (Index i = 0; i < n; ++i) s.labels.push_back(static_cast<int>(i % 3));
  return s;
}

Dataset random_dataset(Index ntrain, Index ntest) {
  Dataset d;
  d.name = "synthetic";
  d.display_name = "Synthetic";
  d.num_classes = 3;
  d.train = random_images(ntrain, 6, 5, 2, 11);
  d.test = random_images(ntest, 6, 5, 2, 12);
  return d;
}
}  // namespace

TEST(Projection, EntriesAreNormalWithVarianceOneOverWidth) {
  const int width = 50;
  const Mat r = gaussian_projection(width, 4000, 3);
  ASSERT_EQ(r.rows(), width);
  ASSERT_EQ(r.cols(), 4000);
  const double n = static_cast<double>(r.size());
  const double mean = r.mean();
  const double var = (r.array() - mean).square().sum() / n;
  EXPECT_LT(std::abs(mean), 4 * std::sqrt(1.0 / width / n));
  EXPECT_NEAR(var * width, 1.0, 0.02);  // sd of the estimate is sqrt(2/n) = 0.3%
  // Fourth moment of a normal: 3 sigma^4 (catches e.g. uniform or sign entries with the right variance).
  EXPECT_NEAR((r.array() - mean).pow(4).sum() / n / (var * var), 3.0, 0.1);
}

TEST(Projection, SameSeedSameMatrixOtherSeedOther) {
  EXPECT_EQ(gaussian_projection(8, 30, 42), gaussian_projection(8, 30, 42));
  EXPECT_GT((gaussian_projection(8, 30, 42) - gaussian_projection(8, 30, 43)).norm(), 1.0);
}

TEST(Projection, InvalidWidthIsReported) {
  EXPECT_L2O_ERROR(gaussian_projection(0, 10, 1), "width must be positive");
}

TEST(Projection, BlockedProductEqualsTheDirectOne) {
  const ImageSet s = random_images(23, 4, 4, 3, 5);
  const Mat r = gaussian_projection(7, s.dim(), 9);
  Mat direct(7, s.count);
  for (Index i = 0; i < s.count; ++i)
    for (Index k = 0; k < 7; ++k) {
      double acc = 0;
      for (Index p = 0; p < s.dim(); ++p) acc += r(k, p) * (s.pixels[i * s.dim() + p] / 255.0);
      direct(k, i) = acc;
    }
  for (Index block : {1, 4, 23, 1000}) EXPECT_LT((project_pixels(s, r, block) - direct).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_L2O_ERROR(project_pixels(s, gaussian_projection(7, 5, 1)), "5 inputs", "48 values");
}

TEST(Projection, StandardisationRecoversKnownMeansAndScales) {
  Rng rng(21);
  const Vec mean = (Vec(3) << 5.0, -2.0, 0.25).finished();
  const Vec sd = (Vec(3) << 0.5, 3.0, 10.0).finished();
  Mat x(3, 20000);
  for (Index j = 0; j < x.cols(); ++j)
    for (Index i = 0; i < 3; ++i) x(i, j) = mean[i] + sd[i] * rng.normal();
  const Standardization s = fit_standardization(x);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(s.mean[i], mean[i], 4 * sd[i] / std::sqrt(20000.0));
    EXPECT_NEAR(s.stddev[i] / sd[i], 1.0, 0.03);
  }
}

TEST(Projection, ConstantDimensionsAreLeftUnscaled) {
  Mat x = Mat::Constant(2, 10, 4.0);
  x.row(1).setLinSpaced(10, 0.0, 9.0);
  const Standardization s = fit_standardization(x);
  EXPECT_EQ(s.stddev[0], 1.0);
  standardize(x, s);
  EXPECT_TRUE(x.allFinite());
  EXPECT_EQ(x.row(0).norm(), 0.0);
}

TEST(Projection, TrainSplitHasZeroMeanUnitVariancePerDimension) {
  const Dataset d = random_dataset(400, 90);
  const ProjectedDataset p = project_dataset(d, 12, 77);
  ASSERT_EQ(p.train.x.rows(), 12);
  ASSERT_EQ(p.train.count(), 400);
  ASSERT_EQ(p.test.count(), 90);
  EXPECT_EQ(p.train.labels, d.train.labels);
  EXPECT_EQ(p.width, 12);
  EXPECT_EQ(p.projection_seed, 77u);
  for (Index k = 0; k < 12; ++k) {
    const auto row = p.train.x.row(k).array();
    EXPECT_NEAR(row.mean(), 0.0, 1e-12);
    EXPECT_NEAR(row.square().mean(), 1.0, 1e-10);
  }
}

TEST(Projection, TestSplitUsesTrainingStatistics) {
  const Dataset d = random_dataset(300, 50);
  const ProjectedDataset p = project_dataset(d, 6, 4);
  const Mat r = gaussian_projection(6, d.train.dim(), 4);
  const Mat train_raw = project_pixels(d.train, r), test_raw = project_pixels(d.test, r);
  const Standardization s = fit_standardization(train_raw);
  for (Index j = 0; j < 50; ++j)
    for (Index k = 0; k < 6; ++k)
      EXPECT_NEAR(p.test.x(k, j), (test_raw(k, j) - s.mean[k]) / s.stddev[k], 1e-12);
  // And not its own statistics: the test means are not exactly zero.
  EXPECT_GT(p.test.x.rowwise().mean().cwiseAbs().maxCoeff(), 1e-6);
}

TEST(Projection, SameSeedSameProjectionOtherSeedOther) {
  const Dataset d = random_dataset(100, 10);
  const ProjectedDataset a = project_dataset(d, 8, 1), b = project_dataset(d, 8, 1), c = project_dataset(d, 8, 2);
  EXPECT_EQ(a.train.x, b.train.x);
  EXPECT_EQ(a.test.x, b.test.x);
  EXPECT_GT((a.train.x - c.train.x).norm(), 1.0);
}

TEST(Projection, EmptyTestSplitStaysEmpty) {
  Dataset d = random_dataset(50, 0);
  d.test = ImageSet{0, 6, 5, 2, {}, {}};
  const ProjectedDataset p = project_dataset(d, 4, 1);
  EXPECT_EQ(p.test.count(), 0);
  EXPECT_EQ(p.test.x.rows(), 4);
}

TEST(RawPixels, ArePixelsOver255NeitherProjectedNorStandardised) {
  const Dataset d = random_dataset(20, 7);
  const ProjectedDataset p = raw_pixel_dataset(d);
  ASSERT_EQ(p.width, d.train.dim());
  ASSERT_EQ(p.train.x.rows(), d.train.dim());
  ASSERT_EQ(p.train.count(), d.train.count);
  ASSERT_EQ(p.test.count(), d.test.count);
  for (Index i = 0; i < d.train.count; ++i)
    for (Index k = 0; k < d.train.dim(); ++k)
      EXPECT_EQ(p.train.x(k, i), d.train.pixels[static_cast<std::size_t>(i * d.train.dim() + k)] / 255.0);
  EXPECT_EQ(p.test.x(3, 2), d.test.pixels[static_cast<std::size_t>(2 * d.test.dim() + 3)] / 255.0);
  EXPECT_EQ(p.train.labels, d.train.labels);
  EXPECT_EQ(p.num_classes, d.num_classes);
  EXPECT_GE(p.train.x.minCoeff(), 0.0);
  EXPECT_LE(p.train.x.maxCoeff(), 1.0);
}
