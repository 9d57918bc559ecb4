#pragma once
// Basic numeric types shared by every part of l2o. Everything is double precision (gradients are
// checked against finite differences) except the float32 path of running learned policies
// (nn/lstm.hpp, LstmF32): their LSTM step is arithmetic-bound, and float32 doubles the SIMD width.
#include <Eigen/Dense>
#include <cstdint>

namespace l2o {
using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;
using Index = Eigen::Index;
using VecF = Eigen::VectorXf;
using MatF = Eigen::MatrixXf;
// The dense matrix / vector of a scalar type (double or float).
template <class T>
using MatT = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using VecT = Eigen::Matrix<T, Eigen::Dynamic, 1>;
}  // namespace l2o
