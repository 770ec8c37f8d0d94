# Warning flags shared by every lp2p target. -Wshadow=local is GCC-only (clang, used for the libFuzzer
# build, does not know it).
# -Wno-mismatched-new-delete: GCC 12 reports a false positive on every Asio awaitable frame (the frame's
# class-specific operator delete pairs with its class-specific operator new, which GCC does not see).
function(lp2p_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
    -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
endfunction()
