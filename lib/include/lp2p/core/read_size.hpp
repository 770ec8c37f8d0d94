// How much to read from a byte stream at once: start small, double when a read fills the buffer.
// Not a spec: a local memory/throughput policy (docs/benchmarks.md, "Circuit Relay v2" and issue #3).
//
// Why: most connections only ever carry small frames (an idle relay reservation: keep-alives, identify),
// and a 64 KiB read buffer per layer per connection was most of an idle connection's memory and, being a
// "large" malloc chunk (>= 64 KiB frees consolidate glibc's fastbins), a visible share of the CPU spent
// opening one. Bulk transfers still want 64 KiB reads (fewer system calls, whole Noise frames): a read
// that fills the whole buffer means more is already waiting, so the buffer doubles until it reaches the cap.
// It never shrinks: a connection that once carried bulk data keeps its large buffer.
#pragma once

#include <algorithm>
#include <cstddef>

namespace lp2p {

/// Sans-IO read-size policy (no buffer of its own): size() is what the next read should ask for.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class ReadSize {
 public:
  static constexpr std::size_t default_initial = 8 * 1024;
  static constexpr std::size_t default_max = 64 * 1024;

  /// `initial` is clamped to [1, max]; a max of 0 counts as 1.
  constexpr explicit ReadSize(std::size_t initial = default_initial, std::size_t max = default_max) noexcept
      : max_(std::max<std::size_t>(max, 1)), size_(std::clamp<std::size_t>(initial, 1, max_)) {}

  constexpr std::size_t size() const noexcept { return size_; }
  constexpr std::size_t max() const noexcept { return max_; }

  /// Reports that a read into a buffer of `asked` bytes returned `got` bytes. The size doubles (up to
  /// max()) exactly when the read filled a buffer at least size() bytes long; a short read, or a full
  /// read into a smaller buffer than size() (which says nothing about a size() read), leaves it alone.
  /// @return true when size() grew (the caller reallocates its buffer).
  constexpr bool on_read(std::size_t asked, std::size_t got) noexcept {
    if (got < asked || asked < size_ || size_ >= max_) return false;
    size_ = size_ > max_ / 2 ? max_ : size_ * 2;
    return true;
  }

 private:
  std::size_t max_;
  std::size_t size_;
};

}  // namespace lp2p
