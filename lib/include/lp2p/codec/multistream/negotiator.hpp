// multistream-select 1.0 negotiation engines (sans-IO): Dialer (initiator) and Listener (responder).
// Spec: https://github.com/multiformats/multistream-select#protocol and
// https://github.com/libp2p/specs/blob/master/connections/README.md#protocol-negotiation
// Behaviour follows rust-libp2p misc/multistream-select (dialer_select.rs, listener_select.rs,
// V1Lazy in negotiated.rs); see WIRE.md §1.1 and the interop checklist in §8.
//
// Usage contract (both engines): after construction and after every on_bytes(), write
// pending_output() to the peer and report it with output_written(), then check outcome(). Once
// outcome() holds a success, pending_output() must still be flushed before any application bytes, and
// take_leftover() returns the bytes the peer sent after its last negotiation message (rust sends Noise
// message 1 or yamux frames in the same segment), which belong to the next layer.
#pragma once

#include "lp2p/codec/multistream/message.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lp2p::multistream {

/// Refused proposals (and answered ls requests) a Listener tolerates before failing: the spec sets no
/// bound, but a peer must not keep us busy forever. Dialers propose at most a handful of protocols.
constexpr std::size_t default_max_attempts = 16;

struct Config {
  /// Largest message accepted from the peer (length-prefix value, '\n' included).
  std::size_t max_message_size = default_max_message_size;
  /// Listener only: how many `na` replies and ls answers it sends before too_many_attempts.
  std::size_t max_attempts = default_max_attempts;
};

/// Terminal result of a negotiation.
struct Outcome {
  error_code error;      ///< clear on success
  std::string protocol;  ///< the agreed protocol (empty on failure)
  bool ok() const noexcept { return !error; }
};

/// Output queue, leftover and outcome shared by both roles.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class NegotiatorBase {
 public:
  /// Bytes to send to the peer, in order. Stays valid until the next call on this object.
  BytesView pending_output() const noexcept { return BytesView(out_).subspan(out_pos_); }
  /// Marks the first n bytes of pending_output() as written (n <= pending_output().size()).
  void output_written(std::size_t n) noexcept;
  /// pending_output() handed over as a buffer (for a caller that sends it later, with other bytes), and
  /// marked written: no copy into a new allocation.
  Bytes take_output();
  /// Set once the negotiation has ended, successfully or not. Errors are terminal.
  const std::optional<Outcome>& outcome() const noexcept { return outcome_; }
  /// After success: the bytes received after the final negotiation message (and any bytes fed to
  /// on_bytes() since), moved out. Empty before success and after failure.
  Bytes take_leftover();

 protected:
  explicit NegotiatorBase(const Config& cfg) noexcept : cfg_(cfg), reader_(cfg.max_message_size) {}
  void queue(std::string_view content) { encode_message(content, out_); }
  void fail(error_code ec);
  void succeed(std::string protocol);
  bool finished() const noexcept { return outcome_.has_value(); }

  Config cfg_;
  MessageReader reader_;
  Bytes out_;
  std::size_t out_pos_ = 0;
  std::optional<Outcome> outcome_;
};

/// The initiator: sends the header and its first proposal at once (without waiting for the listener's
/// header, as rust and go do), proposes the next protocol on `na`, and succeeds on the echo.
///
/// Lazy mode (rust's Version::V1Lazy): when the proposal in flight is the last candidate (always the
/// case with a single protocol), the dialer is "optimistic": optimistic() turns true and the caller may
/// send application bytes right after pending_output(), saving a round trip. The listener's header and
/// echo are still verified when they arrive; an `na` then fails with protocol_not_supported, and the
/// application bytes already sent are lost (the listener treats them as garbage).
class Dialer : public NegotiatorBase {
 public:
  /// @param protocols candidates in order of preference; each must satisfy is_valid_protocol_name and
  ///        fit in cfg.max_message_size, otherwise outcome() is at once invalid_local_protocol
  ///        (no_protocols when the list is empty).
  /// @param lazy allow optimistic selection of the last candidate (see class comment)
  Dialer(std::vector<std::string> protocols, bool lazy, Config cfg = {});

  /// Processes bytes from the listener. Ignored after failure; appended to the leftover after success.
  /// @errors (through outcome()) error::bad_header, error::unexpected_message (neither echo nor na),
  ///         error::protocol_not_supported, error::message_too_large, error::missing_newline,
  ///         core::error::varint_overlong, core::error::varint_not_minimal
  void on_bytes(BytesView in);

  /// True while the dialer is optimistically selected and the listener's confirmation is outstanding.
  bool optimistic() const noexcept;
  /// The protocol in use: the confirmed one after success, the optimistic one in lazy mode, else empty.
  std::string_view selected() const noexcept;

 private:
  enum class State { expect_header, expect_reply, done };
  void propose_current();

  std::vector<std::string> protocols_;
  std::size_t current_ = 0;  // index of the proposal in flight
  bool lazy_;
  State state_ = State::expect_header;
};

/// The responder: waits for the dialer's header before sending its own (rust and js order), echoes a
/// supported proposal, replies `na` to others and answers `ls`. Header, proposal and application
/// payload arriving in one chunk are handled; the payload becomes the leftover.
class Listener : public NegotiatorBase {
 public:
  /// Supports exactly `protocols` (also the ls answer). Invalid names are ignored (rust does the same).
  explicit Listener(std::vector<std::string> protocols, Config cfg = {});
  /// Supports exactly `*protocols`, shared instead of copied: a host hands the same list to every
  /// inbound stream. The list must not change while shared (replace the pointer instead).
  explicit Listener(std::shared_ptr<const std::vector<std::string>> protocols, Config cfg = {});
  /// Supports whatever `supports` accepts (it is only called with valid names); `advertised` is the
  /// ls answer.
  Listener(std::function<bool(std::string_view)> supports, std::vector<std::string> advertised,
           Config cfg = {});

  /// Processes bytes from the dialer. Ignored after failure; appended to the leftover after success.
  /// @errors (through outcome()) error::bad_header, error::invalid_protocol_name,
  ///         error::unexpected_message (a second header or `na`), error::too_many_attempts,
  ///         error::message_too_large, error::missing_newline, core::error::varint_overlong,
  ///         core::error::varint_not_minimal
  void on_bytes(BytesView in);

 private:
  enum class State { expect_header, expect_proposal, done };
  bool handle(std::string_view msg);  // false once the negotiation has ended

  const std::vector<std::string>& advertised() const noexcept { return shared_ ? *shared_ : advertised_; }

  std::function<bool(std::string_view)> supports_;
  std::vector<std::string> advertised_;  // unless shared_
  std::shared_ptr<const std::vector<std::string>> shared_;  // all valid names
  std::size_t attempts_ = 0;
  State state_ = State::expect_header;
};

}  // namespace lp2p::multistream
