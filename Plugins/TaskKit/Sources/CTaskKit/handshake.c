// CTaskKit is header-only in spirit; SwiftPM wants one source file per C target.
#include "taskhost_plugin.h"
