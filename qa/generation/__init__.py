"""The small generator that phrases answers: weights (GGUF -> safetensors), int8,
greedy decoding with prompt lookup, reused KV states, allocator settings.
"""
