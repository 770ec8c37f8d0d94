#include "lp2p/codec/multistream/negotiator.hpp"

#include "lp2p/core/uvarint.hpp"

#include <algorithm>
#include <utility>

namespace lp2p::multistream {

namespace {
/// Room reserved behind the header and proposal or answer for what follows them in the same write (a
/// Noise handshake message, a connection's first yamux frames, an identify message): a few hundred bytes.
constexpr std::size_t first_write_room = 448;
}  // namespace

// ---- NegotiatorBase ------------------------------------------------------------------------------

void NegotiatorBase::output_written(std::size_t n) noexcept {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  }
}

Bytes NegotiatorBase::take_output() {
  if (out_pos_ > 0) out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_pos_));
  out_pos_ = 0;
  return std::exchange(out_, Bytes{});
}

Bytes NegotiatorBase::take_leftover() {
  if (!outcome_ || !outcome_->ok()) return {};
  return reader_.take_buffered();
}

void NegotiatorBase::fail(error_code ec) { outcome_ = Outcome{ec, {}}; }

void NegotiatorBase::succeed(std::string protocol) { outcome_ = Outcome{{}, std::move(protocol)}; }

// ---- Dialer --------------------------------------------------------------------------------------

Dialer::Dialer(std::vector<std::string> protocols, bool lazy, Config cfg)
    : NegotiatorBase(cfg), protocols_(std::move(protocols)), lazy_(lazy) {
  if (protocols_.empty()) {
    fail(error::no_protocols);
    return;
  }
  for (const auto& p : protocols_) {
    if (!is_valid_protocol_name(p) || p.size() + 1 > cfg_.max_message_size) {
      fail(error::invalid_local_protocol);
      return;
    }
  }
  // The README recommends the header and the first proposal in one packet; rust and go do so.
  // Both in one allocation, with room behind them for the first bytes of the next layer: a lazy dialer's
  // proposal is handed over (take_output) and sent together with the stream's first write, which is
  // then appended here instead of into a new buffer.
  out_.reserve(uvarint::encoded_size(protocol_id.size() + 1) + protocol_id.size() + 1 +
               uvarint::encoded_size(protocols_[0].size() + 1) + protocols_[0].size() + 1 + first_write_room);
  queue(protocol_id);
  propose_current();
}

void Dialer::propose_current() { queue(protocols_[current_]); }

bool Dialer::optimistic() const noexcept {
  return lazy_ && !finished() && current_ + 1 == protocols_.size();
}

std::string_view Dialer::selected() const noexcept {
  if (outcome_) return outcome_->protocol;  // empty on failure
  if (optimistic()) return protocols_[current_];
  return {};
}

void Dialer::on_bytes(BytesView in) {
  if (outcome_ && !outcome_->ok()) return;
  reader_.feed(in);
  if (finished()) return;  // already selected: everything is leftover
  for (;;) {
    error_code ec;
    auto msg = reader_.next_view(ec);  // a view: no string per message
    if (!msg) {
      if (ec) fail(ec);
      return;
    }
    if (state_ == State::expect_header) {
      if (*msg != protocol_id) return fail(error::bad_header);
      state_ = State::expect_reply;
      continue;
    }
    if (*msg == protocols_[current_]) {
      state_ = State::done;
      return succeed(protocols_[current_]);  // the rest of the buffer is the next layer's
    }
    if (*msg != not_available) return fail(error::unexpected_message);
    if (current_ + 1 == protocols_.size()) return fail(error::protocol_not_supported);
    ++current_;
    propose_current();
  }
}

// ---- Listener ------------------------------------------------------------------------------------

namespace {
std::vector<std::string> valid_only(std::vector<std::string> names) {
  std::erase_if(names, [](const std::string& n) { return !is_valid_protocol_name(n); });
  return names;
}
}  // namespace

Listener::Listener(std::vector<std::string> protocols, Config cfg)
    : NegotiatorBase(cfg), advertised_(valid_only(std::move(protocols))) {}

Listener::Listener(std::shared_ptr<const std::vector<std::string>> protocols, Config cfg) : NegotiatorBase(cfg) {
  if (protocols && std::all_of(protocols->begin(), protocols->end(),
                               [](const std::string& n) { return is_valid_protocol_name(n); }))
    shared_ = std::move(protocols);
  else if (protocols)
    advertised_ = valid_only(*protocols);
}

Listener::Listener(std::function<bool(std::string_view)> supports, std::vector<std::string> advertised,
                   Config cfg)
    : NegotiatorBase(cfg), supports_(std::move(supports)), advertised_(valid_only(std::move(advertised))) {}

void Listener::on_bytes(BytesView in) {
  if (outcome_ && !outcome_->ok()) return;
  reader_.feed(in);
  if (finished()) return;
  for (;;) {
    error_code ec;
    auto msg = reader_.next_view(ec);  // a view: no string per message
    if (!msg) {
      if (ec) fail(ec);
      return;
    }
    if (!handle(*msg)) return;
  }
}

bool Listener::handle(std::string_view msg) {
  if (state_ == State::expect_header) {
    if (msg != protocol_id) {
      fail(error::bad_header);
      return false;
    }
    // Our header goes out only now, as rust's and js's listeners do; it precedes any reply below.
    // Room for the echo of a typical protocol id too, so that header and echo take one allocation.
    // Also room behind it for the first bytes of the next layer, for a caller that holds the answer
    // back to send it with its first write (take_output): they are appended here, no second buffer.
    out_.reserve(64 + first_write_room);
    queue(protocol_id);
    state_ = State::expect_proposal;
    return true;
  }
  if (msg == list_request) {
    if (attempts_ == cfg_.max_attempts) {
      fail(error::too_many_attempts);
      return false;
    }
    ++attempts_;
    encode_ls_response(advertised(), out_, cfg_.max_message_size);
    return true;
  }
  if (msg == not_available || msg == protocol_id) {
    fail(error::unexpected_message);
    return false;
  }
  if (!is_valid_protocol_name(msg)) {
    fail(error::invalid_protocol_name);
    return false;
  }
  const bool supported = supports_ ? supports_(msg)
                                   : std::find(advertised().begin(), advertised().end(), msg) != advertised().end();
  if (supported) {
    queue(msg);  // the echo confirms the selection
    state_ = State::done;
    succeed(std::string(msg));
    return false;
  }
  if (attempts_ == cfg_.max_attempts) {
    fail(error::too_many_attempts);
    return false;
  }
  ++attempts_;
  queue(not_available);
  return true;
}

}  // namespace lp2p::multistream
