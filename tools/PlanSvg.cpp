//===- tools/PlanSvg.cpp - A plan's transient memory as an SVG picture ----===//
//
// Draws where every transient tensor lives and when: schedule step on x,
// byte offset on y (0 at the bottom), the transient buffers stacked in index
// order, and above them the state buffers (KV caches: their own region,
// kept from run to run). A good plan packs the rectangles tightly under the lower-bound line;
// a gap between the top of the picture and that line is the memory the
// planner wasted. The picture is plain SVG 1.1 text, opened by any browser
// (hover a rectangle for its tooltip) or rendered with rsvg-convert.
//
//===----------------------------------------------------------------------===//
#include "tools/PlanReport.h"
#include "tools/SvgText.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <optional>

using namespace llvm;
using namespace tlc::svg;

namespace tlc {

namespace {

//===-- Layout ------------------------------------------------------------===//

constexpr double kLeft = 96;      // y-axis labels
constexpr double kMinRight = 150; // buffer labels, line labels
constexpr double kTop = 96;       // header and legend
constexpr double kBottom = 104;   // step numbers and node names, at least
constexpr double kPlotHeight = 480;
constexpr double kFont = 12;
constexpr double kLegendWidth = 140; // at the top right
/// State tensors (KV caches): one muted colour, so that the region reads as
/// one thing apart from the transients.
constexpr const char *kStateFill = "#d9c9a3";
/// Pixels per schedule step: at most kMaxStepWidth, at least kMinStepWidth
/// (long schedules get a wide picture rather than unreadable slivers), and
/// step labels at least kMinLabelSpacing apart.
constexpr double kMaxStepWidth = 88, kMinStepWidth = 6;
constexpr double kMinLabelSpacing = 24;
/// Node names under the steps: rotated by kNodeAngle degrees, at most
/// kMaxNodeLabel pixels long (longer ones are ellipsized, the full name kept
/// in a tooltip); the bottom margin grows to fit the longest.
constexpr double kNodeFont = 10, kNodeAngle = 40, kMaxNodeLabel = 150;
constexpr double kNodeLabelTop = 30; // below the plot, where each one starts

/// Lays out and writes the picture of one plan (see printPlanSvg): layout()
/// computes the scales, then each write*() emits one layer, back to front.
class SvgWriter {
public:
  SvgWriter(const Plan &plan, raw_ostream &os) : plan(plan), os(os) {}

  void write() {
    layout();
    os << formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                  "height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                  "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                  "font-size=\"{2}\">\n",
                  px(width), px(height), int(kFont));
    os << "<title>" << xmlEscape("memory plan of " + plan.modelName)
       << "</title>\n";
    os << formatv("<rect class=\"background\" x=\"0\" y=\"0\" width=\"{0}\" "
                  "height=\"{1}\" fill=\"#ffffff\"/>\n",
                  px(width), px(height));
    if (!plan.symbols.empty())
      // Diagonal hatching laid over tensors whose size depends on a symbol:
      // they are drawn at the bound, and are smaller for smaller shapes.
      os << "<defs><pattern id=\"symbolic\" width=\"6\" height=\"6\" "
            "patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" "
            "x2=\"0\" y2=\"6\" stroke=\"#000000\" stroke-opacity=\"0.35\" "
            "stroke-width=\"1.5\"/></pattern></defs>\n";
    writeHeader();
    writeBuffers();
    writeAxes();
    writeTensors();
    writeMarkers();
    os << "</svg>\n";
  }

private:
  const Plan &plan;
  raw_ostream &os;

  std::vector<uint64_t> live;        // live transient bytes per step
  DenseMap<uint32_t, uint64_t> base; // transient buffer -> stacked offset
  SmallVector<uint32_t, 8> transientBuffers, stateBuffers;
  uint64_t stackedBytes = 0; // sum of transient buffer sizes
  uint64_t stateBytes = 0;   // sum of state buffer sizes, drawn above
  uint64_t lowerBound = 0;
  size_t peakStep = 0;
  double maxBytes = 1; // bytes at the top of the plot
  double stepWidth = 0, plotWidth = 0, right = kMinRight, width = 0, height = 0;
  DenseMap<uint32_t, std::string> bufferLabels;
  std::vector<std::string> nodes, nodeLabels; // per step: name, as drawn

  void layout() {
    live = liveBytesPerStep(plan);
    for (uint32_t b = 0; b < plan.buffers.size(); ++b) {
      if (plan.buffers[b].role != BufferRole::Transient)
        continue;
      transientBuffers.push_back(b);
      base[b] = stackedBytes;
      stackedBytes += plan.buffers[b].bytes;
    }
    for (uint32_t b = 0; b < plan.buffers.size(); ++b) {
      if (plan.buffers[b].role != BufferRole::State)
        continue;
      stateBuffers.push_back(b);
      base[b] = stackedBytes + stateBytes;
      stateBytes += plan.buffers[b].bytes;
      bufferLabels[b] = formatv("state #{0} (kept across runs)", b).str();
      right = std::max(right, textWidth(bufferLabels[b], 10) + 16);
    }
    uint64_t peak = 0;
    for (size_t s = 0; s < live.size(); ++s)
      if (live[s] > peak)
        peak = live[s], peakStep = s;
    lowerBound = plan.stats.lowerBound ? plan.stats.lowerBound : peak;
    maxBytes =
        double(std::max<uint64_t>({stackedBytes + stateBytes, lowerBound, 1}));
    unsigned steps = std::max(1u, plan.numSteps);
    stepWidth = std::clamp(880.0 / steps, kMinStepWidth, kMaxStepWidth);
    plotWidth = stepWidth * steps;
    for (uint32_t b : transientBuffers) {
      std::string label = formatv("buffer #{0}", b).str();
      for (const PlanTensor &t : plan.tensors)
        if (t.buffer == b && t.slot >= 0) {
          label += formatv(" {0}:{1}", t.poolKey, t.slot).str();
          break;
        }
      right = std::max(right, textWidth(label, 10) + 16);
      bufferLabels[b] = std::move(label);
    }
    // Wide enough for the header beside the legend, however few the steps.
    double header = 0;
    std::vector<std::string> lines = headerLines();
    for (size_t i = 0; i < lines.size(); ++i)
      header = std::max(header, textWidth(lines[i], i ? kFont : 16));
    width =
        std::max(kLeft + plotWidth + right, kLeft + header + 24 + kLegendWidth);
    // Each node name ends at the middle of its step and runs down to the
    // left: ellipsized to stay on the canvas, and the margin below the plot
    // deep enough for the longest above the axis title.
    constexpr double kRadians = 3.14159265358979323846 / 180;
    double sinA = std::sin(kNodeAngle * kRadians),
           cosA = std::cos(kNodeAngle * kRadians);
    nodes = nodeAtStep();
    double longest = 0;
    for (size_t s = 0; s < nodes.size(); ++s) {
      double room = std::min(kMaxNodeLabel, (xOf(s + 0.5) - 4) / cosA);
      nodeLabels.push_back(ellipsize(nodes[s], kNodeFont, room));
      longest = std::max(longest, textWidth(nodeLabels.back(), kNodeFont));
    }
    // Two lines of kFont: the axis title and a gap above it.
    double bottom = kNodeLabelTop + longest * sinA + 2 * kFont;
    height = kTop + kPlotHeight + std::max(kBottom, bottom);
  }

  double xOf(double step) const { return kLeft + step * stepWidth; }
  double yOf(double bytes) const {
    return kTop + kPlotHeight - bytes / maxBytes * kPlotHeight;
  }

  /// The node of each step: the label of its first dispatch or, for a view
  /// that needs no dispatch (Reshape, Flatten), the producer of a tensor
  /// defined at that step.
  std::vector<std::string> nodeAtStep() const {
    std::vector<std::string> names(plan.numSteps);
    for (const PlanCommand &cmd : plan.commands)
      if (cmd.kind == CommandKind::Dispatch && cmd.step < plan.numSteps &&
          names[cmd.step].empty())
        names[cmd.step] = cmd.label;
    for (const PlanTensor &t : plan.tensors)
      if (t.role != TensorRole::Input && !t.producer.empty() &&
          t.firstStep >= 0 && t.firstStep < int64_t(plan.numSteps) &&
          names[size_t(t.firstStep)].empty())
        names[size_t(t.firstStep)] = t.producer + " (view)";
    return names;
  }

  void text(double x, double y, StringRef s, StringRef attrs = "") {
    os << formatv("<text x=\"{0}\" y=\"{1}\"{2}{3}>{4}</text>\n", px(x), px(y),
                  attrs.empty() ? "" : " ", attrs, xmlEscape(s));
  }

  void line(double x1, double y1, double x2, double y2, StringRef attrs) {
    os << formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{3}\" {4}/>\n",
                  px(x1), px(y1), px(x2), px(y2), attrs);
  }

  /// The three header lines: title, how the plan was made, its figures.
  std::vector<std::string> headerLines() const {
    const PlanStats &st = plan.stats;
    std::string ratio =
        lowerBound ? formatv("{0:f3}", double(stackedBytes) / lowerBound).str()
                   : std::string("n/a");
    return {"memory plan of " + plan.modelName,
            formatv("planner: {0}  |  schedule: {1}  |  steps: {2}  |  "
                    "alignment: {3} B",
                    st.planner, scheduleDescription(st.schedule), plan.numSteps,
                    plan.alignment)
                .str(),
            formatv("height: {0} in {1} buffers  |  lower bound: {2}  |  "
                    "ratio: {3}{4}",
                    exactBytes(stackedBytes), transientBuffers.size(),
                    exactBytes(lowerBound), ratio,
                    stateBytes ? "  |  state (KV cache): " +
                                     exactBytes(stateBytes) + " above"
                               : std::string())
                .str()};
  }

  void writeHeader() {
    std::vector<std::string> lines = headerLines();
    text(kLeft, 24, lines[0], "font-size=\"16\" font-weight=\"bold\"");
    text(kLeft, 44, lines[1], "xml:space=\"preserve\"");
    text(kLeft, 62, lines[2], "xml:space=\"preserve\"");
    // Legend, right-aligned over the plot.
    double x = width - kLegendWidth, y = 18;
    auto swatch = [&](StringRef shape, StringRef label) {
      os << shape;
      text(x + 26, y + 10, label, "font-size=\"11\"");
      y += 16;
    };
    swatch(formatv("<rect x=\"{0}\" y=\"{1}\" width=\"20\" height=\"11\" "
                   "fill=\"{2}\" stroke=\"#333333\" stroke-width=\"0.6\"/>\n",
                   px(x), px(y), hslColor(200, 0.55, 0.72))
               .str(),
           "transient tensor");
    swatch(formatv("<rect x=\"{0}\" y=\"{1}\" width=\"20\" height=\"11\" "
                   "fill=\"none\" stroke=\"#000000\" stroke-width=\"1.2\" "
                   "stroke-dasharray=\"4 2\"/>\n",
                   px(x), px(y))
               .str(),
           "alias (view, in place)");
    swatch(formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                   "stroke=\"#c0392b\" stroke-width=\"1.5\" "
                   "stroke-dasharray=\"3 3\"/>\n",
                   px(x + 10), px(y - 1), px(y + 12))
               .str(),
           "peak step");
    swatch(formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                   "stroke=\"#1f5fbf\" stroke-width=\"1.5\" "
                   "stroke-dasharray=\"6 3\"/>\n",
                   px(x), px(y + 6), px(x + 20))
               .str(),
           "lower bound");
    if (!stateBuffers.empty())
      swatch(formatv("<rect x=\"{0}\" y=\"{1}\" width=\"20\" height=\"11\" "
                     "fill=\"{2}\" stroke=\"#333333\" stroke-width=\"0.6\"/>\n",
                     px(x), px(y), kStateFill)
                 .str(),
             "state (KV cache)");
    if (!plan.symbols.empty())
      swatch(formatv("<rect x=\"{0}\" y=\"{1}\" width=\"20\" height=\"11\" "
                     "fill=\"url(#symbolic)\" stroke=\"#333333\" "
                     "stroke-width=\"0.6\"/>\n",
                     px(x), px(y))
                 .str(),
             "size depends on a symbol (at the bound)");
  }

  /// One background band per transient and state buffer, labelled on the
  /// right.
  void writeBuffers() {
    SmallVector<uint32_t, 8> all(transientBuffers);
    all.append(stateBuffers.begin(), stateBuffers.end());
    for (size_t i = 0; i < all.size(); ++i) {
      uint32_t b = all[i];
      uint64_t bytes = plan.buffers[b].bytes;
      double y0 = yOf(double(base[b] + bytes)), y1 = yOf(double(base[b]));
      const std::string &label = bufferLabels[b];
      os << formatv("<rect class=\"buffer\" x=\"{0}\" y=\"{1}\" width=\"{2}\" "
                    "height=\"{3}\" fill=\"{4}\" stroke=\"#999999\" "
                    "stroke-width=\"0.5\"><title>{5}</title></rect>\n",
                    px(kLeft), px(y0), px(plotWidth), px(y1 - y0),
                    i % 2 ? "#f3f3f3" : "#fafafa",
                    xmlEscape(formatv("{0}: {1} bytes", label, bytes).str()));
      if (y1 - y0 >= 11)
        text(xOf(plan.numSteps) + 6, (y0 + y1) / 2 + 4, label,
             "font-size=\"10\" fill=\"#555555\"");
    }
  }

  void writeAxes() {
    double x0 = kLeft, x1 = xOf(std::max(1u, plan.numSteps));
    double yTop = kTop, yBottom = kTop + kPlotHeight;
    // y: byte ticks in the binary unit of the plot's height.
    double unit = 1;
    while (maxBytes / unit >= 1024 && unit < double(uint64_t(1) << 40))
      unit *= 1024;
    // Whole bytes only: a tiny plan gets 1 B ticks, not fractions.
    double step = std::max(1.0, niceStep(maxBytes / unit, 8) * unit);
    for (double v = 0; v <= maxBytes * 1.0001; v += step) {
      double y = yOf(v);
      line(x0, y, x1, y, "stroke=\"#e2e2e2\" stroke-width=\"0.5\"");
      line(x0 - 5, y, x0, y, "stroke=\"#000000\"");
      text(x0 - 8, y + 4, humanBytes(v), "text-anchor=\"end\"");
    }
    text(18, (yTop + yBottom) / 2, "offset (bytes)",
         formatv("text-anchor=\"middle\" transform=\"rotate(-90 18 {0})\"",
                 px((yTop + yBottom) / 2))
             .str());
    // x: step boundaries, the step number and node name under each column;
    // on long schedules only every `every`-th step, so labels never collide.
    double labelWidth =
        std::max(kMinLabelSpacing,
                 textWidth(std::to_string(plan.numSteps), kFont) + kFont / 2);
    unsigned every =
        labelWidth <= stepWidth
            ? 1
            : unsigned(std::max(1.0, niceStep(labelWidth / stepWidth, 1)));
    for (unsigned s = 0; s <= plan.numSteps; ++s)
      line(xOf(s), yBottom, xOf(s), yBottom + (s % every ? 2 : 5),
           "stroke=\"#000000\"");
    for (unsigned s = 0; s < plan.numSteps; s += every) {
      double xc = xOf(s + 0.5);
      text(xc, yBottom + 18, std::to_string(s), "text-anchor=\"middle\"");
      double ny = yBottom + kNodeLabelTop;
      std::string attrs =
          formatv("text-anchor=\"end\" font-size=\"{0}\" fill=\"#444444\" "
                  "transform=\"rotate(-{1} {2} {3})\"",
                  int(kNodeFont), int(kNodeAngle), px(xc), px(ny))
              .str();
      if (nodeLabels[s] == nodes[s]) {
        text(xc, ny, nodes[s], attrs);
        continue;
      }
      // Ellipsized: the full name shows on hover.
      os << formatv("<text x=\"{0}\" y=\"{1}\" {2}><title>{3}</title>{4}"
                    "</text>\n",
                    px(xc), px(ny), attrs, xmlEscape(nodes[s]),
                    xmlEscape(nodeLabels[s]));
    }
    text((x0 + x1) / 2, height - 8, "schedule step (node)",
         "text-anchor=\"middle\"");
    line(x0, yBottom, x1, yBottom, "stroke=\"#000000\"");
    line(x0, yTop, x0, yBottom, "stroke=\"#000000\"");
  }

  std::string tooltip(const PlanTensor &t) const {
    std::string s = t.name;
    if (t.role == TensorRole::Alias && t.aliasOf >= 0 &&
        size_t(t.aliasOf) < plan.tensors.size())
      s += " (alias of " + plan.tensors[size_t(t.aliasOf)].name + ")";
    std::string shape = planShapeStr(plan, t);
    s += formatv("\n{0}{1}{2}, {3} bytes{4}\nlive steps {5}..{6}", shape,
                 shape.empty() ? "" : "x", dtypeName(t.type.dtype), t.bytes,
                 t.dims.empty() ? "" : " at the bound", t.firstStep, t.lastStep)
             .str();
    if (t.releaseStep >= 0)
      s += formatv(", released after step {0}", t.releaseStep).str();
    s += formatv("\nbuffer #{0}, offset {1}", t.buffer, t.offset).str();
    if (t.slot >= 0)
      s += formatv(" (pool slot {0}:{1})", t.poolKey, t.slot).str();
    if (!t.producer.empty())
      s += "\nproduced by " + t.producer;
    return s;
  }

  struct Box {
    double x0, y0, x1, y1;
  };

  /// The rectangle of \p t, or none when it is not in a transient buffer.
  std::optional<Box> boxOf(const PlanTensor &t) const {
    auto it = base.find(t.buffer);
    if (it == base.end())
      return std::nullopt;
    double lo = double(it->second + t.offset);
    Box b{xOf(double(std::max<int64_t>(0, t.firstStep))),
          yOf(lo + double(t.bytes)), xOf(double(t.lastStep + 1)), yOf(lo)};
    if (b.y1 - b.y0 < 1) // keep tiny tensors visible
      b.y0 = b.y1 - 1;
    return b;
  }

  void writeTensors() {
    // Filled transient and state tensors first, then alias outlines on top.
    for (TensorRole role :
         {TensorRole::Transient, TensorRole::State, TensorRole::Alias}) {
      unsigned index = 0;
      for (const PlanTensor &t : plan.tensors) {
        if (t.role != role)
          continue;
        unsigned colour = index++;
        std::optional<Box> b = boxOf(t);
        if (!b)
          continue;
        bool alias = role == TensorRole::Alias;
        double inset = alias ? 1.5 : 0;
        std::string style =
            alias ? "fill=\"none\" stroke=\"#000000\" stroke-width=\"1.2\" "
                    "stroke-dasharray=\"4 2\""
                  : formatv("fill=\"{0}\" stroke=\"#333333\" "
                            "stroke-width=\"0.6\"",
                            role == TensorRole::State ? std::string(kStateFill)
                                                      : tensorColor(colour))
                        .str();
        os << formatv("<rect class=\"{0}\" x=\"{1}\" y=\"{2}\" width=\"{3}\" "
                      "height=\"{4}\" {5}><title>{6}</title></rect>\n",
                      alias ? "alias" : "tensor", px(b->x0 + inset),
                      px(b->y0 + inset),
                      px(std::max(0.0, b->x1 - b->x0 - 2 * inset)),
                      px(std::max(0.0, b->y1 - b->y0 - 2 * inset)), style,
                      xmlEscape(tooltip(t)));
        if (!alias && !t.dims.empty())
          os << formatv("<rect class=\"symbolic\" x=\"{0}\" y=\"{1}\" "
                        "width=\"{2}\" height=\"{3}\" "
                        "fill=\"url(#symbolic)\" pointer-events=\"none\"/>\n",
                        px(b->x0), px(b->y0),
                        px(std::max(0.0, b->x1 - b->x0)),
                        px(std::max(0.0, b->y1 - b->y0)));
        writeLabel(t, *b, alias);
      }
    }
  }

  /// Tensor names inside their rectangle where they fit: a root's at its
  /// left edge, an alias's at its right edge in italics, both at the bottom
  /// of the rectangle so that they do not cover each other.
  void writeLabel(const PlanTensor &t, const Box &b, bool alias) {
    double h = b.y1 - b.y0, w = b.x1 - b.x0;
    double font = std::min(11.0, h - 3);
    if (font < 7 || textWidth(t.name, font) + 8 > w)
      return;
    if (alias) {
      if (labelHitsRoot(t, b, font))
        return;
      text(b.x1 - 5, b.y1 - std::max(3.0, (h - font) / 2) - 1, t.name,
           formatv("text-anchor=\"end\" font-size=\"{0}\" font-style=\"italic\""
                   " pointer-events=\"none\"",
                   px(font))
               .str());
      return;
    }
    std::string size = humanBytes(double(t.bytes));
    bool twoLines = h >= 3 * font && textWidth(size, font - 1) + 8 <= w;
    double y = b.y1 - std::max(3.0, (h - font) / 2) - 1;
    text(b.x0 + 4, twoLines ? y - font * 0.55 : y, t.name,
         formatv("font-size=\"{0}\" pointer-events=\"none\"", px(font)).str());
    if (twoLines)
      text(b.x0 + 4, y + font * 0.75, size,
           formatv("font-size=\"{0}\" fill=\"#333333\" "
                   "pointer-events=\"none\"",
                   px(font - 1))
               .str());
  }

  /// Whether the right-aligned label of alias \p t (box \p b) would run
  /// into the left-aligned label of the tensor whose bytes it shares.
  bool labelHitsRoot(const PlanTensor &t, const Box &b, double font) const {
    if (t.aliasOf < 0 || size_t(t.aliasOf) >= plan.tensors.size())
      return false;
    const PlanTensor &root = plan.tensors[size_t(t.aliasOf)];
    std::optional<Box> rb = boxOf(root);
    if (!rb)
      return false;
    double rootEnd = rb->x0 + 4 + textWidth(root.name, font);
    double aliasStart = b.x1 - 5 - textWidth(t.name, font);
    return aliasStart < rootEnd + 6;
  }

  void writeMarkers() {
    double xEnd = xOf(std::max(1u, plan.numSteps));
    double yb = yOf(double(lowerBound));
    os << "<g class=\"lower-bound\">";
    line(kLeft, yb, xEnd, yb,
         "stroke=\"#1f5fbf\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"");
    text(xEnd + 6, yb - 4,
         formatv("lower bound {0}", humanBytes(double(lowerBound))).str(),
         "font-size=\"10\" fill=\"#1f5fbf\"");
    os << "</g>\n";
    if (transientBuffers.empty())
      text(kLeft + 12, kTop + kPlotHeight / 2,
           "no transient memory: every tensor is an input, output or weight",
           "fill=\"#555555\"");
    if (live.empty() || live[peakStep] == 0)
      return;
    double xp = xOf(peakStep + 0.5);
    os << "<g class=\"peak\">";
    line(xp, kTop - 8, xp, kTop + kPlotHeight,
         "stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"");
    text(xp, kTop - 12,
         formatv("peak: step {0}, {1} live", peakStep,
                 humanBytes(double(live[peakStep])))
             .str(),
         "text-anchor=\"middle\" font-size=\"11\" fill=\"#c0392b\"");
    os << "</g>\n";
  }
};

} // namespace

void printPlanSvg(const Plan &plan, raw_ostream &os) {
  SvgWriter(plan, os).write();
}

} // namespace tlc
