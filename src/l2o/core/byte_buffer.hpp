#pragma once
// A plain binary encoding for what the ranks of a distributed run exchange (core/distributed.hpp):
// numbers as their bytes (the ranks of one job share a byte order and type sizes), strings and
// vectors with a length first, Eigen matrices with their shape first. Doubles travel as their bit
// patterns, so a decoded value is bit-identical to the encoded one (NaN payloads and signed zeros
// included). ByteReader throws l2o::Error on a short or malformed buffer.
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "l2o/core/error.hpp"
#include "l2o/core/types.hpp"

namespace l2o {

class ByteWriter {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  void put(T v) {
    const auto* p = reinterpret_cast<const char*>(&v);
    buf_.append(p, sizeof(T));
  }
  void put_bool(bool b) { put<std::uint8_t>(b ? 1 : 0); }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    buf_.append(s);
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void put_vector(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    if (!v.empty()) buf_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_mat(const Mat& m) {
    put<std::int64_t>(m.rows());
    put<std::int64_t>(m.cols());
    if (m.size() > 0) buf_.append(reinterpret_cast<const char*>(m.data()), static_cast<std::size_t>(m.size()) * sizeof(double));
  }
  const std::string& bytes() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

class ByteReader {
 public:
  // Reads `bytes` in place: they must outlive the reader.
  ByteReader(const std::string& bytes, std::string what) : data_(bytes.data()), size_(bytes.size()), what_(std::move(what)) {}
  ByteReader(std::string&&, std::string) = delete;  // a temporary would not outlive it

  template <class T>
    requires std::is_arithmetic_v<T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  bool get_bool() { return get<std::uint8_t>() != 0; }
  std::string get_string() {
    const std::size_t n = length(1);
    return std::string(take(n), n);
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  std::vector<T> get_vector() {
    const std::size_t n = length(sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  Mat get_mat() {
    const auto r = get<std::int64_t>(), c = get<std::int64_t>();
    if (r < 0 || c < 0 || (r > 0 && static_cast<std::uint64_t>(c) > (size_ - pos_) / sizeof(double) / static_cast<std::uint64_t>(r)))
      fail("a matrix shape that does not fit the buffer");
    Mat m(r, c);
    if (m.size() > 0) std::memcpy(m.data(), take(static_cast<std::size_t>(m.size()) * sizeof(double)), static_cast<std::size_t>(m.size()) * sizeof(double));
    return m;
  }
  bool done() const { return pos_ == size_; }
  // Throws unless every byte was read.
  void expect_end() const {
    if (!done()) fail("trailing bytes");
  }

 private:
  const char* take(std::size_t n) {
    if (n > size_ - pos_) fail("a truncated buffer");
    const char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  // A length prefix, checked against the bytes left (elements of `unit` bytes each).
  std::size_t length(std::size_t unit) {
    const auto n = get<std::uint64_t>();
    if (n > (size_ - pos_) / unit) fail("a length beyond the buffer");
    return static_cast<std::size_t>(n);
  }
  [[noreturn]] void fail(const char* why) const { throw Error(what_ + ": " + why); }

  const char* data_;
  std::size_t size_, pos_ = 0;
  std::string what_;
};

}  // namespace l2o
