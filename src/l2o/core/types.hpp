#pragma once
// Basic numeric types shared by every part of l2o. Everything is double precision: gradients are
// checked against finite differences, and the nets are small enough that speed comes from
// matrix products, not from narrower floats.
#include <Eigen/Dense>
#include <cstdint>

namespace l2o {
using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;
using Index = Eigen::Index;
}  // namespace l2o
