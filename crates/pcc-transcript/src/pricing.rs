//! What tokens cost: the bundled table ([`crate::price_table`]) with the config's
//! `[pricing."<family>"]` over it, and the cost of one message.
//!
//! Costs are summed exactly, in millionths of a dollar per million tokens times tokens
//! (picodollars, [`Usd`]): a report adds up to the cent whatever the number of messages, and a
//! test can expect an exact figure.

use crate::price_table::BUNDLED;
use crate::usage::{MessageUsage, Tokens};
use pcc_core::config::PricingConfig;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::AddAssign;

/// USD per million tokens, by kind of token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Input read neither from nor into the cache.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Input written to the 5-minute cache.
    pub cache_write_5m: f64,
    /// Input written to the 1-hour cache.
    pub cache_write_1h: f64,
    /// Input read from the cache.
    pub cache_read: f64,
}

/// The rates of a request that read more than `above_tokens` (input, cache writes and reads),
/// which then apply to all of it, output included: Anthropic's long-context pricing, and
/// Haiku 5.5's prompt-length bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongContext {
    /// The threshold, exclusive.
    pub above_tokens: u64,
    /// The rates beyond it.
    pub rates: Rates,
}

/// A model family's price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// The rates of an ordinary request.
    pub rates: Rates,
    /// Other rates for long requests, when the family has them.
    pub long_context: Option<LongContext>,
}

impl Price {
    /// What one message with `tokens` costs.
    pub fn cost(&self, tokens: &Tokens) -> Usd {
        let rates = match self.long_context {
            Some(long) if tokens.context() > long.above_tokens => long.rates,
            _ => self.rates,
        };
        let part = |count: u64, rate: f64| u128::from(count) * u128::from(micro(rate));
        Usd(part(tokens.input, rates.input)
            + part(tokens.output, rates.output)
            + part(tokens.cache_write_5m, rates.cache_write_5m)
            + part(tokens.cache_write_1h, rates.cache_write_1h)
            + part(tokens.cache_read, rates.cache_read))
    }
}

/// A rate in millionths of a dollar per million tokens (rates are validated to lie between 0
/// and 10,000, so the conversion neither saturates nor loses more than a rounding).
fn micro(rate: f64) -> u64 {
    (rate * 1e6).round() as u64
}

/// An amount of US dollars, exact: picodollars (a millionth of a millionth).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usd(u128);

impl Usd {
    /// The amount of `picodollars`.
    pub fn from_picodollars(picodollars: u128) -> Usd {
        Usd(picodollars)
    }

    /// In picodollars.
    pub fn picodollars(self) -> u128 {
        self.0
    }

    /// In dollars, for showing (`status --json`'s `cost_usd`).
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 1e12
    }
}

impl AddAssign for Usd {
    fn add_assign(&mut self, other: Usd) {
        self.0 = self.0.saturating_add(other.0);
    }
}

/// `$1.23`; below a cent, enough digits to show it is not nothing (`$0.0042`).
impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dollars = self.dollars();
        if self.0 == 0 || dollars >= 0.01 {
            write!(f, "${dollars:.2}")
        } else {
            write!(f, "${dollars:.4}")
        }
    }
}

/// Serialized as dollars, a JSON number.
impl Serialize for Usd {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.dollars())
    }
}

/// Prices by model family.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    families: BTreeMap<String, Price>,
}

impl PriceTable {
    /// The bundled table alone.
    pub fn bundled() -> PriceTable {
        PriceTable {
            families: BUNDLED
                .iter()
                .map(|(family, price)| ((*family).to_owned(), *price))
                .collect(),
        }
    }

    /// The bundled table with the config's `[pricing]` over it: a family given there replaces
    /// the bundled one whole (its long-context rates too), and any other family is added.
    pub fn with_config(pricing: &PricingConfig) -> PriceTable {
        let mut table = PriceTable::bundled();
        for (family, price) in pricing {
            table.families.insert(
                family.clone(),
                Price {
                    rates: Rates {
                        input: price.input,
                        output: price.output,
                        cache_write_5m: price.cache_write_5m(),
                        cache_write_1h: price.cache_write_1h(),
                        cache_read: price.cache_read(),
                    },
                    long_context: None,
                },
            );
        }
        table
    }

    /// The price of `model`'s family (`<family>-fast` in fast mode); `None` when unknown.
    pub fn price(&self, model: &str, fast: bool) -> Option<&Price> {
        let family = family(model);
        if fast {
            self.families.get(&format!("{family}-fast"))
        } else {
            self.families.get(&family)
        }
    }

    /// What one message cost; `None` when its model has no price.
    pub fn cost(&self, message: &MessageUsage) -> Option<Usd> {
        self.price(&message.model, message.fast)
            .map(|price| price.cost(&message.tokens))
    }
}

/// The family of a model id, the key of the price table: lower case, without a provider's
/// prefix or suffix (`anthropic/…`, `us.anthropic.…`, `…-v1:0`, `…@20250514`), the 1M-context
/// marker (`[1m]`), `-latest` or the release date (`-20250929`).
pub fn family(model: &str) -> String {
    let mut id = model.trim().to_lowercase();
    if let Some(slash) = id.rfind('/') {
        id = id[slash + 1..].to_owned();
    }
    if let Some(start) = id.find("claude") {
        id = id[start..].to_owned();
    }
    for marker in ["[1m]", "-latest"] {
        if let Some(stripped) = id.strip_suffix(marker) {
            id = stripped.to_owned();
        }
    }
    if let Some(at) = id.find('@') {
        id.truncate(at);
    }
    if let Some(version) = id.rfind("-v")
        && id[version + 2..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':')
        && id.len() > version + 2
    {
        id.truncate(version);
    }
    if let Some(date) = id.rfind('-')
        && id.len() - date == 9
        && id[date + 1..].chars().all(|c| c.is_ascii_digit())
    {
        id.truncate(date);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcc_core::config::ModelPrice;

    fn tokens(input: u64, output: u64, write_5m: u64, write_1h: u64, read: u64) -> Tokens {
        Tokens {
            input,
            output,
            cache_write_5m: write_5m,
            cache_write_1h: write_1h,
            cache_read: read,
        }
    }

    #[test]
    fn model_ids_come_down_to_their_family() {
        for (model, expected) in [
            ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
            ("claude-sonnet-4-5", "claude-sonnet-4-5"),
            ("claude-opus-4-6[1m]", "claude-opus-4-6"),
            ("Claude-Opus-4-1", "claude-opus-4-1"),
            ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
            ("anthropic/claude-haiku-4-5", "claude-haiku-4-5"),
            (
                "us.anthropic.claude-sonnet-4-20250514-v1:0",
                "claude-sonnet-4",
            ),
            ("claude-opus-4-1@20250805", "claude-opus-4-1"),
            ("claude-fable-5-1", "claude-fable-5-1"),
            ("<synthetic>", "<synthetic>"),
        ] {
            assert_eq!(family(model), expected, "{model}");
        }
    }

    #[test]
    fn a_family_is_matched_whole_never_by_prefix() {
        let table = PriceTable::bundled();
        assert!(table.price("claude-opus-4-9", false).is_none());
        assert!(table.price("claude-sonnet-4-5-extra", false).is_none());
        assert_eq!(
            table.price("claude-opus-4-20250514", false),
            table.price("claude-opus-4-1", false)
        );
    }

    #[test]
    fn each_kind_of_token_has_its_rate() {
        let sonnet = PriceTable::bundled()
            .price("claude-sonnet-4-5", false)
            .copied()
            .expect("sonnet");
        // 1231 × 3 + 382 × 15 + 1000 × 3.75 + 2000 × 6 + 40044 × 0.3 = 37186.2 per million
        assert_eq!(
            sonnet
                .cost(&tokens(1231, 382, 1000, 2000, 40044))
                .picodollars(),
            37_186_200_000
        );
        let fable = PriceTable::bundled()
            .price("claude-fable-5-1", false)
            .copied()
            .expect("fable");
        assert_eq!(
            fable.cost(&tokens(0, 0, 0, 0, 1_000_000)).dollars(),
            0.25,
            "Fable 5.1 reads at 0.025 × input"
        );
    }

    #[test]
    fn a_long_request_is_priced_whole_at_the_long_context_rates() {
        let sonnet = PriceTable::bundled()
            .price("claude-sonnet-4-5", false)
            .copied()
            .expect("sonnet");
        let at_threshold = sonnet.cost(&tokens(100_000, 1_000, 0, 0, 100_000));
        assert_eq!(at_threshold.picodollars(), 345_000_000_000);
        let above = sonnet.cost(&tokens(100_001, 1_000, 0, 0, 100_000));
        // 100001 × 6 + 1000 × 22.5 + 100000 × 0.6
        assert_eq!(above.picodollars(), 682_506_000_000);
        let haiku = PriceTable::bundled()
            .price("claude-haiku-5-5", false)
            .copied()
            .expect("haiku 5.5");
        assert_eq!(
            haiku.cost(&tokens(100_001, 0, 0, 0, 0)).picodollars(),
            50_000_500_000
        );
    }

    #[test]
    fn the_config_replaces_a_family_and_adds_others() {
        let config = PricingConfig::from([
            (
                "claude-sonnet-4-5".to_owned(),
                ModelPrice {
                    input: 1.0,
                    output: 2.0,
                    cache_write_5m: None,
                    cache_write_1h: None,
                    cache_read: Some(0.05),
                },
            ),
            (
                "claude-opus-4-6-fast".to_owned(),
                ModelPrice {
                    input: 30.0,
                    output: 150.0,
                    cache_write_5m: None,
                    cache_write_1h: None,
                    cache_read: None,
                },
            ),
        ]);
        let table = PriceTable::with_config(&config);
        let sonnet = table
            .price("claude-sonnet-4-5-20250929", false)
            .copied()
            .expect("sonnet");
        assert_eq!(
            sonnet.cost(&tokens(1_000_000, 0, 1_000_000, 0, 1_000_000)),
            Usd::from_picodollars(2_300_000_000_000),
            "1 + 1.25 + 0.05"
        );
        assert_eq!(
            sonnet.cost(&tokens(300_000, 0, 0, 0, 0)).picodollars(),
            300_000_000_000,
            "an override has no long-context rates"
        );
        assert!(
            PriceTable::bundled()
                .price("claude-opus-4-6", true)
                .is_none()
        );
        assert!(table.price("claude-opus-4-6", true).is_some());
    }

    #[test]
    fn amounts_show_cents_or_enough_digits() {
        assert_eq!(Usd::from_picodollars(0).to_string(), "$0.00");
        assert_eq!(Usd::from_picodollars(37_904_700_000).to_string(), "$0.04");
        assert_eq!(Usd::from_picodollars(4_200_000_000).to_string(), "$0.0042");
        assert_eq!(
            serde_json::to_string(&Usd::from_picodollars(37_904_700_000)).expect("json"),
            "0.0379047"
        );
    }
}
