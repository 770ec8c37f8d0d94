#include "lp2p/io/spawn.hpp"

#include "lp2p/log.hpp"

#include <boost/asio/co_spawn.hpp>

namespace lp2p::io {

void spawn_detached(const boost::asio::any_io_executor& ex, boost::asio::awaitable<void> task, const char* what) {
  boost::asio::co_spawn(ex, std::move(task), [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      LP2P_LOG(error, "lp2p") << "bug: exception escaped " << what << ": " << x.what();
    } catch (...) {
      LP2P_LOG(error, "lp2p") << "bug: unknown exception escaped " << what;
    }
  });
}

}  // namespace lp2p::io
