//===- tools/SvgText.cpp - Small helpers for writing SVG text -------------===//
#include "tools/SvgText.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <iterator>

using namespace llvm;

namespace tlc {
namespace svg {

std::string xmlEscape(StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string px(double v) { return formatv("{0:f1}", v).str(); }

std::string humanBytes(double bytes) {
  static const char *const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  unsigned u = 0;
  while (bytes >= 1024 && u + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++u;
  }
  if (u == 0 || bytes == std::floor(bytes))
    return formatv("{0} {1}", int64_t(bytes), kUnits[u]).str();
  return formatv("{0:f1} {1}", bytes, kUnits[u]).str();
}

std::string exactBytes(uint64_t bytes) {
  std::string s = std::to_string(bytes) + " B";
  if (bytes >= 1024)
    s += " (" + humanBytes(double(bytes)) + ")";
  return s;
}

std::string hslColor(double hue, double sat, double light) {
  double c = (1 - std::fabs(2 * light - 1)) * sat;
  double h = std::fmod(hue, 360.0) / 60.0;
  double x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1));
  double r = 0, g = 0, b = 0;
  if (h < 1)
    r = c, g = x;
  else if (h < 2)
    r = x, g = c;
  else if (h < 3)
    g = c, b = x;
  else if (h < 4)
    g = x, b = c;
  else if (h < 5)
    r = x, b = c;
  else
    r = c, b = x;
  double m = light - c / 2;
  auto byte = [&](double v) {
    return unsigned(std::lround(std::clamp(v + m, 0.0, 1.0) * 255));
  };
  std::string hex = "#";
  raw_string_ostream(hex) << format_hex_no_prefix(byte(r), 2, true)
                          << format_hex_no_prefix(byte(g), 2, true)
                          << format_hex_no_prefix(byte(b), 2, true);
  return hex;
}

std::string tensorColor(unsigned index) {
  double hue = std::fmod(12.0 + 137.508 * index, 360.0);
  return hslColor(hue, index % 2 ? 0.50 : 0.62, index % 3 == 1 ? 0.66 : 0.74);
}

double textWidth(StringRef text, double fontSize) {
  return 0.6 * fontSize * double(text.size());
}

std::string ellipsize(StringRef text, double fontSize, double maxWidth) {
  if (textWidth(text, fontSize) <= maxWidth)
    return text.str();
  // Characters that fit, one of them the ellipsis (counted as one
  // character wide, though it is three bytes of UTF-8).
  size_t keep = size_t(std::max(0.0, maxWidth / textWidth("x", fontSize)));
  keep = keep > 1 ? keep - 1 : 0;
  auto isContinuation = [&](size_t i) {
    return i < text.size() && (uint8_t(text[i]) & 0xC0) == 0x80;
  };
  size_t head = (keep + 1) / 2, tail = text.size() - keep / 2;
  while (head > 0 && isContinuation(head))
    --head;
  while (isContinuation(tail))
    ++tail;
  return (text.take_front(head) + "\u2026" + text.drop_front(tail)).str();
}

double niceStep(double range, unsigned maxTicks) {
  double raw = range / std::max(1u, maxTicks);
  if (!(raw > 0) || !std::isfinite(raw))
    return 1;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (f * mag >= raw)
      return f * mag;
  return 10 * mag;
}

} // namespace svg
} // namespace tlc
