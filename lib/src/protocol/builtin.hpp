// identify (/ipfs/id/1.0.0, /ipfs/id/push/1.0.0) and ping (/ipfs/ping/1.0.0): the straight-line
// coroutines, one per role, that the host runs on every connection (WIRE.md §1.3, §1.4).
#pragma once

#include "lp2p/codec/identify/message.hpp"
#include "lp2p/host/events.hpp"
#include "lp2p/host/stream.hpp"
#include "lp2p/io/byte_stream.hpp"

#include <chrono>
#include <string>

namespace lp2p::protocol {

constexpr std::string_view identify_protocol_id = "/ipfs/id/1.0.0";
constexpr std::string_view identify_push_protocol_id = "/ipfs/id/push/1.0.0";
constexpr std::string_view ping_protocol_id = "/ipfs/ping/1.0.0";
constexpr std::size_t ping_size = 32;

/// Responder with a pre-encoded reply (identify::PreparedMessage::encode_frame): writes `frame` and closes.
boost::asio::awaitable<result<void>> identify_respond_frame(io::ByteStream& s, BytesView frame);

/// Requester (and push receiver): reads and merges up to identify::max_messages_per_stream messages
/// until EOF.
/// @errors codec frame errors, identify decode errors, transport errors
boost::asio::awaitable<result<identify::IdentifyMessage>> identify_read(io::ByteStream& s);

/// Converts the wire message into the public IdentifyInfo (dropping addresses that do not parse, and a
/// trailing /p2p/<id> of the observed address, which js-libp2p adds).
IdentifyInfo to_identify_info(const identify::IdentifyMessage& m);
/// The same, moving the strings out of `m` instead of copying them.
IdentifyInfo to_identify_info(identify::IdentifyMessage&& m);

/// Responder: echoes 32-byte pings until EOF.
boost::asio::awaitable<result<void>> ping_respond(io::ByteStream& s);

/// Requester: sends one 32-byte random payload and waits for its echo.
/// @errors host::error::ping_mismatch, transport errors
boost::asio::awaitable<result<std::chrono::microseconds>> ping_once(io::ByteStream& s);

/// Reads one uvarint length-prefixed message (at most max_size bytes) from a Stream, never reading past it
/// (relay peers send circuit bytes right behind their last message).
/// @errors io::error::frame_too_large, io::error::eof_before_frame_end, core varint errors, stream errors
boost::asio::awaitable<result<Bytes>> read_frame(Stream& s, std::size_t max_size);
/// Writes one uvarint length-prefixed message.
boost::asio::awaitable<result<void>> write_frame(Stream& s, BytesView body);

}  // namespace lp2p::protocol
