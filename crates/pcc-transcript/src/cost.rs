//! What a set of messages cost, per model and in all: what `status` shows per session and
//! `pcc-hooks cost` per project and day.
//!
//! A model without a price never costs 0: its tokens are counted, its cost is unknown, and so
//! is the total it is part of ([`CostSummary::cost`] is `None`, [`CostSummary::unpriced_models`]
//! names it); what the priced models cost is still there ([`CostSummary::priced_cost`]).

use crate::pricing::{PriceTable, Usd};
use crate::usage::{MessageUsage, Tokens};
use serde::Serialize;
use std::collections::BTreeMap;

/// One model's part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCost {
    /// The model id as the transcript has it.
    pub model: String,
    /// API messages it answered.
    pub messages: u64,
    /// Their tokens.
    pub tokens: Tokens,
    /// What they cost; `None` when the model has no price.
    pub cost_usd: Option<Usd>,
}

/// What some messages cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CostSummary {
    /// API messages counted.
    pub messages: u64,
    /// Every token.
    pub tokens: Tokens,
    /// The whole cost; `None` when a model with tokens has no price.
    pub cost_usd: Option<Usd>,
    /// What the models with a price cost.
    pub priced_cost_usd: Usd,
    /// Models with tokens and no price.
    pub unpriced_models: Vec<String>,
    /// Per model, by model id.
    pub models: Vec<ModelCost>,
}

impl CostSummary {
    /// The summary of `messages`, priced with `table`.
    pub fn of<'a>(
        messages: impl IntoIterator<Item = &'a MessageUsage>,
        table: &PriceTable,
    ) -> CostSummary {
        let mut models: BTreeMap<(String, bool), ModelCost> = BTreeMap::new();
        for message in messages {
            let cost = table.cost(message);
            let entry = models
                .entry((message.model.clone(), message.fast))
                .or_insert_with(|| ModelCost {
                    model: if message.fast {
                        format!("{}-fast", message.model)
                    } else {
                        message.model.clone()
                    },
                    messages: 0,
                    tokens: Tokens::default(),
                    cost_usd: Some(Usd::default()),
                });
            entry.messages += 1;
            entry.tokens += message.tokens;
            entry.cost_usd = match (entry.cost_usd, cost) {
                (Some(mut sum), Some(cost)) => {
                    sum += cost;
                    Some(sum)
                }
                _ => None,
            };
        }
        let mut summary = CostSummary::default();
        for model in models.into_values() {
            summary.messages += model.messages;
            summary.tokens += model.tokens;
            match model.cost_usd {
                Some(cost) => summary.priced_cost_usd += cost,
                None => summary.unpriced_models.push(model.model.clone()),
            }
            summary.models.push(model);
        }
        summary.cost_usd = summary
            .unpriced_models
            .is_empty()
            .then_some(summary.priced_cost_usd);
        summary
    }

    /// `$1.23`, or what is known and a question mark when a model has no price
    /// (`$1.23+?`, `?`): never a silent 0.
    pub fn cost_text(&self) -> String {
        match self.cost_usd {
            Some(cost) => cost.to_string(),
            None if self.priced_cost_usd == Usd::default() => "?".to_owned(),
            None => format!("{}+?", self.priced_cost_usd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(model: &str, output: u64) -> MessageUsage {
        MessageUsage {
            message_id: None,
            request_id: None,
            model: model.to_owned(),
            at: None,
            tokens: Tokens {
                input: 1_000,
                output,
                ..Tokens::default()
            },
            fast: false,
            sidechain: false,
        }
    }

    #[test]
    fn a_model_without_a_price_makes_the_total_unknown_not_zero() {
        let table = PriceTable::bundled();
        let messages = [
            message("claude-sonnet-4-5", 1_000),
            message("claude-nonexistent-9", 5),
            message("claude-sonnet-4-5-20250929", 0),
        ];
        let summary = CostSummary::of(&messages, &table);
        assert_eq!(summary.messages, 3);
        assert_eq!(summary.tokens.input, 3_000, "every token is counted");
        assert_eq!(summary.tokens.output, 1_005);
        assert_eq!(summary.cost_usd, None);
        assert_eq!(summary.unpriced_models, vec!["claude-nonexistent-9"]);
        // 2000 × 3 + 1000 × 15, per million
        assert_eq!(summary.priced_cost_usd.picodollars(), 21_000_000_000);
        assert_eq!(summary.cost_text(), "$0.02+?");
        let unknown = summary
            .models
            .iter()
            .find(|model| model.model == "claude-nonexistent-9")
            .expect("listed");
        assert_eq!((unknown.cost_usd, unknown.tokens.input), (None, 1_000));
        let json = serde_json::to_value(&summary).expect("json");
        assert_eq!(json["cost_usd"], serde_json::Value::Null);
        assert_eq!(json["tokens"]["total"], 4_005);
    }

    #[test]
    fn all_priced_gives_the_sum() {
        let summary = CostSummary::of(
            &[
                message("claude-opus-4-1", 8),
                message("claude-haiku-4-5", 0),
            ],
            &PriceTable::bundled(),
        );
        // 1000 × 15 + 8 × 75 + 1000 × 1
        assert_eq!(summary.cost_usd.map(Usd::picodollars), Some(16_600_000_000));
        assert!(summary.unpriced_models.is_empty());
        assert_eq!(
            CostSummary::of(&[], &PriceTable::bundled()).cost_text(),
            "$0.00"
        );
        assert_eq!(
            CostSummary::of(&[message("claude-x", 1)], &PriceTable::bundled()).cost_text(),
            "?"
        );
    }
}
