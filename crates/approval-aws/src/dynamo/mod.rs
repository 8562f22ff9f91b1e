//! The approval store over one DynamoDB table. Every guarantee of the flows (one answer per token, a newer
//! scan state never overwritten by an older one, a live claim never stolen) rests on the conditional writes
//! here; the item layout is in `item.rs` and documented in the README.

mod config;
mod item;
mod table;

use std::error::Error as StdError;

use approval_core::ids::ImageDigest;
use approval_core::ports::{ApprovalStore, Inserted, PortError};
use approval_core::record::{
    ApprovalKey, ApprovalRecord, ApprovalState, DecisionRecord, DigestState, ScanState, StoredApproval,
};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

pub use config::{DEFAULT_RETENTION_DAYS, RETENTION_VAR, StoreConfig, StoreConfigError, TABLE_VAR};
pub use table::create_table;

use item::{Item, Stored, attr, describe, n, s};

const PUT_ITEM: &str = "DynamoDB PutItem";
const UPDATE_ITEM: &str = "DynamoDB UpdateItem";
const QUERY: &str = "DynamoDB Query";
const SCAN: &str = "DynamoDB Scan";

/// [`ApprovalStore`] over the approval table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    config: StoreConfig,
}

/// What a conditional update did.
enum Conditional {
    Applied,
    /// The condition failed; the item as it was, when asked for.
    Refused(Option<Item>),
}

impl DynamoStore {
    pub fn new(client: aws_sdk_dynamodb::Client, config: StoreConfig) -> Self {
        DynamoStore { client, config }
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// One UpdateItem on an approval. `names` are the attributes the expressions refer to as `#name`
    /// (DynamoDB refuses unused ones, and `state`, `ttl`, `token`… are reserved words).
    async fn update(
        &self,
        key: &ApprovalKey,
        update: &str,
        condition: &str,
        names: &[&str],
        values: Vec<(String, AttributeValue)>,
        return_old: bool,
    ) -> Result<Conditional, PortError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.config.table)
            .set_key(Some(item::approval_key(key)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(
                names.iter().map(|name| (format!("#{name}"), (*name).to_owned())).collect(),
            ))
            .set_expression_attribute_values(Some(values.into_iter().collect()));
        if return_old {
            request = request.return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        }
        match request.send().await {
            Ok(_) => Ok(Conditional::Applied),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let old = match e.into_err() {
                    UpdateItemError::ConditionalCheckFailedException(c) => c.item,
                    _ => None,
                };
                Ok(Conditional::Refused(old))
            }
            Err(e) => Err(sdk_error(UPDATE_ITEM, &describe(key), e)),
        }
    }

    /// One read of a partition no item has: the client resolves its endpoint and credentials and opens its
    /// connection (DNS, TCP, TLS), so that the first event does not wait for them. Costs half a read unit.
    pub async fn connect(&self) -> Result<(), PortError> {
        self.partition_query("connect-at-init")
            .limit(1)
            .send()
            .await
            .map(drop)
            .map_err(|e| sdk_error(QUERY, "the connection check", e))
    }

    /// A Query of one partition of the table (the items of one digest).
    fn partition_query(&self, digest: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.config.table)
            .key_condition_expression("#digest = :digest")
            .expression_attribute_names("#digest", attr::DIGEST)
            .expression_attribute_values(":digest", s(digest))
    }

    /// Every item of a digest's partition, all pages, strongly consistent.
    async fn partition(&self, digest: &ImageDigest) -> Result<Vec<Item>, PortError> {
        let mut pages = self.partition_query(digest.as_str()).consistent_read(true).into_paginator();
        if let Some(size) = self.config.page_size {
            pages = pages.page_size(size);
        }
        let mut stream = pages.items().send();
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            items.push(item.map_err(|e| sdk_error(QUERY, &format!("items of {digest}"), e))?);
        }
        Ok(items)
    }

    /// Every pending approval in the table, all pages. Operators only: a Scan reads the whole table.
    async fn all_pending(&self) -> Result<Vec<ApprovalRecord>, PortError> {
        let mut pages = self
            .client
            .scan()
            .table_name(&self.config.table)
            .filter_expression("#kind = :approval AND #state = :pending")
            .expression_attribute_names("#kind", attr::KIND)
            .expression_attribute_names("#state", attr::STATE)
            .expression_attribute_values(":approval", s(item::KIND_APPROVAL))
            .expression_attribute_values(":pending", s(ApprovalState::Pending.as_str()))
            .consistent_read(true)
            .into_paginator();
        if let Some(size) = self.config.page_size {
            pages = pages.page_size(size);
        }
        let mut stream = pages.items().send();
        let mut records = Vec::new();
        while let Some(found) = stream.next().await {
            let found = found.map_err(|e| sdk_error(SCAN, "pending approvals", e))?;
            let stored = item::parse_approval(&found).map_err(|e| PortError::new(SCAN, e.to_string()))?;
            records.push(stored.record);
        }
        Ok(records)
    }
}

impl ApprovalStore for DynamoStore {
    async fn insert_approval(&self, record: &ApprovalRecord) -> Result<Inserted, PortError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.config.table)
            .set_item(Some(item::approval_item(record, self.config.retention)))
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", attr::SK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Inserted::New),
            Err(e) if e.as_service_error().is_some_and(PutItemError::is_conditional_check_failed_exception) => {
                Ok(Inserted::Duplicate)
            }
            Err(e) => Err(sdk_error(PUT_ITEM, &describe(&record.key), e)),
        }
    }

    async fn digest_state(&self, digest: &ImageDigest) -> Result<DigestState, PortError> {
        let mut state = DigestState::default();
        for found in self.partition(digest).await? {
            match item::parse_item(&found).map_err(|e| PortError::new(QUERY, format!("items of {digest}: {e}")))? {
                Stored::Approval(approval) => state.approvals.push(*approval),
                Stored::Scan(scan) => state.scan = Some(scan),
            }
        }
        Ok(state)
    }

    async fn retire(&self, key: &ApprovalKey, to: ApprovalState) -> Result<bool, PortError> {
        let outcome = self
            .update(
                key,
                "SET #state = :to",
                "#state = :pending",
                &[attr::STATE],
                values([(":to", s(to.as_str())), (":pending", s(ApprovalState::Pending.as_str()))]),
                false,
            )
            .await?;
        Ok(matches!(outcome, Conditional::Applied))
    }

    async fn remember_scan(&self, scan: &ScanState) -> Result<(), PortError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.config.table)
            .set_item(Some(item::scan_item(scan, self.config.scan_retention)))
            // Events arrive out of order: a stored state observed later than this one stays.
            .condition_expression("attribute_not_exists(#sk) OR #observed_epoch <= :new")
            .expression_attribute_names("#sk", attr::SK)
            .expression_attribute_names("#observed_epoch", attr::OBSERVED_EPOCH)
            .expression_attribute_values(":new", n(scan.observed_at.timestamp()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(PutItemError::is_conditional_check_failed_exception) => Ok(()),
            Err(e) => Err(sdk_error(PUT_ITEM, &format!("scan state of {}", scan.digest), e)),
        }
    }

    async fn claim(
        &self,
        key: &ApprovalKey,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        // `expires_epoch` is rounded down and `claim_until` up, so whole seconds never make an expired
        // approval claimable or end a live claim early.
        let outcome = self
            .update(
                key,
                "SET #claim_owner = :owner, #claim_until = :until",
                "#state = :pending AND #expires_epoch > :now \
                 AND (attribute_not_exists(#claim_until) OR #claim_until <= :now)",
                &[attr::CLAIM_OWNER, attr::CLAIM_UNTIL, attr::STATE, attr::EXPIRES_EPOCH],
                values([
                    (":owner", s(owner)),
                    (":until", n(item::epoch_ceil(until))),
                    (":pending", s(ApprovalState::Pending.as_str())),
                    (":now", n(now.timestamp())),
                ]),
                false,
            )
            .await?;
        Ok(matches!(outcome, Conditional::Applied))
    }

    async fn finish(
        &self,
        key: &ApprovalKey,
        owner: &str,
        state: ApprovalState,
        decision: &DecisionRecord,
    ) -> Result<(), PortError> {
        let mut names = vec![attr::STATE, attr::CLAIM_OWNER, attr::CLAIM_UNTIL];
        let mut sets = vec!["#state = :state".to_owned()];
        let mut values = values([(":state", s(state.as_str())), (":owner", s(owner))]);
        for (name, value) in item::decision_attributes(decision) {
            names.push(name);
            sets.push(format!("#{name} = :{name}"));
            values.push((format!(":{name}"), value));
        }
        let mut removes = vec!["#claim_owner", "#claim_until"];
        if decision.note.is_none() {
            // A note left by an earlier outcome would describe this one wrongly.
            names.push(attr::DECISION_NOTE);
            removes.push("#decision_note");
        }
        let update = format!("SET {} REMOVE {}", sets.join(", "), removes.join(", "));
        match self.update(key, &update, "#claim_owner = :owner", &names, values, true).await? {
            Conditional::Applied => Ok(()),
            // Another run holds the approval now (our lease ran out): the outcome must not be written over
            // theirs, and the caller must hear about it.
            Conditional::Refused(old) => Err(PortError::new(
                UPDATE_ITEM,
                format!(
                    "{} is not claimed by `{owner}` ({}): its outcome `{}` was not recorded",
                    describe(key),
                    holder(old.as_ref()),
                    state.as_str()
                ),
            )),
        }
    }

    async fn release(&self, key: &ApprovalKey, owner: &str) -> Result<(), PortError> {
        // A refused condition means the claim is gone or someone else's: nothing of ours to release.
        self.update(
            key,
            "REMOVE #claim_owner, #claim_until",
            "#claim_owner = :owner",
            &[attr::CLAIM_OWNER, attr::CLAIM_UNTIL],
            values([(":owner", s(owner))]),
            false,
        )
        .await?;
        Ok(())
    }

    async fn pending(&self, digest: Option<&ImageDigest>) -> Result<Vec<ApprovalRecord>, PortError> {
        let mut records = match digest {
            Some(digest) => self
                .digest_state(digest)
                .await?
                .approvals
                .into_iter()
                .map(|a: StoredApproval| a.record)
                .filter(|r| r.state == ApprovalState::Pending)
                .collect(),
            None => self.all_pending().await?,
        };
        records.sort_by(|a, b| {
            (a.recorded_at, &a.key.digest, a.key.token.expose()).cmp(&(
                b.recorded_at,
                &b.key.digest,
                b.key.token.expose(),
            ))
        });
        Ok(records)
    }
}

fn values<const N: usize>(pairs: [(&str, AttributeValue); N]) -> Vec<(String, AttributeValue)> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Who holds an approval, from the item a refused update returned, for the error message.
fn holder(old: Option<&Item>) -> String {
    let Some(old) = old else {
        return "the approval is not in the table".to_owned();
    };
    let text = |name: &str| match old.get(name) {
        Some(AttributeValue::S(v)) | Some(AttributeValue::N(v)) => Some(v.as_str()),
        _ => None,
    };
    let state = text(attr::STATE).unwrap_or("unknown");
    match (text(attr::CLAIM_OWNER), text(attr::CLAIM_UNTIL)) {
        (Some(other), Some(until)) => {
            format!("state {state}, claimed by `{other}` until epoch {until}")
        }
        _ => format!("state {state}, not claimed"),
    }
}

/// A failed SDK call. A service error gives its code, message and request id (the SDK's `Display` says only
/// "service error"); any other failure (dispatch, timeout, unreadable response) its chain of causes. Not
/// [`DisplayErrorContext`](aws_sdk_dynamodb::error::DisplayErrorContext): it appends the `Debug` of the raw
/// HTTP response, whose body may hold items, and so tokens.
fn sdk_error<E, R>(call: &str, what: &str, err: SdkError<E, R>) -> PortError
where
    E: ProvideErrorMetadata + RequestId + StdError + 'static,
    R: std::fmt::Debug,
{
    let detail = match err.as_service_error() {
        Some(e) => {
            let id = e.request_id().map(|id| format!(" (request id {id})")).unwrap_or_default();
            format!("{}: {}{id}", e.code().unwrap_or("unknown error code"), e.message().unwrap_or("no message"))
        }
        None => causes(&err),
    };
    PortError::new(call, format!("{what}: {detail}"))
}

fn causes(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn holder_describes_the_claim_that_took_over() {
        let old: Item = HashMap::from([
            (attr::STATE.to_owned(), s("pending")),
            (attr::CLAIM_OWNER.to_owned(), s("run-2")),
            (attr::CLAIM_UNTIL.to_owned(), n(1_700_000_000)),
        ]);
        assert_eq!(holder(Some(&old)), "state pending, claimed by `run-2` until epoch 1700000000");
        assert_eq!(holder(None), "the approval is not in the table");
    }
}
