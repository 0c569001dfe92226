#ifndef CTORCH_H
#define CTORCH_H
#ifdef __cplusplus
extern "C" {
#endif

/// Placeholder until the Torch issue lands: the libtorch version this shim was built against.
const char *ctorch_version(void);

#ifdef __cplusplus
}
#endif
#endif
