#pragma once
// Checks of line-search settings and of conditions between hyper-parameters (c2 > c1), which
// the field tables (hyper_tables.hpp: reading, ranges, writing) cannot express. Every message
// names the optimizer and the hyper-parameter.
#include <string>

namespace l2o {

// Range checks; each throws l2o::Error "optimizer <opt>: hyper-parameter <key> = <v> must be ...".
void require_open_unit_interval(const std::string& opt, const std::string& key,
                                double value);  // (0, 1)
void require_int_range(const std::string& opt, const std::string& key, int value, int lo, int hi);
// Fails with a message naming `key`, for checks that relate two hyper-parameters.
[[noreturn]] void hyper_error(const std::string& opt, const std::string& key,
                              const std::string& what);
}  // namespace l2o
