#pragma once
// JSON encoding of optimizer state, exact to the last bit.
//
// Finite doubles are stored as JSON numbers (nlohmann writes them with enough digits to read back
// the same double). NaN and +-Inf, which JSON numbers cannot hold, are stored as the strings
// "nan", "inf" and "-inf": a diverged run can still be checkpointed and inspected.
//
// Every state object starts with {"optimizer": <name>, "dim": <n>}; StateReader checks both and
// throws l2o::Error naming the optimizer and the offending field.
#include <nlohmann/json.hpp>
#include <string>

#include "l2o/core/precision.hpp"
#include "l2o/core/types.hpp"

namespace l2o {

nlohmann::json encode_number(double x);
nlohmann::json encode_vec(const Vec& v);
// {"optimizer": name, "dim": dim}; optimizers add their own fields. dim is -1 for an optimizer
// that has not been initialised yet.
nlohmann::json state_header(const std::string& optimizer, Index dim);
// The learned optimizers' states record the arithmetic of their LSTM ("precision"); a state without
// the field was written before the float32 runtime and is float64. Throws l2o::Error, naming the
// optimizer, if the state's precision is not `runs`.
void check_state_precision(const std::string& optimizer, const nlohmann::json& state, Precision runs);

class StateReader {
 public:
  // Checks that `state` is an object written by `optimizer`.
  StateReader(std::string optimizer, const nlohmann::json& state);
  Index dim() const;  // >= -1
  double number(const std::string& key) const;
  long long integer(const std::string& key) const;
  bool boolean(const std::string& key) const;
  // A vector of exactly `size` entries.
  Vec vec(const std::string& key, Index size) const;
  // Element `i` of the array under `key`, decoded as a vector of `size` entries.
  Vec vec_at(const std::string& key, std::size_t i, Index size) const;
  // Element `i` of the array of numbers under `key`.
  double number_at(const std::string& key, std::size_t i) const;
  std::size_t array_size(const std::string& key) const;

 private:
  const nlohmann::json& field(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  double decode_number(const nlohmann::json& v, const std::string& key) const;
  Vec decode_vec(const nlohmann::json& v, const std::string& key, Index size) const;
  std::string optimizer_;
  const nlohmann::json& state_;
};
}  // namespace l2o
