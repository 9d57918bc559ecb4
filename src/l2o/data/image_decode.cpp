#include "l2o/data/image_decode.hpp"

#include <fmt/core.h>

#include <cstring>
#include <memory>

#include "l2o/core/error.hpp"

// Only the formats image folders may hold; fewer decoders, less attack surface.
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_PNM
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#include <stb_image.h>
#pragma GCC diagnostic pop

namespace l2o {

ImageHeader read_image_header(const std::string& path) {
  ImageHeader h;
  if (!stbi_info(path.c_str(), &h.width, &h.height, &h.channels))
    throw Error(fmt::format("{}: cannot read image ({})", path, stbi_failure_reason()));
  if (h.width <= 0 || h.height <= 0 || h.channels < 1 || h.channels > 4)
    throw Error(fmt::format("{}: unsupported image shape {}x{}x{}", path, h.height, h.width, h.channels));
  return h;
}

void decode_image_into(const std::string& path, int height, int width, int channels, std::uint8_t* out) {
  int w = 0, h = 0, native = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> img(stbi_load(path.c_str(), &w, &h, &native, channels), &stbi_image_free);
  if (!img) throw Error(fmt::format("{}: cannot decode image ({})", path, stbi_failure_reason()));
  if (h != height || w != width)
    throw Error(fmt::format("{}: decoded image is {}x{}, expected {}x{}", path, h, w, height, width));
  std::memcpy(out, img.get(), static_cast<std::size_t>(height) * width * channels);
}

}  // namespace l2o
