"""Sequence models: recurrent networks, seq2seq, decoding, convolutions, ELMo."""
