#include "l2o/data/class_names.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>

#include "l2o/core/error.hpp"

namespace l2o {

const std::vector<std::string>& mnist_class_names() {
  static const std::vector<std::string> names = numbered_class_names(10);
  return names;
}

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names{"airplane", "automobile", "bird",  "cat",  "deer",
                                              "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

const std::vector<std::string>& cifar100_fine_class_names() {
  static const std::vector<std::string> names{
      "apple",      "aquarium_fish", "baby",         "bear",       "beaver",      "bed",        "bee",
      "beetle",     "bicycle",       "bottle",       "bowl",       "boy",         "bridge",     "bus",
      "butterfly",  "camel",         "can",          "castle",     "caterpillar", "cattle",     "chair",
      "chimpanzee", "clock",         "cloud",        "cockroach",  "couch",       "crab",       "crocodile",
      "cup",        "dinosaur",      "dolphin",      "elephant",   "flatfish",    "forest",     "fox",
      "girl",       "hamster",       "house",        "kangaroo",   "keyboard",    "lamp",       "lawn_mower",
      "leopard",    "lion",          "lizard",       "lobster",    "man",         "maple_tree", "motorcycle",
      "mountain",   "mouse",         "mushroom",     "oak_tree",   "orange",      "orchid",     "otter",
      "palm_tree",  "pear",          "pickup_truck", "pine_tree",  "plain",       "plate",      "poppy",
      "porcupine",  "possum",        "rabbit",       "raccoon",    "ray",         "road",       "rocket",
      "rose",       "sea",           "seal",         "shark",      "shrew",       "skunk",      "skyscraper",
      "snail",      "snake",         "spider",       "squirrel",   "streetcar",   "sunflower",  "sweet_pepper",
      "table",      "tank",          "telephone",    "television", "tiger",       "tractor",    "train",
      "trout",      "tulip",         "turtle",       "wardrobe",   "whale",       "willow_tree", "wolf",
      "woman",      "worm"};
  return names;
}

const std::vector<std::string>& cifar100_coarse_class_names() {
  static const std::vector<std::string> names{"aquatic_mammals",
                                              "fish",
                                              "flowers",
                                              "food_containers",
                                              "fruit_and_vegetables",
                                              "household_electrical_devices",
                                              "household_furniture",
                                              "insects",
                                              "large_carnivores",
                                              "large_man-made_outdoor_things",
                                              "large_natural_outdoor_scenes",
                                              "large_omnivores_and_herbivores",
                                              "medium_mammals",
                                              "non-insect_invertebrates",
                                              "people",
                                              "reptiles",
                                              "small_mammals",
                                              "trees",
                                              "vehicles_1",
                                              "vehicles_2"};
  return names;
}

std::vector<std::string> numbered_class_names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(std::to_string(i));
  return names;
}

std::vector<std::string> read_class_names_or(const std::string& path, const std::vector<std::string>& fallback) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fallback;
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open class-name file", path));
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != fallback.size())
    throw Error(fmt::format("{}: {} class names, expected {}", path, names.size(), fallback.size()));
  return names;
}

}  // namespace l2o
