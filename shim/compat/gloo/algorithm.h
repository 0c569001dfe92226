// SonoTag stand-in: c10d's header includes it; nothing from it is used (see shim/compat/README.md).
#pragma once
#include "gloo/context.h"
