# Writes generated/core/build_info.h from build_info.h.in. Run at every build (the
# cimchar_build_info target in the top-level CMakeLists.txt), not only at configure time, so the
# commit a binary reports is the one it was built from. configure_file rewrites the header only
# when its text changes, so an unchanged tree recompiles nothing.
#
# The commit is the full hash of HEAD; the tree is "dirty" when a tracked file differs from
# HEAD (staged or not), as `git status --porcelain --untracked-files=no` reports it. Untracked
# files do not count: the build compiles only what CMakeLists.txt names, and naming a new file
# there modifies a tracked file. Outside a git checkout the commit is "unknown".
#
# Inputs (-D): SOURCE_DIR, OUTPUT, PROJECT_VERSION.
execute_process(
  COMMAND git -C "${SOURCE_DIR}" rev-parse HEAD
  OUTPUT_VARIABLE commit
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE commit_failed
  ERROR_QUIET)
set(CIMCHAR_GIT_DIRTY false)
if(commit_failed OR NOT commit)
  set(CIMCHAR_GIT_COMMIT "unknown")
else()
  set(CIMCHAR_GIT_COMMIT "${commit}")
  execute_process(
    COMMAND git -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
    OUTPUT_VARIABLE changes
    OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_QUIET)
  if(changes)
    set(CIMCHAR_GIT_DIRTY true)
    string(APPEND CIMCHAR_GIT_COMMIT "-dirty")
  endif()
endif()
configure_file("${SOURCE_DIR}/src/core/build_info.h.in" "${OUTPUT}" @ONLY)
