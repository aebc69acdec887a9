# -DTETHER_FUZZ=ON (with clang): every target is built with ASan and UBSan
# and libFuzzer's coverage, and tests/fuzz builds libFuzzer binaries
# (docs/TESTING.md). Use its own build folder:
#   CXX=clang++-14 cmake -S . -B build-fuzz -DTETHER_FUZZ=ON
option(TETHER_FUZZ "Build libFuzzer targets (clang) instead of corpus replays" OFF)
if(TETHER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TETHER_FUZZ=ON needs clang (CXX=clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
