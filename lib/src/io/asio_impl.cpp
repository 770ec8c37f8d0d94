// The one translation unit that compiles Boost.Asio's implementation (BOOST_ASIO_SEPARATE_COMPILATION).
// Every other file includes only Asio's declarations, which keeps 2-core builds tolerable.
#include <boost/asio/impl/src.hpp>
