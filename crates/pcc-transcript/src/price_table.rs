//! The bundled prices: USD per million tokens per model family, **as of 2026-12-02**.
//!
//! Source: Anthropic, "Pricing" (<https://platform.claude.com/docs/en/about-claude/pricing>,
//! "Model pricing" and "Long context pricing") and each model's overview page
//! (<https://platform.claude.com/docs/en/models/…/overview>), as read on 2026-12-02. Every
//! family ccusage 20.0.24 (2026-09-22) also prices was checked against it, one bucket at a time
//! (`ccusage claude session --offline --json` over a transcript of 100,000 tokens of one kind
//! per model): the same rates. Newer than ccusage 20.0.24: Opus 5.5 (2026-09-22), Sonnet 5.5
//! (cache reads cut from $0.20 to $0.10 on 2026-10-07; the table has the new rate) and Haiku 5.5.
//!
//! A family is a model id without its date (`claude-sonnet-4-5-20250929` →
//! `claude-sonnet-4-5`); see [`crate::family`]. A model that is not here has no price: its
//! tokens are counted and its cost is unknown, never 0, until `[pricing."<family>"]` in the
//! config gives one. Fast mode (`speed: "fast"`) is priced only by a `<family>-fast` entry of
//! the config.

use crate::pricing::{LongContext, Price, Rates};

/// The date the table was read from the source.
pub const AS_OF: &str = "2026-12-02";

const fn rates(
    input: f64,
    output: f64,
    cache_write_5m: f64,
    cache_write_1h: f64,
    cache_read: f64,
) -> Rates {
    Rates {
        input,
        output,
        cache_write_5m,
        cache_write_1h,
        cache_read,
    }
}

const fn flat(rates: Rates) -> Price {
    Price {
        rates,
        long_context: None,
    }
}

/// Fable 5.1 and Mythos 5.1: cache reads at 0.025 × input.
const FABLE_5_1: Price = flat(rates(10.0, 50.0, 12.5, 20.0, 0.25));
const FABLE_5: Price = flat(rates(10.0, 50.0, 12.5, 20.0, 1.0));
/// Opus 5.5: cache reads at 0.05 × input.
const OPUS_5_5: Price = flat(rates(4.0, 20.0, 5.0, 8.0, 0.20));
/// Opus 4.5 to 5.
const OPUS_5: Price = flat(rates(5.0, 25.0, 6.25, 10.0, 0.50));
/// Opus 3, 4 and 4.1.
const OPUS_4: Price = flat(rates(15.0, 75.0, 18.75, 30.0, 1.50));
/// Sonnet 5.5: cache reads at 0.05 × input since 2026-10-07.
const SONNET_5_5: Price = flat(rates(2.0, 10.0, 2.5, 4.0, 0.10));
const SONNET_5: Price = flat(rates(2.0, 10.0, 2.5, 4.0, 0.20));
/// Sonnet 3.5 to 4.6 (4.6 has no long-context surcharge).
const SONNET_3: Rates = rates(3.0, 15.0, 3.75, 6.0, 0.30);
/// Sonnet 4 and 4.5: a request of more than 200K input tokens (with the 1M context window) is
/// billed whole at the long-context rates, output included.
const SONNET_4: Price = Price {
    rates: SONNET_3,
    long_context: Some(LongContext {
        above_tokens: 200_000,
        rates: rates(6.0, 22.5, 7.5, 12.0, 0.60),
    }),
};
/// Haiku 5.5: priced by prompt length, a prompt of more than 100K tokens whole at the higher
/// band.
const HAIKU_5_5: Price = Price {
    rates: rates(0.10, 0.50, 0.125, 0.20, 0.01),
    long_context: Some(LongContext {
        above_tokens: 100_000,
        rates: rates(0.50, 2.50, 0.625, 1.00, 0.05),
    }),
};

/// Family → price.
pub(crate) const BUNDLED: &[(&str, Price)] = &[
    ("claude-fable-5-1", FABLE_5_1),
    ("claude-mythos-5-1", FABLE_5_1),
    ("claude-fable-5", FABLE_5),
    ("claude-mythos-5", FABLE_5),
    ("claude-opus-5-5", OPUS_5_5),
    ("claude-opus-5", OPUS_5),
    ("claude-opus-4-8", OPUS_5),
    ("claude-opus-4-7", OPUS_5),
    ("claude-opus-4-6", OPUS_5),
    ("claude-opus-4-5", OPUS_5),
    ("claude-opus-4-1", OPUS_4),
    ("claude-opus-4", OPUS_4),
    ("claude-3-opus", OPUS_4),
    ("claude-sonnet-5-5", SONNET_5_5),
    ("claude-sonnet-5", SONNET_5),
    ("claude-sonnet-4-6", flat(SONNET_3)),
    ("claude-sonnet-4-5", SONNET_4),
    ("claude-sonnet-4", SONNET_4),
    ("claude-3-7-sonnet", flat(SONNET_3)),
    ("claude-3-5-sonnet", flat(SONNET_3)),
    ("claude-haiku-5-5", HAIKU_5_5),
    ("claude-haiku-4-5", flat(rates(1.0, 5.0, 1.25, 2.0, 0.10))),
    ("claude-3-5-haiku", flat(rates(0.80, 4.0, 1.0, 1.6, 0.08))),
    ("claude-3-haiku", flat(rates(0.25, 1.25, 0.30, 0.50, 0.03))),
];
