//! The `[pricing]` section of `config.toml`: the user's own prices per model family, over the
//! bundled, dated table of `pcc-transcript` (a price changed since, a model it does not know yet,
//! a negotiated rate).
//!
//! ```toml
//! [pricing."claude-sonnet-4"]   # a family: the model id less its date, e.g. claude-sonnet-4-20250514
//! input = 3.0                   # USD per million tokens
//! output = 15.0
//! cache_write_5m = 3.75         # optional: 1.25 × input
//! cache_write_1h = 6.0          # optional: 2 × input
//! cache_read = 0.30             # optional: 0.1 × input
//! ```
//!
//! Global only: a project's file must not make its own sessions look cheaper.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The highest price per million tokens taken for real: a hundred times the dearest model
/// there has been. More is a typo (a price per token, or per thousand, written as per million
/// the other way round), and a wrong cost is worse than none.
pub const MAX_USD_PER_MILLION: f64 = 10_000.0;

/// What a cache write for 5 minutes costs, as a multiple of the input price, when the user gave
/// an input price and no cache prices: Anthropic's multiplier for every model so far.
pub const CACHE_WRITE_5M_MULTIPLIER: f64 = 1.25;
/// The same for a 1-hour cache write.
pub const CACHE_WRITE_1H_MULTIPLIER: f64 = 2.0;
/// The same for a cache read (some models since 2026 read cheaper: give `cache_read` for them).
pub const CACHE_READ_MULTIPLIER: f64 = 0.1;

/// `[pricing]`: model family → its prices, as written.
pub type PricingConfig = BTreeMap<String, ModelPrice>;

/// One family's prices in USD per million tokens, as the user wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Input tokens read neither from nor into the cache.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Input written to the 5-minute cache (default: 1.25 × `input`).
    pub cache_write_5m: Option<f64>,
    /// Input written to the 1-hour cache (default: 2 × `input`).
    pub cache_write_1h: Option<f64>,
    /// Input read from the cache (default: 0.1 × `input`).
    pub cache_read: Option<f64>,
}

impl ModelPrice {
    /// The 5-minute cache write price, given or derived.
    pub fn cache_write_5m(&self) -> f64 {
        self.cache_write_5m
            .unwrap_or(self.input * CACHE_WRITE_5M_MULTIPLIER)
    }

    /// The 1-hour cache write price, given or derived.
    pub fn cache_write_1h(&self) -> f64 {
        self.cache_write_1h
            .unwrap_or(self.input * CACHE_WRITE_1H_MULTIPLIER)
    }

    /// The cache read price, given or derived.
    pub fn cache_read(&self) -> f64 {
        self.cache_read
            .unwrap_or(self.input * CACHE_READ_MULTIPLIER)
    }
}

/// Checks every family name and price; the message names the key, e.g.
/// `pricing."claude-x".input must be … (it is -3)`.
pub fn validate(pricing: &PricingConfig) -> Result<(), String> {
    for (family, price) in pricing {
        let name = family.trim();
        if name.is_empty() || name != family || family.chars().any(char::is_uppercase) {
            return Err(format!(
                "pricing.\"{family}\": a model family is a lower-case model id without its date, \
                 e.g. \"claude-sonnet-4-5\""
            ));
        }
        let rates = [
            ("input", Some(price.input)),
            ("output", Some(price.output)),
            ("cache_write_5m", price.cache_write_5m),
            ("cache_write_1h", price.cache_write_1h),
            ("cache_read", price.cache_read),
        ];
        for (field, rate) in rates {
            if let Some(rate) = rate
                && !(rate.is_finite() && (0.0..=MAX_USD_PER_MILLION).contains(&rate))
            {
                return Err(format!(
                    "pricing.\"{family}\".{field} must be USD per million tokens, from 0 to \
                     {MAX_USD_PER_MILLION} (it is {rate})"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(input: f64) -> ModelPrice {
        ModelPrice {
            input,
            output: 15.0,
            cache_write_5m: None,
            cache_write_1h: None,
            cache_read: None,
        }
    }

    #[test]
    fn cache_prices_left_out_follow_the_input_price() {
        let sonnet = price(3.0);
        assert_eq!(
            (
                sonnet.cache_write_5m(),
                sonnet.cache_write_1h(),
                sonnet.cache_read()
            ),
            (3.75, 6.0, 0.30000000000000004)
        );
        let given = ModelPrice {
            cache_read: Some(0.1),
            ..sonnet
        };
        assert_eq!(given.cache_read(), 0.1);
    }

    #[test]
    fn bad_prices_and_names_are_refused_with_the_key() {
        let one = |family: &str, price: ModelPrice| {
            validate(&PricingConfig::from([(family.to_owned(), price)]))
        };
        assert_eq!(one("claude-sonnet-4", price(3.0)), Ok(()));
        let negative = one("claude-x", price(-3.0)).expect_err("negative");
        assert!(
            negative.contains("pricing.\"claude-x\".input"),
            "{negative}"
        );
        assert!(one("claude-x", price(f64::NAN)).is_err());
        assert!(one("claude-x", price(20_000.0)).is_err());
        let read = ModelPrice {
            cache_read: Some(-0.1),
            ..price(3.0)
        };
        assert!(
            one("claude-x", read)
                .expect_err("negative read")
                .contains(".cache_read")
        );
        assert!(one("", price(3.0)).is_err());
        assert!(one("Claude-Sonnet-4", price(3.0)).is_err());
        assert!(one(" claude-sonnet-4", price(3.0)).is_err());
    }
}
