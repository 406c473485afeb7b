//===- tools/SvgText.h - Small helpers for writing SVG text -----*- C++ -*-===//
//
// What tools/PlanSvg.cpp needs besides the layout: XML escaping, number and
// byte formatting, colours, tick spacing and a text width estimate. Kept
// apart so that each can be read (and tested) on its own.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_SVGTEXT_H
#define TLC_TOOLS_SVGTEXT_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace tlc {
namespace svg {

/// \p text with the five XML special characters replaced by entities (XML
/// 1.0, section 2.4), safe inside element content and quoted attributes.
std::string xmlEscape(llvm::StringRef text);

/// A coordinate in pixels with one decimal.
std::string px(double v);

/// Bytes in the largest binary unit that keeps the value >= 1 ("1.5 MiB").
std::string humanBytes(double bytes);

/// "1234 B", or "5017600 B (4.8 MiB)" where a binary unit reads better.
std::string exactBytes(uint64_t bytes);

/// "#rrggbb" for a hue in degrees at fixed saturation and lightness (the HSL
/// to RGB conversion of CSS Color Module Level 3, section 4.2.4). Written as
/// hex so that every SVG renderer, old ones included, accepts it.
std::string hslColor(double hue, double sat, double light);

/// The fill of the \p index-th transient tensor (in plan order): hues a
/// golden angle (137.5 degrees) apart, so that tensors next to each other in
/// the plan, which are usually next to each other in the picture, get clearly
/// different colours, and the same plan always gets the same picture.
std::string tensorColor(unsigned index);

/// A rough width of \p text in pixels at \p fontSize (sans-serif averages
/// about 0.6 em per character); used only to decide whether a label fits.
double textWidth(llvm::StringRef text, double fontSize);

/// \p text when textWidth says it fits \p maxWidth at \p fontSize, else
/// its start and end around an ellipsis ("inception_4e…pool_proj": both
/// ends, because node names often differ only in their last part), cut at
/// UTF-8 character boundaries.
std::string ellipsize(llvm::StringRef text, double fontSize, double maxWidth);

/// The smallest "nice" step (1, 2 or 5 times a power of ten) that covers
/// [0, range] in at most \p maxTicks steps; 1 when \p range is not positive.
double niceStep(double range, unsigned maxTicks);

} // namespace svg
} // namespace tlc

#endif // TLC_TOOLS_SVGTEXT_H
