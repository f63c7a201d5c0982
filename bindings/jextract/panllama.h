// The headers the bindings are generated from; include lists filter what is kept.
#include "llama.h"
#include "gguf.h"
#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-rpc.h"
