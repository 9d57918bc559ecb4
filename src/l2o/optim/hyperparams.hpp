#pragma once
// Reading and checking the hyper-parameters of the hand-designed optimizers.
//
// Hyper-parameters arrive as a JSON object ({"lr": 0.1, "momentum": 0.9}). HyperReader hands out
// typed values with defaults and remembers which keys it was asked for, so that `finish()` can
// reject misspelt or unsupported keys. The require_* checks are shared by the registry and the
// optimizers' constructors, so an out-of-range value is rejected however the optimizer is built.
// Every message names the optimizer and the hyper-parameter.
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace l2o {

class HyperReader {
 public:
  // `hyper` must be a JSON object or null (= no hyper-parameters given).
  HyperReader(std::string optimizer, const nlohmann::json& hyper);

  // A finite number; `fallback` when the key is absent.
  double number(const std::string& key, double fallback);
  // A whole number (JSON integer, or a float with an integral value such as 10.0).
  int integer(const std::string& key, int fallback);
  bool boolean(const std::string& key, bool fallback);
  // Throws l2o::Error if `hyper` holds a key that none of the getters asked for.
  void finish() const;

 private:
  const nlohmann::json* find(const std::string& key);
  std::string optimizer_;
  const nlohmann::json& hyper_;
  std::set<std::string> known_;
};

// Range checks; each throws l2o::Error "optimizer <opt>: hyper-parameter <key> = <v> must be ...".
void require_positive(const std::string& opt, const std::string& key, double value);       // > 0
void require_nonnegative(const std::string& opt, const std::string& key, double value);    // >= 0
void require_unit_interval(const std::string& opt, const std::string& key, double value);  // [0, 1)
void require_open_unit_interval(const std::string& opt, const std::string& key,
                                double value);  // (0, 1)
void require_int_range(const std::string& opt, const std::string& key, int value, int lo, int hi);
// Fails with a message naming `key`, for checks that relate two hyper-parameters.
[[noreturn]] void hyper_error(const std::string& opt, const std::string& key,
                              const std::string& what);
}  // namespace l2o
