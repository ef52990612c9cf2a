#include "core/error.h"

// Anchors the vtable of the error types in one translation unit.
