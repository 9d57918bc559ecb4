#pragma once
// l2o reports bad input with l2o::Error; the command-line tool prints its message on one line
// ("l2o: error: <message>") and exits non-zero. Messages name the file or flag and what is wrong.
#include <stdexcept>
#include <string>

namespace l2o {
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised when an optimizee diverges (NaN or Inf in the loss, gradient or parameters).
class DivergenceError : public Error {
 public:
  using Error::Error;
};
}  // namespace l2o
