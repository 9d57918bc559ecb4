#pragma once
// The arithmetic of a learned policy's step: float64 everywhere; its LSTM in float32; or its LSTM
// in float32 with the gate products as three bfloat16 products on the CPU's matrix units (bf16x3,
// nn/bf16x3_product.hpp). The task, the features and the hand-designed optimizers stay float64.
// docs/psd.md, "Performance".
#include <string>

namespace l2o {

enum class Precision { Float64, Float32, Bf16x3 };

const char* to_string(Precision p);  // "float64", "float32", "bf16x3"
// Throws l2o::Error naming `where` for anything but "float64" / "float32" / "bf16x3".
Precision parse_precision(const std::string& text, const std::string& where);
// Whether the LSTM runs the float32 runtime (LstmF32): float32 and bf16x3.
inline bool runs_float32_lstm(Precision p) { return p != Precision::Float64; }
}  // namespace l2o
