#pragma once
// The arithmetic of a learned policy's step: float64 everywhere, or its LSTM in float32 (the task,
// the features and the hand-designed optimizers stay float64). docs/psd.md, "Performance".
#include <string>

namespace l2o {

enum class Precision { Float64, Float32 };

const char* to_string(Precision p);  // "float64", "float32"
// Throws l2o::Error naming `where` for anything but "float64" / "float32".
Precision parse_precision(const std::string& text, const std::string& where);
}  // namespace l2o
