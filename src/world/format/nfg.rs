//! Gambit's normal-form game format (`.nfg`, version 1), the format Gambit and OpenSpiel read.
//!
//! ```text
//! NFG 1 R "Matching pennies" { "Even" "Odd" } { 2 2 }
//! ""
//! 1 -1  -1 1  -1 1  1 -1
//! ```
//!
//! After `NFG 1 R` (or `D`) come the title, the players' names in braces and either
//! - the number of strategies per player (`{ 2 2 }`) followed by the **payoff list**: for every
//!   strategy profile, the payoff of each player in turn; or
//! - the strategies' names per player (`{ { "H" "T" } { "H" "T" } }`), an optional comment,
//!   the **outcomes** (`{ { "name" 1, -1 } … }`), and one outcome number per profile (counted
//!   from 1; 0 is the null outcome, which pays 0 to everyone).
//!
//! An optional comment string may follow the strategy block. Profiles are listed with the
//! **first player's strategy changing fastest**. Payoffs are integers, decimals (with an
//! exponent) or rationals `p/q`. The game is read as a one-state, γ = 0 [`MarkovGame`].

use crate::core::error::{Error, Result};
use crate::world::game::markov_game::{encode_joint, joint_count};
use crate::world::game::{GameSpec, MarkovGame};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
}

struct Tokens {
    items: Vec<(Token, usize)>,
    next: usize,
}

fn tokenize(text: &str) -> Result<Tokens> {
    let mut items = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() || c == ',' => {
                chars.next();
            }
            '{' => {
                chars.next();
                items.push((Token::Open, line));
            }
            '}' => {
                chars.next();
                items.push((Token::Close, line));
            }
            '"' => {
                let start = line;
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(Error::invalid(
                                format!("line {start}"),
                                "a quoted string is never closed",
                                "a closing \"",
                            ));
                        }
                        Some('\\') => {
                            if let Some(escaped) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        Some('"') => break,
                        Some(other) => {
                            if other == '\n' {
                                line += 1;
                            }
                            value.push(other);
                        }
                    }
                }
                items.push((Token::Text(value), start));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '{' | '}' | '"' | ',') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                items.push((Token::Word(word), line));
            }
        }
    }
    Ok(Tokens { items, next: 0 })
}

impl Tokens {
    fn peek(&self) -> Option<&Token> {
        self.items.get(self.next).map(|(t, _)| t)
    }

    fn line(&self) -> usize {
        self.items
            .get(self.next)
            .or(self.items.last())
            .map_or(1, |(_, l)| *l)
    }

    fn take(&mut self, what: &str) -> Result<Token> {
        let line = self.line();
        match self.items.get(self.next) {
            Some((token, _)) => {
                self.next += 1;
                Ok(token.clone())
            }
            None => Err(Error::invalid(
                format!("line {line}"),
                "the file ends early",
                format!("expected {what}"),
            )),
        }
    }

    fn expect(&mut self, wanted: &Token, what: &str) -> Result<()> {
        let line = self.line();
        let token = self.take(what)?;
        if &token == wanted {
            Ok(())
        } else {
            Err(Error::invalid(
                format!("line {line}"),
                format!("found {}", describe(&token)),
                format!("expected {what}"),
            ))
        }
    }

    fn text(&mut self, what: &str) -> Result<String> {
        let line = self.line();
        match self.take(what)? {
            Token::Text(value) => Ok(value),
            other => Err(Error::invalid(
                format!("line {line}"),
                format!("found {}", describe(&other)),
                format!("expected {what} (a quoted string)"),
            )),
        }
    }

    fn number(&mut self, what: &str) -> Result<f64> {
        let line = self.line();
        match self.take(what)? {
            Token::Word(word) => parse_number(&word).ok_or_else(|| {
                Error::invalid(
                    format!("line {line}"),
                    format!("found `{word}`"),
                    format!("expected {what}: an integer, a decimal or a rational p/q"),
                )
            }),
            other => Err(Error::invalid(
                format!("line {line}"),
                format!("found {}", describe(&other)),
                format!("expected {what}"),
            )),
        }
    }

    /// Quoted strings up to the closing brace (the opening one already read).
    fn texts_until_close(&mut self, what: &str) -> Result<Vec<String>> {
        let mut values = Vec::new();
        while self.peek() != Some(&Token::Close) {
            values.push(self.text(what)?);
        }
        self.take("}")?;
        Ok(values)
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("`{w}`"),
        Token::Text(t) => format!("the string \"{t}\""),
        Token::Open => "`{`".into(),
        Token::Close => "`}`".into(),
    }
}

/// An integer, a decimal (with optional exponent) or a rational p/q with q ≠ 0, finite.
fn parse_number(word: &str) -> Option<f64> {
    let value = match word.split_once('/') {
        Some((p, q)) => {
            let (p, q) = (p.parse::<f64>().ok()?, q.parse::<f64>().ok()?);
            if q == 0.0 {
                return None;
            }
            p / q
        }
        None => word.parse::<f64>().ok()?,
    };
    value.is_finite().then_some(value)
}

/// Reads an `.nfg` document; `name` is used when the title is empty.
pub fn parse(text: &str, name: &str) -> Result<MarkovGame> {
    let mut tokens = tokenize(text)?;
    tokens.expect(&Token::Word("NFG".into()), "the header `NFG 1 R`")?;
    tokens.expect(&Token::Word("1".into()), "the version 1 after NFG")?;
    let line = tokens.line();
    match tokens.take("R or D after the version")? {
        Token::Word(w) if w == "R" || w == "D" => {}
        other => {
            return Err(Error::invalid(
                format!("line {line}"),
                format!("found {}", describe(&other)),
                "expected R or D after `NFG 1`",
            ));
        }
    }
    let title = tokens.text("the game's title")?;
    tokens.expect(&Token::Open, "`{` before the players' names")?;
    let players = tokens.texts_until_close("a player's name")?;
    if players.is_empty() {
        return Err(Error::invalid(
            "players",
            "no players",
            "at least one player",
        ));
    }
    tokens.expect(&Token::Open, "`{` before the strategies")?;
    let (counts, strategy_names) = if tokens.peek() == Some(&Token::Open) {
        let mut names = Vec::new();
        while tokens.peek() == Some(&Token::Open) {
            tokens.take("{")?;
            names.push(tokens.texts_until_close("a strategy's name")?);
        }
        tokens.expect(&Token::Close, "`}` after the strategies")?;
        (names.iter().map(Vec::len).collect::<Vec<_>>(), Some(names))
    } else {
        let mut counts = Vec::new();
        while tokens.peek() != Some(&Token::Close) {
            let line = tokens.line();
            let count = tokens.number("a number of strategies")?;
            if !(count >= 1.0 && count.fract() == 0.0 && count <= 1e9) {
                return Err(Error::invalid(
                    format!("line {line}"),
                    format!("found {count} strategies"),
                    "a positive whole number of strategies",
                ));
            }
            counts.push(count as usize);
        }
        tokens.take("}")?;
        (counts, None)
    };
    if counts.len() != players.len() {
        return Err(Error::invalid(
            "strategies",
            format!("found strategies for {} players", counts.len()),
            format!("one entry per player ({})", players.len()),
        ));
    }
    let profiles = joint_count(&counts).map_err(|e| e.with_field(|_| "strategies".into()))?;
    crate::world::game::markov_game::check_dense_size(1, profiles)
        .map_err(|e| e.with_field(|_| "strategies".into()))?;
    let n = players.len();
    let mut description = String::new();
    if let Some(Token::Text(_)) = tokens.peek() {
        description = tokens.text("the comment")?;
    }
    // payoffs[k][i]: player i's payoff at profile k (first player fastest).
    let payoffs: Vec<Vec<f64>> = if strategy_names.is_some() || tokens.peek() == Some(&Token::Open)
    {
        read_outcomes(&mut tokens, n, profiles)?
    } else {
        let mut payoffs = Vec::with_capacity(profiles);
        for k in 0..profiles {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(tokens.number(&format!(
                    "the payoff of player {} at profile {} (the payoff list has {} numbers)",
                    i + 1,
                    k + 1,
                    profiles * n
                ))?);
            }
            payoffs.push(row);
        }
        payoffs
    };
    if tokens.peek().is_some() {
        let line = tokens.line();
        return Err(Error::invalid(
            format!("line {line}"),
            "more numbers than the game has payoffs",
            format!(
                "{} profiles × {} players = {} payoffs",
                profiles,
                n,
                profiles * n
            ),
        ));
    }
    // Profile k (first player fastest) → policylab's joint index (first player slowest).
    let mut rewards = vec![vec![vec![0.0; profiles]]; n];
    for (k, row) in payoffs.iter().enumerate() {
        let mut rest = k;
        let mut actions = vec![0; n];
        for (slot, &count) in actions.iter_mut().zip(&counts) {
            *slot = rest % count;
            rest /= count;
        }
        let joint = encode_joint(&counts, &actions);
        for (i, &payoff) in row.iter().enumerate() {
            rewards[i][0][joint] = payoff;
        }
    }
    MarkovGame::new(GameSpec {
        name: if title.trim().is_empty() {
            name.to_string()
        } else {
            title
        },
        description,
        n_states: 1,
        actions: counts,
        gamma: 0.0,
        initial: vec![1.0],
        rewards,
        transitions: vec![vec![vec![(0, 1.0)]; profiles]],
        state_names: None,
        player_names: Some(players),
        action_names: strategy_names,
    })
}

fn read_outcomes(tokens: &mut Tokens, n: usize, profiles: usize) -> Result<Vec<Vec<f64>>> {
    tokens.expect(&Token::Open, "`{` before the outcomes")?;
    let mut outcomes: Vec<Vec<f64>> = Vec::new();
    while tokens.peek() == Some(&Token::Open) {
        tokens.take("{")?;
        let line = tokens.line();
        tokens.text("the outcome's name")?;
        let mut payoffs = Vec::with_capacity(n);
        while tokens.peek() != Some(&Token::Close) {
            payoffs.push(tokens.number("an outcome's payoff")?);
        }
        tokens.take("}")?;
        if payoffs.len() != n {
            return Err(Error::invalid(
                format!("line {line}"),
                format!(
                    "outcome {} has {} payoffs",
                    outcomes.len() + 1,
                    payoffs.len()
                ),
                format!("one payoff per player ({n})"),
            ));
        }
        outcomes.push(payoffs);
    }
    tokens.expect(&Token::Close, "`}` after the outcomes")?;
    let mut result = Vec::with_capacity(profiles);
    for k in 0..profiles {
        let line = tokens.line();
        let index = tokens.number(&format!(
            "the outcome of profile {} ({} outcome numbers, one per profile)",
            k + 1,
            profiles
        ))?;
        if !(index >= 0.0 && index.fract() == 0.0 && index <= outcomes.len() as f64) {
            return Err(Error::invalid(
                format!("line {line}"),
                format!("profile {} names outcome {index}", k + 1),
                format!(
                    "an outcome number from 0 (null outcome) to {}",
                    outcomes.len()
                ),
            ));
        }
        let index = index as usize;
        result.push(if index == 0 {
            vec![0.0; n]
        } else {
            outcomes[index - 1].clone()
        });
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payoff_list_orders_profiles_with_the_first_player_fastest() {
        // Profiles (1,1), (2,1), (1,2), (2,2): player 1 fastest.
        let game = parse(
            "NFG 1 R \"g\" { \"A\" \"B\" } { 2 2 }\n\"\"\n1 10 2 20 3 30 4 40\n",
            "x",
        )
        .unwrap();
        let r = game.reward(0);
        // joint = a·2 + b; profile (a=1,b=0) is the second listed → payoff 2.
        assert_eq!(r[[0, 0]], 1.0);
        assert_eq!(r[[0, 2]], 2.0);
        assert_eq!(r[[0, 1]], 3.0);
        assert_eq!(r[[0, 3]], 4.0);
        assert_eq!(game.reward(1)[[0, 2]], 20.0);
    }

    #[test]
    fn outcome_form_with_null_outcomes_and_rationals() {
        let text = "NFG 1 R \"o\" { \"P1\" \"P2\" }\n{ { \"a\" \"b\" } { \"c\" } }\n\"note\"\n{ { \"x\" 1/2, -1/2 } { \"y\" 3 -3 } }\n2 0\n";
        let game = parse(text, "x").unwrap();
        assert_eq!(game.action_counts(), &[2, 1]);
        assert_eq!(game.reward(0)[[0, 0]], 3.0);
        assert_eq!(game.reward(0)[[0, 1]], 0.0);
        assert_eq!(game.action_label(0, 1), "b");
    }

    #[test]
    fn a_wrong_payoff_count_is_an_error() {
        let short = parse("NFG 1 R \"g\" { \"A\" \"B\" } { 2 2 } 1 2 3", "x").unwrap_err();
        assert!(short.to_string().contains("ends early"), "{short}");
        let long = parse("NFG 1 R \"g\" { \"A\" } { 2 } 1 2 3", "x").unwrap_err();
        assert!(long.to_string().contains("more numbers"), "{long}");
    }
}
