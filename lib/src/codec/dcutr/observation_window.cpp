#include "codec/dcutr/observation_window.hpp"

#include <iterator>

namespace lp2p::dcutr {

void ObservationWindow::push(Observation o) {
  observations_.push_back(std::move(o));
  if (observations_.size() <= capacity_) return;
  observations_.pop_front();
  // The oldest had been prepared: its entry goes at the next prepared(). (If not, it never will be.)
  if (prepared_.size() > skip_) ++skip_;
}

std::span<const PreparedObservation> ObservationWindow::prepared() {
  prepared_.erase(prepared_.begin(), prepared_.begin() + static_cast<std::ptrdiff_t>(skip_));
  skip_ = 0;
  // prepared_ now holds the oldest of the window, in order; prepare the rest.
  for (auto i = prepared_.size(); i < observations_.size(); ++i) prepared_.push_back(prepare(observations_[i]));
  return prepared_;
}

}  // namespace lp2p::dcutr
