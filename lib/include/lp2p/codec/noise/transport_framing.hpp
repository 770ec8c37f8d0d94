// libp2p Noise wire framing, sans-IO: every Noise message (handshake or transport) is sent as
// u16 big-endian length || message, and a message is at most 65535 bytes.
// Spec: https://github.com/libp2p/specs/blob/master/noise/README.md#wire-format
//
// Senders: go-libp2p and js-libp2p put at most 65535 - 16 = 65519 plaintext bytes in one frame (rust
// uses 65535 - 1024); receivers must accept any frame up to 65535 bytes (WIRE.md 1.2).
#pragma once

#include "lp2p/codec/noise/cipher_state.hpp"

#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace lp2p::noise {

constexpr std::size_t frame_header_size = 2;

/// Appends `u16_be(message.size()) || message` to `out` (for handshake messages).
/// @errors frame_too_large when message is over max_message_size
result<void> append_frame(BytesView message, Bytes& out);

/// A complete frame found at the start of a buffer.
struct Frame {
  BytesView body;        ///< the message without its length prefix
  std::size_t consumed;  ///< prefix + body
};
/// Parses one frame at the start of `in`: std::nullopt when more bytes are needed.
/// @errors frame_too_large when the length field is over `max_frame` (max_frame is capped at 65535)
result<std::optional<Frame>> parse_frame(BytesView in, std::size_t max_frame = max_message_size);

/// Accumulates bytes from the wire and yields whole frames. Used for handshake messages, and by Decrypter.
/// Bytes that arrive after the last handshake frame (a peer may send transport frames right behind
/// message 3) stay in it: the handshake's FrameBuffer becomes the Decrypter's (Handshake::finish()).
/// Memory: the buffer holds what was fed and not yet returned; a caller that drains next_frame() after
/// every feed keeps it under one read plus one frame (65537 bytes). Storage is reused, not reallocated:
/// it grows to at most two whole frames plus one read (about 192 KiB with 64 KiB reads) under bulk
/// traffic, so that the partial frame left behind a read is moved to the front only every few reads.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class FrameBuffer {
 public:
  explicit FrameBuffer(std::size_t max_frame = max_message_size) noexcept;

  /// Appends wire bytes.
  void feed(BytesView bytes);
  /// Zero-copy input: a writable area of n bytes at the end of the buffer (read into it, then
  /// commit() how many arrived). Invalidates views returned earlier.
  std::span<std::uint8_t> prepare(std::size_t n);
  void commit(std::size_t n) noexcept;

  /// The next complete frame body, or std::nullopt when more bytes are needed. The span points into
  /// the buffer and stays valid until the next call to a non-const member.
  /// @errors frame_too_large (sticky: the stream cannot be resynchronised)
  result<std::optional<std::span<std::uint8_t>>> next_frame();

  /// Bytes still needed to complete the next frame (0 when one is complete); a hint for the read size.
  std::size_t bytes_needed() const noexcept;
  /// Bytes buffered and not yet returned as frames.
  std::size_t buffered() const noexcept { return end_ - start_; }
  /// Size of the storage (for tests of the memory bound).
  std::size_t capacity() const noexcept { return buf_.size(); }
  /// Removes and returns every buffered byte not yet returned as a frame.
  Bytes take_remaining();

 private:
  void compact();

  /// Allocates without value-initialising: growing the buffer (to a whole 65537-byte frame, or to
  /// NoiseStream's read size of up to 64 KiB) must not zero-fill memory that a socket read overwrites.
  template <class T>
  struct NoInitAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
      using other = NoInitAllocator<U>;
    };
    NoInitAllocator() noexcept = default;
    template <class U>
    NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... A>
    void construct(U* p, A&&... a) {
      ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }
  };
  std::vector<std::uint8_t, NoInitAllocator<std::uint8_t>> buf_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  std::size_t max_frame_;
  error_code failed_;
};

/// Splits plaintext into frames of at most `max_plaintext_per_frame` bytes and encrypts each with the
/// send CipherState (empty AD). Empty plaintext produces no frame.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class Encrypter {
 public:
  explicit Encrypter(CipherState send, std::size_t max_plaintext_per_frame = max_plaintext_size) noexcept;

  /// Size on the wire of `plaintext_size` bytes once framed and encrypted.
  std::size_t encrypted_size(std::size_t plaintext_size) const noexcept;
  /// Encrypts into `out`, which must hold encrypted_size(plaintext.size()) bytes; `out` must not
  /// overlap `plaintext`. No heap allocation. @return bytes written.
  /// @errors nonce_exhausted (sticky), cipher_failure, no_key
  result<std::size_t> encrypt_into(BytesView plaintext, std::span<std::uint8_t> out);
  /// Appends the frames to `out` (no allocation when out.capacity() suffices).
  result<void> encrypt(BytesView plaintext, Bytes& out);
  result<Bytes> encrypt(BytesView plaintext);

  /// Test hook (e.g. set_nonce near the end of the nonce space).
  CipherState& cipher() noexcept { return cs_; }

 private:
  CipherState cs_;
  std::size_t max_chunk_;
  error_code failed_;
};

/// Reassembles frames from arbitrary chunks and decrypts them with the recv CipherState (empty AD).
/// Any error is sticky: the channel must be closed.
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class Decrypter {
 public:
  explicit Decrypter(CipherState recv, std::size_t max_frame = max_message_size) noexcept;
  /// Continues from `frames`, which may already hold the first transport frames (the handshake's buffer).
  Decrypter(CipherState recv, FrameBuffer&& frames) noexcept;

  void feed(BytesView bytes) { frames_.feed(bytes); }
  std::span<std::uint8_t> prepare(std::size_t n) { return frames_.prepare(n); }
  void commit(std::size_t n) noexcept { frames_.commit(n); }

  /// The next frame's plaintext, or std::nullopt when more bytes are needed.
  /// @errors frame_too_large, frame_too_short, decrypt_failed, nonce_exhausted
  result<std::optional<Bytes>> next_plaintext();
  /// Same, decrypted in place: the view points into the internal buffer and stays valid until the next
  /// call to a non-const member. No heap allocation.
  result<std::optional<BytesView>> next_plaintext_view();

  std::size_t bytes_needed() const noexcept { return frames_.bytes_needed(); }
  std::size_t buffered() const noexcept { return frames_.buffered(); }
  /// Test hook.
  CipherState& cipher() noexcept { return cs_; }

 private:
  CipherState cs_;
  FrameBuffer frames_;
  error_code failed_;
};

}  // namespace lp2p::noise
