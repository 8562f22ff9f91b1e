//! The table's item layout: keys, attribute names, and the mapping between items and the core's records.
//! Pure functions, so the layout is tested without a table; `super` only sends the requests.
//!
//! One partition per image digest (`digest`), sorted by `sk`:
//! - `APPROVAL#<pipeline>#<stage>#<action>#<token>`: one approval (`#` cannot occur in CodePipeline names);
//! - `SCAN`: the digest's final scan state.
//!
//! Reading is strict: an item that does not map back to a record is an error naming its sort key and the
//! attribute, never skipped, since a skipped approval would silently never be answered.

use std::collections::HashMap;

use approval_core::decision::Verdict;
use approval_core::ids::{ActionName, ApprovalToken, ImageDigest, PipelineName, RepositoryName, StageName};
use approval_core::record::{
    ApprovalKey, ApprovalRecord, ApprovalState, Claim, DecisionRecord, ScanState, ScanVerdict, StoredApproval,
};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use thiserror::Error;

pub(super) type Item = HashMap<String, AttributeValue>;

/// Attribute names: the table's contract with the README and with operators' queries.
pub(super) mod attr {
    pub const DIGEST: &str = "digest";
    pub const SK: &str = "sk";
    pub const KIND: &str = "kind";
    pub const TTL: &str = "ttl";
    pub const REPOSITORY: &str = "repository";

    pub const PIPELINE: &str = "pipeline";
    pub const STAGE: &str = "stage";
    pub const ACTION: &str = "action";
    pub const TOKEN: &str = "token";
    pub const REGION: &str = "region";
    pub const EXPIRES: &str = "expires";
    pub const EXPIRES_EPOCH: &str = "expires_epoch";
    pub const REVIEW_LINK: &str = "review_link";
    pub const SNS_MESSAGE_ID: &str = "sns_message_id";
    pub const RECORDED_AT: &str = "recorded_at";
    pub const STATE: &str = "state";
    pub const CLAIM_OWNER: &str = "claim_owner";
    pub const CLAIM_UNTIL: &str = "claim_until";
    pub const DECISION_STATUS: &str = "decision_status";
    pub const DECISION_SUMMARY: &str = "decision_summary";
    pub const BLOCKING_IDS: &str = "blocking_ids";
    pub const POLICY_SHA256: &str = "policy_sha256";
    pub const DECIDED_AT: &str = "decided_at";
    pub const DECISION_NOTE: &str = "decision_note";

    pub const VERDICT: &str = "verdict";
    pub const REASON: &str = "reason";
    pub const OBSERVED_AT: &str = "observed_at";
    pub const OBSERVED_EPOCH: &str = "observed_epoch";
}

pub(super) const KIND_APPROVAL: &str = "approval";
pub(super) const KIND_SCAN: &str = "scan";
pub(super) const SCAN_SK: &str = "SCAN";
const APPROVAL_PREFIX: &str = "APPROVAL#";
const VERDICT_COMPLETE: &str = "complete";
const VERDICT_UNSCANNABLE: &str = "unscannable";

pub(super) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

pub(super) fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// Times are stored as RFC 3339 in UTC with as many fraction digits as they have, so they read back equal.
pub(super) fn time(at: DateTime<Utc>) -> AttributeValue {
    s(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Epoch seconds for a deadline that must not pass early (a claim's lease): rounded up.
pub(super) fn epoch_ceil(at: DateTime<Utc>) -> i64 {
    at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0)
}

pub(super) fn approval_sk(key: &ApprovalKey) -> String {
    format!("{APPROVAL_PREFIX}{}#{}#{}#{}", key.pipeline, key.stage, key.action, key.token.expose())
}

/// A sort key for messages: the token in it cut to the loggable prefix.
pub(super) fn loggable_sk(sk: &str) -> String {
    match sk.strip_prefix(APPROVAL_PREFIX).and_then(|rest| rest.rsplit_once('#')) {
        Some((names, token)) => {
            let prefix: String = token.chars().take(8).collect();
            let cut = if prefix.len() < token.len() { "…" } else { "" };
            format!("{APPROVAL_PREFIX}{names}#{prefix}{cut}")
        }
        None if sk.starts_with(APPROVAL_PREFIX) => format!("{APPROVAL_PREFIX}…"),
        None => sk.chars().take(80).collect(),
    }
}

/// An approval named for messages; the token only by its prefix.
pub(super) fn describe(key: &ApprovalKey) -> String {
    format!("approval {}/{}/{} (token {}…) of {}", key.pipeline, key.stage, key.action, key.token.prefix(), key.digest)
}

pub(super) fn approval_key(key: &ApprovalKey) -> Item {
    HashMap::from([(attr::DIGEST.to_owned(), s(key.digest.as_str())), (attr::SK.to_owned(), s(approval_sk(key)))])
}

pub(super) fn approval_item(record: &ApprovalRecord, retention: Duration) -> Item {
    let mut item = approval_key(&record.key);
    let mut put = |name: &str, value: AttributeValue| {
        item.insert(name.to_owned(), value);
    };
    let key = &record.key;
    put(attr::KIND, s(KIND_APPROVAL));
    put(attr::PIPELINE, s(key.pipeline.as_str()));
    put(attr::STAGE, s(key.stage.as_str()));
    put(attr::ACTION, s(key.action.as_str()));
    put(attr::TOKEN, s(key.token.expose()));
    if let Some(region) = &record.region {
        put(attr::REGION, s(region));
    }
    put(attr::EXPIRES, time(record.expires));
    // Rounded down: compared with `now` in the claim condition, an approval never looks alive for longer.
    put(attr::EXPIRES_EPOCH, n(record.expires.timestamp()));
    if let Some(link) = &record.review_link {
        put(attr::REVIEW_LINK, s(link));
    }
    if let Some(repository) = &record.repository {
        put(attr::REPOSITORY, s(repository.as_str()));
    }
    put(attr::SNS_MESSAGE_ID, s(&record.sns_message_id));
    put(attr::RECORDED_AT, time(record.recorded_at));
    put(attr::STATE, s(record.state.as_str()));
    put(attr::TTL, n(epoch_ceil(record.delete_after(retention))));
    if let Some(decision) = &record.decision {
        for (name, value) in decision_attributes(decision) {
            put(name, value);
        }
    }
    item
}

/// The attributes `finish` sets; `decision_note` only when there is one.
pub(super) fn decision_attributes(decision: &DecisionRecord) -> Vec<(&'static str, AttributeValue)> {
    let mut out = vec![
        (attr::DECISION_STATUS, s(decision.status.as_str())),
        (attr::DECISION_SUMMARY, s(&decision.summary)),
        // A list, not a string set: a set cannot be empty, and an approval usually blocks nothing.
        (attr::BLOCKING_IDS, AttributeValue::L(decision.blocking_ids.iter().map(s).collect())),
        (attr::POLICY_SHA256, s(&decision.policy_sha256)),
        (attr::DECIDED_AT, time(decision.decided_at)),
    ];
    if let Some(note) = &decision.note {
        out.push((attr::DECISION_NOTE, s(note)));
    }
    out
}

pub(super) fn scan_key(digest: &ImageDigest) -> Item {
    HashMap::from([(attr::DIGEST.to_owned(), s(digest.as_str())), (attr::SK.to_owned(), s(SCAN_SK))])
}

pub(super) fn scan_item(scan: &ScanState, retention: Duration) -> Item {
    let mut item = scan_key(&scan.digest);
    item.insert(attr::KIND.to_owned(), s(KIND_SCAN));
    match &scan.verdict {
        ScanVerdict::Complete => {
            item.insert(attr::VERDICT.to_owned(), s(VERDICT_COMPLETE));
        }
        ScanVerdict::Unscannable { reason } => {
            item.insert(attr::VERDICT.to_owned(), s(VERDICT_UNSCANNABLE));
            item.insert(attr::REASON.to_owned(), s(reason));
        }
    }
    if let Some(repository) = &scan.repository {
        item.insert(attr::REPOSITORY.to_owned(), s(repository.as_str()));
    }
    item.insert(attr::OBSERVED_AT.to_owned(), time(scan.observed_at));
    item.insert(attr::OBSERVED_EPOCH.to_owned(), n(scan.observed_at.timestamp()));
    item.insert(attr::TTL.to_owned(), n(epoch_ceil(scan.observed_at + retention)));
    item
}

/// An item that does not map back to a record. The sort key is shown with its token cut to a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("item {sk}: attribute `{attribute}` {why}")]
pub(super) struct ItemError {
    pub sk: String,
    pub attribute: &'static str,
    pub why: String,
}

/// One item of a digest's partition, read back.
#[derive(Debug)]
pub(super) enum Stored {
    Approval(Box<StoredApproval>),
    Scan(ScanState),
}

pub(super) fn parse_item(item: &Item) -> Result<Stored, ItemError> {
    let fields = Fields::new(item)?;
    if fields.sk == SCAN_SK {
        fields.expect_kind(KIND_SCAN)?;
        parse_scan(&fields).map(Stored::Scan)
    } else if fields.sk.starts_with(APPROVAL_PREFIX) {
        parse_approval(item).map(|a| Stored::Approval(Box::new(a)))
    } else {
        Err(fields.error(attr::SK, "is neither `SCAN` nor `APPROVAL#…`: not an item of the approval gate".to_owned()))
    }
}

pub(super) fn parse_approval(item: &Item) -> Result<StoredApproval, ItemError> {
    let f = Fields::new(item)?;
    f.expect_kind(KIND_APPROVAL)?;
    let key = ApprovalKey {
        digest: f.parse(attr::DIGEST, ImageDigest::parse)?,
        pipeline: f.parse(attr::PIPELINE, PipelineName::parse)?,
        stage: f.parse(attr::STAGE, StageName::parse)?,
        action: f.parse(attr::ACTION, ActionName::parse)?,
        token: f.parse(attr::TOKEN, ApprovalToken::parse)?,
    };
    if approval_sk(&key) != f.sk {
        return Err(f.error(attr::SK, "does not match the item's pipeline, stage, action and token".to_owned()));
    }
    let state = f.string(attr::STATE)?;
    let state =
        ApprovalState::parse(state).ok_or_else(|| f.error(attr::STATE, format!("is not a state: `{state}`")))?;
    let decision = match f.opt_string(attr::DECISION_STATUS)? {
        None => None,
        Some(status) => Some(DecisionRecord {
            status: match status {
                "Approved" => Verdict::Approved,
                "Rejected" => Verdict::Rejected,
                other => {
                    return Err(f.error(attr::DECISION_STATUS, format!("is not Approved or Rejected: `{other}`")));
                }
            },
            summary: f.string(attr::DECISION_SUMMARY)?.to_owned(),
            blocking_ids: f.strings(attr::BLOCKING_IDS)?,
            policy_sha256: f.string(attr::POLICY_SHA256)?.to_owned(),
            decided_at: f.time(attr::DECIDED_AT)?,
            note: f.opt_string(attr::DECISION_NOTE)?.map(str::to_owned),
        }),
    };
    let claim = match (f.opt_string(attr::CLAIM_OWNER)?, f.opt_number(attr::CLAIM_UNTIL)?) {
        (None, None) => None,
        (Some(owner), Some(until)) => {
            Some(Claim { owner: owner.to_owned(), until: f.epoch(attr::CLAIM_UNTIL, until)? })
        }
        (Some(_), None) => {
            return Err(f.error(attr::CLAIM_UNTIL, "is missing while `claim_owner` is set".to_owned()));
        }
        (None, Some(_)) => {
            return Err(f.error(attr::CLAIM_OWNER, "is missing while `claim_until` is set".to_owned()));
        }
    };
    let record = ApprovalRecord {
        key,
        region: f.opt_string(attr::REGION)?.map(str::to_owned),
        expires: f.time(attr::EXPIRES)?,
        review_link: f.opt_string(attr::REVIEW_LINK)?.map(str::to_owned),
        repository: f.opt_parse(attr::REPOSITORY, RepositoryName::parse)?,
        sns_message_id: f.string(attr::SNS_MESSAGE_ID)?.to_owned(),
        recorded_at: f.time(attr::RECORDED_AT)?,
        state,
        decision,
    };
    Ok(StoredApproval { record, claim })
}

fn parse_scan(f: &Fields<'_>) -> Result<ScanState, ItemError> {
    let verdict = match f.string(attr::VERDICT)? {
        VERDICT_COMPLETE => ScanVerdict::Complete,
        VERDICT_UNSCANNABLE => ScanVerdict::Unscannable { reason: f.string(attr::REASON)?.to_owned() },
        other => {
            return Err(f.error(attr::VERDICT, format!("is not complete or unscannable: `{other}`")));
        }
    };
    Ok(ScanState {
        digest: f.parse(attr::DIGEST, ImageDigest::parse)?,
        repository: f.opt_parse(attr::REPOSITORY, RepositoryName::parse)?,
        verdict,
        observed_at: f.time(attr::OBSERVED_AT)?,
    })
}

/// Typed reads of an item's attributes, each failure naming the item and the attribute.
struct Fields<'a> {
    item: &'a Item,
    sk: &'a str,
}

impl<'a> Fields<'a> {
    fn new(item: &'a Item) -> Result<Self, ItemError> {
        match item.get(attr::SK) {
            Some(AttributeValue::S(sk)) => Ok(Fields { item, sk }),
            _ => Err(ItemError {
                sk: "(no sk)".to_owned(),
                attribute: attr::SK,
                why: "is missing or not a string".to_owned(),
            }),
        }
    }

    fn error(&self, attribute: &'static str, why: String) -> ItemError {
        ItemError { sk: loggable_sk(self.sk), attribute, why }
    }

    fn expect_kind(&self, kind: &str) -> Result<(), ItemError> {
        let found = self.string(attr::KIND)?;
        if found == kind {
            Ok(())
        } else {
            Err(self.error(attr::KIND, format!("is `{found}` where the sort key says `{kind}`")))
        }
    }

    fn opt_string(&self, name: &'static str) -> Result<Option<&'a str>, ItemError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(text)) => Ok(Some(text)),
            Some(other) => Err(self.error(name, format!("is not a string ({})", type_name(other)))),
        }
    }

    fn string(&self, name: &'static str) -> Result<&'a str, ItemError> {
        self.opt_string(name)?.ok_or_else(|| self.error(name, "is missing".to_owned()))
    }

    fn opt_number(&self, name: &'static str) -> Result<Option<i64>, ItemError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(text)) => {
                text.parse().map(Some).map_err(|_| self.error(name, format!("is not a whole number: `{text}`")))
            }
            Some(other) => Err(self.error(name, format!("is not a number ({})", type_name(other)))),
        }
    }

    fn epoch(&self, name: &'static str, seconds: i64) -> Result<DateTime<Utc>, ItemError> {
        DateTime::from_timestamp(seconds, 0).ok_or_else(|| self.error(name, format!("is out of range: {seconds}")))
    }

    fn time(&self, name: &'static str) -> Result<DateTime<Utc>, ItemError> {
        let text = self.string(name)?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| self.error(name, format!("is not an RFC 3339 time (`{text}`): {e}")))
    }

    fn strings(&self, name: &'static str) -> Result<Vec<String>, ItemError> {
        match self.item.get(name) {
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|v| match v {
                    AttributeValue::S(text) => Ok(text.clone()),
                    other => Err(self.error(name, format!("holds a {} where strings belong", type_name(other)))),
                })
                .collect(),
            None => Err(self.error(name, "is missing".to_owned())),
            Some(other) => Err(self.error(name, format!("is not a list ({})", type_name(other)))),
        }
    }

    /// Parses a required string with an identifier's own check; its error never quotes a token.
    fn parse<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, ItemError> {
        parse(self.string(name)?).map_err(|e| self.error(name, format!("is invalid: {e}")))
    }

    fn opt_parse<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ItemError> {
        self.opt_string(name)?
            .map(|text| parse(text).map_err(|e| self.error(name, format!("is invalid: {e}"))))
            .transpose()
    }
}

fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Bs(_) => "BS",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::N(_) => "N",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::S(_) => "S",
        AttributeValue::Ss(_) => "SS",
        _ => "an unknown type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";
    const TOKEN: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn record() -> ApprovalRecord {
        ApprovalRecord {
            key: ApprovalKey {
                digest: ImageDigest::parse(DIGEST).unwrap(),
                pipeline: PipelineName::parse("web").unwrap(),
                stage: StageName::parse("Gate").unwrap(),
                action: ActionName::parse("Inspector").unwrap(),
                token: ApprovalToken::parse(TOKEN).unwrap(),
            },
            region: Some("eu-west-1".into()),
            expires: at("2024-05-15T12:34:56.789Z"),
            review_link: Some("https://example.com/review".into()),
            repository: Some(RepositoryName::parse("team/web").unwrap()),
            sns_message_id: "m-1".into(),
            recorded_at: at("2024-05-08T12:34:56.123456789Z"),
            state: ApprovalState::Pending,
            decision: None,
        }
    }

    #[test]
    fn approval_round_trips_with_decision_and_nanoseconds() {
        let mut r = record();
        r.state = ApprovalState::Closed;
        r.decision = Some(DecisionRecord {
            status: Verdict::Rejected,
            summary: "blocked".into(),
            blocking_ids: vec![],
            policy_sha256: "ab".repeat(32),
            decided_at: at("2024-05-09T00:00:00Z"),
            note: Some("already answered".into()),
        });
        let item = approval_item(&r, Duration::days(30));
        let Stored::Approval(back) = parse_item(&item).unwrap() else { panic!("not an approval") };
        assert_eq!(back.record, r);
        assert_eq!(back.claim, None);
        assert_eq!(item[attr::BLOCKING_IDS], AttributeValue::L(vec![]));
    }

    #[test]
    fn approval_sort_key_names_the_action_and_token() {
        assert_eq!(approval_sk(&record().key), format!("APPROVAL#web#Gate#Inspector#{TOKEN}"));
    }

    #[test]
    fn expiry_epoch_rounds_down_and_ttl_up() {
        let item = approval_item(&record(), Duration::days(1));
        assert_eq!(item[attr::EXPIRES_EPOCH], n(at("2024-05-15T12:34:56Z").timestamp()));
        assert_eq!(item[attr::TTL], n(at("2024-05-16T12:34:57Z").timestamp()));
    }

    #[test]
    fn scan_round_trips_both_verdicts() {
        for verdict in [ScanVerdict::Complete, ScanVerdict::Unscannable { reason: "UNSUPPORTED_OS".into() }] {
            let scan = ScanState {
                digest: ImageDigest::parse(DIGEST).unwrap(),
                repository: None,
                verdict,
                observed_at: at("2024-05-08T12:00:00.5Z"),
            };
            let Stored::Scan(back) = parse_item(&scan_item(&scan, Duration::days(30))).unwrap() else {
                panic!("not a scan")
            };
            assert_eq!(back, scan);
        }
    }

    #[test]
    fn loggable_sort_key_keeps_only_the_token_prefix() {
        assert_eq!(loggable_sk(&approval_sk(&record().key)), "APPROVAL#web#Gate#Inspector#3f2b9c1e…");
        assert_eq!(loggable_sk("APPROVAL#p#s#a#short"), "APPROVAL#p#s#a#short");
        assert_eq!(loggable_sk("SCAN"), "SCAN");
    }

    #[test]
    fn bad_attributes_name_the_item_and_attribute_without_the_token() {
        let good = approval_item(&record(), Duration::days(30));
        let cases: [(&str, Option<AttributeValue>); 6] = [
            (attr::TOKEN, Some(s("NOT-A-TOKEN"))),
            (attr::EXPIRES, None),
            (attr::STATE, Some(s("waiting"))),
            (attr::KIND, Some(s("scan"))),
            (attr::CLAIM_UNTIL, Some(n(5))),
            (attr::REPOSITORY, Some(n(5))),
        ];
        for (name, value) in cases {
            let mut item = good.clone();
            match value {
                Some(v) => item.insert(name.to_owned(), v),
                None => item.remove(name),
            };
            let err = parse_item(&item).unwrap_err();
            let expected = if name == attr::CLAIM_UNTIL { attr::CLAIM_OWNER } else { name };
            assert_eq!(err.attribute, expected, "{err}");
            assert_eq!(err.sk, "APPROVAL#web#Gate#Inspector#3f2b9c1e…");
            assert!(!err.to_string().contains(TOKEN), "{err}");
        }
    }

    #[test]
    fn a_foreign_item_is_an_error() {
        let mut item = scan_key(&ImageDigest::parse(DIGEST).unwrap());
        item.insert(attr::SK.to_owned(), s("OTHER"));
        assert_eq!(parse_item(&item).unwrap_err().attribute, attr::SK);
    }
}
