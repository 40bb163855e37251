/*
 * The Hugging Face GPT-2 layout of the Week 2 GPT, shared by `llmlab export`
 * (writes it) and `llmlab import` (reads it back).
 *
 * Our model keeps each block tensor once for all layers, stacked, and a
 * linear layer's weight as (out, in). Hugging Face's GPT2LMHeadModel names
 * one tensor per layer ("transformer.h.3.attn.c_attn.weight") and stores
 * the weights of its linear layers (Conv1D) as (in, out): the transpose.
 * The list below is made from the model's own size table, gpt_tensors(),
 * so a tensor added to the model is a tensor the layout must name.
 */
#ifndef LLMLAB_HF_GPT2_H
#define LLMLAB_HF_GPT2_H

#include <stddef.h>
#include <stdio.h>

#include "gpt.h"

/** One tensor of the Hugging Face layout, and where its floats live in ours. */
typedef struct HfTensor {
    char name[64];  /**< "transformer.h.0.attn.c_attn.weight" */
    size_t offset;  /**< floats from the start of our parameters */
    long shape[2];  /**< as Hugging Face has it: [in, out] for a Conv1D weight */
    int ndim;       /**< 1 or 2 */
    int transposed; /**< 1: ours is (shape[1], shape[0]), Hugging Face's the transpose */
} HfTensor;

/** Room for the layout of @p c: 4 + 12 per layer. */
size_t hf_count(const GptConfig *c);

/**
 * Fill @p t (room for hf_count(c)) with the layout of @p c, in the order
 * Hugging Face lists it: wte, wpe, every tensor of layer 0, of layer 1, ...,
 * ln_f. Returns how many, or -1 with the reason in @p err when the model
 * holds a tensor the layout has no name for.
 */
int hf_layout(const GptConfig *c, HfTensor *t, char *err, size_t err_size);

/** Floats in @p t. */
size_t hf_numel(const HfTensor *t);

/**
 * Write a safetensors file: the tensors of @p t (n of them) read from
 * @p base (our layout) and written in theirs, each name prefixed by
 * @p prefix ("" for the model). Returns 1 when every write went well.
 */
int hf_write_safetensors(FILE *f, const HfTensor *t, int n, const char *prefix, const float *base);

#endif
