// io::TcpStream::abort (ByteStream::abort): a connection known to be dead is reset and its 4-tuple freed at
// once. Regression test for the NAT lab fault natlab.fault_flush (issue #6): after a NAT flushed the
// mapping of a direct connection, the keep-alive declared it dead, but the graceful close left the socket
// retransmitting into the black hole, holding its 4-tuple, so the next hole punch from the same listening
// port to the same peer address failed with EADDRNOTAVAIL.
//
// On loopback the black hole is played by a peer that never reads: once its receive window is full, our
// socket holds unsent data, as it does when nothing is acknowledged any more.
#include "lp2p/io/tcp_stream.hpp"

#include "support/check.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <vector>

using namespace lp2p;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct StuckConnection {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  tcp::endpoint local;  // our end's address: reused by the next dial, like a port-reusing punch
  std::unique_ptr<io::TcpStream> ours;
  tcp::socket theirs{ioc};
  std::size_t queued = 0;

  StuckConnection() {
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind({asio::ip::address_v4::loopback(), 0});
    acceptor.listen();
    tcp::socket s(ioc);
    s.open(tcp::v4());
    s.set_option(tcp::socket::reuse_address(true));
    s.bind({asio::ip::address_v4::loopback(), 0});
    local = s.local_endpoint();
    s.connect(acceptor.local_endpoint());
    acceptor.accept(theirs);
    // Fill the peer's receive window and our send buffer: the peer never reads.
    s.non_blocking(true);
    std::vector<std::uint8_t> chunk(64 * 1024, 0x5a);
    for (;;) {
      boost::system::error_code ec;
      const auto n = s.write_some(asio::buffer(chunk), ec);
      if (ec) break;
      queued += n;
    }
    ours = std::make_unique<io::TcpStream>(std::move(s));
  }

  /// Dials the same peer from the same local address and port.
  boost::system::error_code redial() {
    tcp::socket s(ioc);
    s.open(tcp::v4());
    s.set_option(tcp::socket::reuse_address(true));
    boost::system::error_code ec;
    s.bind(local, ec);
    if (!ec) s.connect(acceptor.local_endpoint(), ec);
    return ec;
  }
};

}  // namespace

TEST_CASE("TcpStream::abort resets the peer and frees the 4-tuple at once", "[io][tcp][abort]") {
  StuckConnection c;
  INFO("bytes queued before the close: " << c.queued);
  REQUIRE(c.queued > 0);

  c.ours->abort();
  // The peer reads what had arrived, then the reset (not a clean EOF).
  std::vector<std::uint8_t> buf(1 << 20);
  boost::system::error_code ec;
  while (!ec) c.theirs.read_some(asio::buffer(buf), ec);
  CHECK(ec == asio::error::connection_reset);
  // The same 4-tuple can be dialed again right away.
  const auto again = c.redial();
  INFO("redial: " << again.message());
  CHECK_FALSE(again);
}

TEST_CASE("TcpStream::close of a stuck connection keeps the 4-tuple busy (why abort exists)", "[io][tcp][abort]") {
  StuckConnection c;
  REQUIRE(c.queued > 0);
  c.ours->close();
  // The orphaned socket still has data to deliver: the kernel keeps it, and with it the 4-tuple.
  const auto again = c.redial();
  INFO("redial: " << again.message());
  CHECK(again == boost::system::errc::address_not_available);
  // Abort is idempotent after close, and close after abort.
  c.ours->abort();
  c.ours->close();
}
