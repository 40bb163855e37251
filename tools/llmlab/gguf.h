/*
 * A GPT checkpoint as one GGUF file that llama.cpp (and what is built on it:
 * Ollama, LM Studio, node-llama-cpp) runs as its "gpt2" architecture, the
 * tokenizer inside. `llmlab export --format gguf --out FILE.gguf` calls it.
 */
#ifndef LLMLAB_GGUF_H
#define LLMLAB_GGUF_H

#include <stddef.h>

#include "gpt.h"
#include "tokenizer.h"

/**
 * Write @p m and its tokenizer @p tok to @p path atomically (a temporary file,
 * then a rename). Refuses a model with a NaN or an infinity, and a tokenizer
 * in plain byte mode (llama.cpp's pre-tokenizer would cut the text elsewhere).
 * Returns 0, or -1 with the reason in @p err; the old file, if any, is then
 * as it was.
 */
int gguf_write(const Gpt *m, const Tokenizer *tok, const char *path, char *err, size_t err_size);

#endif
