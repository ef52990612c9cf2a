# A test that stands for tests a missing tool would leave out: it fails, saying what is missing
# and how to get it. Run as: cmake -DWHAT=<text> -P missing_tool.cmake
message(FATAL_ERROR "${WHAT}")
