#pragma once
// Image-file decoding (JPEG, PNG, binary PGM/PPM) through stb_image, which is compiled into
// image_decode.cpp only, with internal linkage, so it cannot clash with another copy of stb.
#include <cstdint>
#include <string>

namespace l2o {

struct ImageHeader {
  int width = 0, height = 0;
  int channels = 0;  // as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
};

// Reads only the header. Throws l2o::Error naming the file if it cannot be read or decoded.
ImageHeader read_image_header(const std::string& path);

// Decodes the image to `channels` channels (1: grey, 3: RGB; alpha is dropped, grey is repeated
// for RGB) into `out`, which holds height*width*channels bytes. Throws if the decoded size is not
// `height` x `width`.
void decode_image_into(const std::string& path, int height, int width, int channels, std::uint8_t* out);

}  // namespace l2o
