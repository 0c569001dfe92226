#ifndef CBUILDINFO_H
#define CBUILDINFO_H

/* The git commit this build was made from, as `scripts/build_stamp.sh` recorded it before the
 * build (every `make` target runs it); "unknown" for a plain `swift build` without a stamp. */
const char *sonotag_git_commit(void);

#endif
