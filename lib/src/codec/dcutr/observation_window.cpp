#include "codec/dcutr/observation_window.hpp"

#include <iterator>

namespace lp2p::dcutr {

void ObservationWindow::push(Observation o) {
  observations_.push_back(std::move(o));
  ++unprepared_;
  if (observations_.size() <= capacity_) return;
  observations_.pop_front();
  if (prepared_.size() > skip_) ++skip_;  // the oldest had been prepared: erased by the next prepared()
  else --unprepared_;                     // it had not: it never will be
}

std::span<const PreparedObservation> ObservationWindow::prepared() {
  prepared_.erase(prepared_.begin(), prepared_.begin() + static_cast<std::ptrdiff_t>(skip_));
  skip_ = 0;
  for (auto i = observations_.size() - unprepared_; i < observations_.size(); ++i)
    prepared_.push_back(prepare(observations_[i]));
  unprepared_ = 0;
  return prepared_;
}

}  // namespace lp2p::dcutr
