#include "CBuildInfo.h"

/* build_stamp.h is written by scripts/build_stamp.sh and kept out of git; only this file
 * includes it, so a new commit recompiles one C file and relinks. */
#if __has_include("build_stamp.h")
#include "build_stamp.h"
#endif

#ifndef SONOTAG_GIT_COMMIT
#define SONOTAG_GIT_COMMIT "unknown"
#endif

const char *sonotag_git_commit(void) { return SONOTAG_GIT_COMMIT; }
