package gpt2

import (
	"fmt"
	"strings"

	"github.com/tiktoken-go/tokenizer"
)

// EndOfText is GPT-2's <|endoftext|> token id.
const EndOfText = 50256

// Tokenizer is GPT-2's byte-level BPE (the r50k_base vocabulary, embedded
// in the binary by tiktoken-go, so no vocabulary file is needed).
type Tokenizer struct {
	codec tokenizer.Codec
}

// NewTokenizer returns GPT-2's tokenizer.
func NewTokenizer() (*Tokenizer, error) {
	c, err := tokenizer.Get(tokenizer.R50kBase)
	if err != nil {
		return nil, fmt.Errorf("gpt2: tokenizer: %w", err)
	}
	return &Tokenizer{codec: c}, nil
}

// Encode returns the token ids of text. Special tokens in text are encoded
// as plain text, as GPT-2's tokenizer does by default.
func (t *Tokenizer) Encode(text string) ([]int, error) {
	ids, _, err := t.codec.Encode(text)
	if err != nil {
		return nil, fmt.Errorf("gpt2: encode: %w", err)
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out, nil
}

// Decode returns the text of ids; EndOfText becomes "<|endoftext|>".
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var b strings.Builder
	run := make([]uint, 0, len(ids))
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		s, err := t.codec.Decode(run)
		if err != nil {
			return fmt.Errorf("gpt2: decode: %w", err)
		}
		b.WriteString(s)
		run = run[:0]
		return nil
	}
	for _, id := range ids {
		switch {
		case id < 0:
			return "", fmt.Errorf("gpt2: decode: negative id %d", id)
		case id == EndOfText:
			if err := flush(); err != nil {
				return "", err
			}
			b.WriteString("<|endoftext|>")
		default:
			run = append(run, uint(id))
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	return b.String(), nil
}
