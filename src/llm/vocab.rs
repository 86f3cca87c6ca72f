//! The character vocabulary of the LLM policies: one token per character the synthetic tasks
//! ([`crate::llm::task`]) write, plus three special tokens.
//!
//! Token ids are fixed so that checkpoints, logs and sampled sequences stay comparable across
//! runs: [`Vocab::PAD`] = 0 (fills batches to equal length), [`Vocab::BOS`] = 1 (starts every
//! sequence), [`Vocab::EOS`] = 2 (ends a response), then the characters of [`CHARACTERS`] in order
//! from id 3: the digits `0`–`9`, the operators and separators `+ - * / = ( ) , : >`, and the
//! space. A character-level vocabulary keeps every digit its own token, which small transformers
//! need to learn arithmetic digit by digit (Lee et al. 2023, "Teaching Arithmetic to Small
//! Transformers", use character-level tokenization throughout).

use crate::core::error::{Error, Result};

/// A token id.
pub type Token = u32;

/// The characters of the standard vocabulary, in token order from id [`Vocab::FIRST_CHARACTER`].
pub const CHARACTERS: [char; 21] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '*', '/', '=', '(', ')', ',', ':',
    '>', ' ',
];

/// The fixed character vocabulary (see the module documentation for the ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocab {
    characters: &'static [char],
}

impl Vocab {
    /// Padding: fills a batch's shorter sequences; never printed.
    pub const PAD: Token = 0;
    /// Beginning of sequence: the first token of every prompt; never printed.
    pub const BOS: Token = 1;
    /// End of sequence: ends a response; decoding stops there.
    pub const EOS: Token = 2;
    /// The id of the first character token (the number of special tokens).
    pub const FIRST_CHARACTER: Token = 3;

    /// The vocabulary every task uses: the special tokens, then [`CHARACTERS`].
    pub fn standard() -> Self {
        Vocab {
            characters: &CHARACTERS,
        }
    }

    /// The number of tokens, special tokens included (the model's output width).
    pub fn len(&self) -> usize {
        Self::FIRST_CHARACTER as usize + self.characters.len()
    }

    /// Always false: the special tokens are always present (for clippy's `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The characters, in token order.
    pub fn characters(&self) -> &'static [char] {
        self.characters
    }

    /// True for [`Vocab::PAD`], [`Vocab::BOS`] and [`Vocab::EOS`].
    pub fn is_special(token: Token) -> bool {
        token < Self::FIRST_CHARACTER
    }

    /// The token of `character`, or `None` if the vocabulary does not have it.
    pub fn token(&self, character: char) -> Option<Token> {
        let index = self.characters.iter().position(|&c| c == character)?;
        // The vocabulary has 21 characters, so the index fits a u32.
        Some(Self::FIRST_CHARACTER + index as Token)
    }

    /// The character of `token`, or `None` for a special token or an id past the vocabulary.
    pub fn char_of(&self, token: Token) -> Option<char> {
        let index = token.checked_sub(Self::FIRST_CHARACTER)?;
        self.characters.get(index as usize).copied()
    }

    /// The tokens of `text`, one per character, without BOS or EOS.
    ///
    /// An unknown character is an [`Error::Invalid`] naming the character, its position (counted
    /// in characters from 0) and the allowed set.
    pub fn encode(&self, text: &str) -> Result<Vec<Token>> {
        text.chars()
            .enumerate()
            .map(|(position, character)| {
                self.token(character).ok_or_else(|| {
                    Error::invalid(
                        "text",
                        format!("character {character:?} at position {position} of {text:?}"),
                        format!("one of the characters {:?}", self.allowed()),
                    )
                })
            })
            .collect()
    }

    /// The text of `tokens`: special tokens are not printed and decoding stops at the first
    /// [`Vocab::EOS`]. An id past the vocabulary (which a model of this vocabulary's width cannot
    /// sample) prints as U+FFFD, so that no task scores it as correct.
    pub fn decode(&self, tokens: &[Token]) -> String {
        let mut text = String::with_capacity(tokens.len());
        for &token in tokens {
            if token == Self::EOS {
                break;
            }
            if Self::is_special(token) {
                continue;
            }
            text.push(self.char_of(token).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        text
    }

    /// The allowed characters as one string, for error messages.
    fn allowed(&self) -> String {
        self.characters.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fixed() {
        let vocab = Vocab::standard();
        assert_eq!(vocab.len(), 24);
        assert_eq!(vocab.token('0'), Some(3));
        assert_eq!(vocab.token('9'), Some(12));
        assert_eq!(vocab.token('+'), Some(13));
        assert_eq!(vocab.token(' '), Some(23));
        assert_eq!(vocab.token('a'), None);
        assert_eq!(vocab.char_of(Vocab::PAD), None);
        assert_eq!(vocab.char_of(Vocab::BOS), None);
        assert_eq!(vocab.char_of(Vocab::EOS), None);
        assert_eq!(vocab.char_of(24), None);
        assert_eq!(vocab.char_of(3), Some('0'));
        // Every character has a distinct token and maps back to itself.
        for &c in vocab.characters() {
            let token = vocab.token(c).expect("a vocabulary character");
            assert_eq!(vocab.char_of(token), Some(c));
        }
    }

    #[test]
    fn encode_decode_round_trip() {
        let vocab = Vocab::standard();
        for text in [
            "",
            "0123+0456=",
            "03,07,25>031:",
            "(25-7)*3/1",
            "- 0 9 >:,=()",
        ] {
            let tokens = vocab.encode(text).expect("vocabulary characters");
            assert_eq!(tokens.len(), text.chars().count());
            assert!(tokens.iter().all(|&t| !Vocab::is_special(t)));
            assert_eq!(vocab.decode(&tokens), text);
        }
        let all: String = CHARACTERS.iter().collect();
        assert_eq!(
            vocab.decode(&vocab.encode(&all).expect("all characters")),
            all
        );
    }

    #[test]
    fn decode_skips_specials_and_stops_at_eos() {
        let vocab = Vocab::standard();
        let mut tokens = vec![Vocab::BOS];
        tokens.extend(vocab.encode("12+3").expect("vocabulary"));
        tokens.push(Vocab::PAD);
        tokens.extend(vocab.encode("=15").expect("vocabulary"));
        tokens.push(Vocab::EOS);
        tokens.extend(vocab.encode("99").expect("vocabulary"));
        assert_eq!(vocab.decode(&tokens), "12+3=15");
        assert_eq!(vocab.decode(&[3, 1000, 4]), "0\u{FFFD}1");
    }

    #[test]
    fn unknown_character_names_it_and_its_position() {
        let error = Vocab::standard()
            .encode("12x4")
            .expect_err("x is not in the vocabulary");
        let message = error.to_string();
        assert!(message.contains("'x'"), "{message}");
        assert!(message.contains("position 2"), "{message}");
        assert!(message.contains("0123456789+-*/=(),:> "), "{message}");
    }
}
