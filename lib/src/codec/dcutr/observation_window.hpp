// The last N address observations (identify's observedAddr, DESIGN.md §1 / nat_diagnosis.hpp) a Host
// classifies its NAT mapping over. Not a spec: a private helper of host.cpp, here so that it can be
// tested without sockets.
//
// A busy host gets one observation per new connection but classifies at most every 100 ms, so most
// observations leave the window without ever being read: push() only stores (O(1)), and prepared()
// parses (dcutr::prepare) just the observations that arrived since its last call and drops the ones
// that left the window in one go (amortised O(1) per observation; erasing the front of a vector per
// push moved the 63 others each time).
#pragma once

#include "lp2p/codec/dcutr/nat_diagnosis.hpp"

#include <cstddef>
#include <deque>
#include <span>
#include <vector>

namespace lp2p::dcutr {

class ObservationWindow {
 public:
  /// Keeps the newest `capacity` observations (at least one).
  explicit ObservationWindow(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  /// Adds the newest observation, dropping the oldest beyond the capacity. O(1).
  void push(Observation o);

  /// The window, oldest first.
  const std::deque<Observation>& observations() const noexcept { return observations_; }

  /// prepare() of every observation in the window, in the same order, as one contiguous span (valid until
  /// the next push() or prepared()).
  std::span<const PreparedObservation> prepared();

 private:
  std::size_t capacity_;
  std::deque<Observation> observations_;
  // prepare() of the oldest observations_, in order, behind `skip_` entries of ones that left the window;
  // the newest observations_ beyond it are not prepared yet.
  std::vector<PreparedObservation> prepared_;
  std::size_t skip_ = 0;
};

}  // namespace lp2p::dcutr
