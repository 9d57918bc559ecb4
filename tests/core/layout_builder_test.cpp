// ParamLayout's builder: offsets, dim, kinds, layer numbers and names computed for the user, and
// clear l2o::Error messages for bad input.
#include <gtest/gtest.h>

#include <string>

#include "l2o/core/layout.hpp"

using namespace l2o;

namespace {

std::string builder_error(void (*build)(ParamLayout&)) {
  ParamLayout layout;
  try {
    build(layout);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LayoutBuilder, DenseLayersGetOffsetsNamesAndLayers) {
  ParamLayout layout;
  layout.add_dense(3, 5).add_dense(5, 4).add_dense(4, 2, /*output_layer=*/true);
  ASSERT_EQ(layout.groups.size(), 6u);
  EXPECT_EQ(layout.dim, 5 * 3 + 5 + 4 * 5 + 4 + 2 * 4 + 2);
  const char* names[] = {"W1", "b1", "W2", "b2", "W3", "b3"};
  Index offset = 0;
  for (size_t i = 0; i < layout.groups.size(); ++i) {
    const CoordinateGroup& g = layout.groups[i];
    EXPECT_EQ(g.name, names[i]);
    EXPECT_EQ(g.kind, i % 2 == 0 ? GroupKind::Weight : GroupKind::Bias);
    EXPECT_EQ(g.layer, static_cast<int>(i / 2) + 1);
    EXPECT_EQ(g.output_layer, i >= 4);
    EXPECT_EQ(g.offset, offset);
    offset += g.size();
  }
  EXPECT_EQ(offset, layout.dim);
  EXPECT_EQ(layout.group("W2").rows, 4);  // fan-out
  EXPECT_EQ(layout.group("W2").cols, 5);  // fan-in
  EXPECT_EQ(layout.group("b3").rows, 2);
  EXPECT_EQ(layout.group("b3").cols, 1);
}

TEST(LayoutBuilder, GroupByGroupNumbersLayersFromTheWeights) {
  ParamLayout layout;
  layout.add_bias(2)  // a bias before any weight is in layer 1
      .add_weight(16, 1)
      .add_bias(16)
      .add_weight(1, 16, {.output_layer = true})
      .add_bias(1, {.output_layer = true});
  ASSERT_EQ(layout.groups.size(), 5u);
  EXPECT_EQ(layout.groups[0].name, "b1");
  EXPECT_EQ(layout.groups[0].layer, 1);
  // The first weight opens the next layer after the highest one so far (the bias's layer 1).
  EXPECT_EQ(layout.groups[1].name, "W2");
  EXPECT_EQ(layout.groups[1].layer, 2);
  EXPECT_EQ(layout.groups[2].name, "b2");
  EXPECT_EQ(layout.groups[3].name, "W3");
  EXPECT_TRUE(layout.groups[3].output_layer);
  EXPECT_FALSE(layout.groups[2].output_layer);
  EXPECT_EQ(layout.groups[4].offset, 2 + 16 + 16 + 16);
  EXPECT_EQ(layout.dim, 2 + 16 + 16 + 16 + 1);
}

TEST(LayoutBuilder, GivenNamesAndLayers) {
  ParamLayout layout;
  layout.add_weight(10, 3, {.name = "embed", .layer = 1})
      .add_weight(10, 10, {.name = "recurrent", .layer = 1})
      .add_bias(10, {.name = "bias", .layer = 1})
      .add_weight(2, 10, {.name = "head", .layer = 2, .output_layer = true});
  EXPECT_EQ(layout.group("recurrent").offset, 30);
  EXPECT_EQ(layout.group("recurrent").layer, 1);
  EXPECT_EQ(layout.group("bias").kind, GroupKind::Bias);
  EXPECT_EQ(layout.group("head").offset, 30 + 100 + 10);
  EXPECT_EQ(layout.group("head").layer, 2);
  EXPECT_TRUE(layout.group("head").output_layer);
  EXPECT_EQ(layout.dim, 30 + 100 + 10 + 20);
  // An automatic layer after explicit ones continues from the highest.
  layout.add_weight(1, 2);
  EXPECT_EQ(layout.groups.back().name, "W3");
  EXPECT_EQ(layout.groups.back().layer, 3);
}

TEST(LayoutBuilder, SameAsAHandWrittenLayout) {
  ParamLayout built;
  built.add_dense(1, 16).add_dense(16, 1, true);
  const CoordinateGroup by_hand[] = {{"W1", GroupKind::Weight, 1, false, 16, 1, 0},
                                     {"b1", GroupKind::Bias, 1, false, 16, 1, 16},
                                     {"W2", GroupKind::Weight, 2, true, 1, 16, 32},
                                     {"b2", GroupKind::Bias, 2, true, 1, 1, 48}};
  ASSERT_EQ(built.groups.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const CoordinateGroup &a = built.groups[i], &b = by_hand[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.layer, b.layer);
    EXPECT_EQ(a.output_layer, b.output_layer);
    EXPECT_EQ(a.rows, b.rows);
    EXPECT_EQ(a.cols, b.cols);
    EXPECT_EQ(a.offset, b.offset);
  }
  EXPECT_EQ(built.dim, 49);
}

TEST(LayoutBuilder, BadInputGivesClearErrors) {
  EXPECT_EQ(builder_error([](ParamLayout& l) { l.add_weight(0, 3); }),
            "ParamLayout::add_weight: weight 'W1' needs rows >= 1 and cols >= 1, got 0 x 3");
  EXPECT_EQ(builder_error([](ParamLayout& l) { l.add_weight(4, -1, {.name = "conv"}); }),
            "ParamLayout::add_weight: weight 'conv' needs rows >= 1 and cols >= 1, got 4 x -1");
  EXPECT_EQ(builder_error([](ParamLayout& l) { l.add_dense(3, 4).add_bias(0); }),
            "ParamLayout::add_bias: bias 'b1' needs length >= 1, got 0");
  EXPECT_EQ(builder_error([](ParamLayout& l) { l.add_dense(0, 4); }),
            "ParamLayout::add_weight: weight 'W1' needs rows >= 1 and cols >= 1, got 4 x 0");
  EXPECT_EQ(builder_error([](ParamLayout& l) { l.add_weight(2, 2, {.layer = -1}); }),
            "ParamLayout::add_weight: layer must be >= 1 (or 0 for automatic), got -1");
  // A second bias in the same layer would be named b1 again.
  EXPECT_EQ(builder_error([](ParamLayout& l) { l.add_dense(3, 4).add_bias(4); }),
            "ParamLayout::add_bias: a coordinate group named 'b1' exists already; give the group its own name "
            "(GroupOptions::name)");
  EXPECT_EQ(builder_error([](ParamLayout& l) { (void)l.group("W9"); }), "ParamLayout: no coordinate group named 'W9'");
}

TEST(LayoutBuilder, AFailedAddLeavesTheLayoutAsItWas) {
  ParamLayout layout;
  layout.add_dense(2, 3);
  EXPECT_THROW(layout.add_weight(0, 1), Error);
  EXPECT_EQ(layout.groups.size(), 2u);
  EXPECT_EQ(layout.dim, 9);
}
}  // namespace
